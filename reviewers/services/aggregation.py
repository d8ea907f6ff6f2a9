"""Aggregation of a round's scores (rule 21): what selection consumes.

    from reviewers.services import round_scores
    rows = round_scores(round)   # list[ApplicationScores], one per eligible application, by id

Counted: submitted reviews of assignments still active (a review whose reviewer later declared or
was found to have a conflict does not count). Means, totals, spread and the discussion flag come from
`reviewers.calibration.aggregate`; the calibrated total from `calibration.calibrate` over the whole
round (advisory unless the round ranks on it; domain-rules §4.5).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from grants.enums import DECIDED_APPLICATION_STATES
from grants.models import Application, Criterion, Round
from reviewers import calibration
from reviewers.enums import AssignmentState, ReviewState
from reviewers.models import ConsensusScore, Score
from reviewers.services.assignment import ASSIGNABLE_STATES, review_settings

# Scores stay visible after the committee's decision: the published ranking, the scores table and
# the auditor read them then too. Selection picks its own candidates (eligible, under review).
SCORED_STATES = (*ASSIGNABLE_STATES, *DECIDED_APPLICATION_STATES)


@dataclass(frozen=True)
class Consensus:
    """An officer's consensus score (the latest recorded), shown beside the raw ones."""

    criterion_scores: dict[str, Decimal]
    total: Decimal
    reason: str
    recorded_by_id: int
    recorded_at: datetime


@dataclass(frozen=True)
class ApplicationScores:
    """One eligible application's aggregated scores. Criterion codes key the dictionaries.

    With no submitted review yet, `criterion_means` is empty and the numbers are None.
    """

    application_id: int
    submitted_reviews: int  # submitted reviews that count
    reviews_required: int  # the round's k
    criterion_means: dict[str, Decimal]  # raw mean per criterion (exact Decimal)
    total: Decimal | None  # Σ weight × criterion mean (rule 21)
    calibrated_total: Decimal | None  # total corrected for reviewers' harshness/leniency (advisory)
    spread: Decimal | None  # max − min of the reviewers' own totals
    std_dev: Decimal | None  # sample standard deviation of those totals
    needs_discussion: bool  # reviewers disagree strongly (the round's thresholds)
    consensus: Consensus | None

    @property
    def consensus_total(self) -> Decimal | None:
        return self.consensus.total if self.consensus else None

    @property
    def consensus_reason(self) -> str:
        return self.consensus.reason if self.consensus else ""

    @property
    def complete(self) -> bool:
        """Every one of the k reviews is submitted (rule 23)."""
        return self.submitted_reviews >= self.reviews_required


@dataclass(frozen=True)
class ScoreTable:
    rows: list[ApplicationScores]
    calibration: calibration.Calibration


def round_score_table(round_: Round) -> ScoreTable:
    """Rows for every reviewed application of the round (in review or decided) and the calibration fit.

    Four queries whatever the round's size: criteria, applications, scores, consensus scores.
    """
    config = review_settings(round_)
    criteria = [
        calibration.Criterion(code, weight)
        for code, weight in Criterion.objects.filter(round=round_)
        .order_by("position", "id")
        .values_list("code", "weight")
    ]
    app_ids = list(
        Application.objects.filter(round=round_, state__in=SCORED_STATES)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    by_review: dict[int, dict] = defaultdict(dict)
    owner: dict[int, tuple[int, int]] = {}
    for review_id, app_id, reviewer_id, code, value in Score.objects.filter(
        review__state=ReviewState.SUBMITTED,
        review__assignment__state=AssignmentState.DECLARED,
        review__assignment__application_id__in=app_ids,
    ).values_list(
        "review_id",
        "review__assignment__application_id",
        "review__assignment__reviewer_id",
        "criterion__code",
        "value",
    ):
        by_review[review_id][code] = value
        owner[review_id] = (app_id, reviewer_id)
    reviews = [
        calibration.Review(application_id=owner[rid][0], reviewer_id=owner[rid][1], scores=scores)
        for rid, scores in sorted(by_review.items())
    ]
    aggregated = calibration.aggregate(
        reviews,
        criteria,
        discussion_spread=config.discussion_spread,
        criterion_discussion_spread=config.criterion_discussion_spread,
    )
    fit = calibration.calibrate(
        calibration.review_totals(aggregated), min_reviews=config.calibration_min_reviews
    )
    latest: dict[int, Consensus] = {}
    for row in ConsensusScore.objects.filter(application_id__in=app_ids).order_by(
        "application_id", "-recorded_at", "-id"
    ):
        latest.setdefault(
            row.application_id,
            Consensus(
                criterion_scores={k: Decimal(v) for k, v in row.criterion_scores.items()},
                total=row.total,
                reason=row.reason,
                recorded_by_id=row.recorded_by_id,
                recorded_at=row.recorded_at,
            ),
        )
    rows = []
    for app_id in app_ids:
        found = aggregated.get(app_id)
        rows.append(
            ApplicationScores(
                application_id=app_id,
                submitted_reviews=len(found.reviewer_totals) if found else 0,
                reviews_required=round_.reviewers_per_application,
                criterion_means=dict(found.criterion_means) if found else {},
                total=found.total if found else None,
                calibrated_total=fit.calibrated_totals.get(app_id) if found else None,
                spread=found.spread if found else None,
                std_dev=found.std_dev if found else None,
                needs_discussion=found.needs_discussion if found else False,
                consensus=latest.get(app_id),
            )
        )
    return ScoreTable(rows=rows, calibration=fit)


def round_scores(round_: Round) -> list[ApplicationScores]:
    """Per reviewed application of the round (in review or decided), ordered by id."""
    return round_score_table(round_).rows


def scored_rows(round_: Round) -> list[ApplicationScores]:
    """What `grants.scoring` receives: the applications with at least one counted review (an
    application without any has no total to rank, and selection reports it as incomplete)."""
    return [row for row in round_scores(round_) if row.submitted_reviews]


def application_comments(application: Application) -> list[dict]:
    """The counted reviews' comments for the firm after publication, in submission order, without any
    reviewer's identity: `overall_comment` and `criterion_comments` {criterion code: comment}."""
    rows = (
        Score.objects.filter(
            review__state=ReviewState.SUBMITTED,
            review__assignment__state=AssignmentState.DECLARED,
            review__assignment__application=application,
        )
        .order_by("review__submitted_at", "review_id", "criterion__position", "criterion_id")
        .values_list("review_id", "review__overall_comment", "criterion__code", "comment")
    )
    comments: dict[int, dict] = {}
    for review_id, overall, code, comment in rows:
        entry = comments.setdefault(review_id, {"overall_comment": overall, "criterion_comments": {}})
        entry["criterion_comments"][code] = comment
    return list(comments.values())
