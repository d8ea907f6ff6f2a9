"""Aggregation of submitted reviews: criterion means, the weighted total (rule 21), spread and flag. Pure."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, localcontext
from typing import NamedTuple


@dataclass(frozen=True)
class Criterion:
    code: str
    weight: Decimal


@dataclass(frozen=True)
class Review:
    """One submitted review: a score per criterion code."""

    application_id: int
    reviewer_id: int
    scores: Mapping[str, Decimal]


@dataclass(frozen=True)
class ApplicationScores:
    application_id: int
    criterion_means: Mapping[str, Decimal]
    total: Decimal  # Σ weight × criterion mean; equals the mean of the reviewers' totals
    reviewer_totals: Mapping[int, Decimal]  # reviewer_id -> Σ weight × that reviewer's scores
    spread: Decimal  # max − min of the reviewers' totals
    std_dev: Decimal  # sample standard deviation of the reviewers' totals (0 for a single review)
    needs_discussion: bool


class ReviewTotal(NamedTuple):
    application_id: int
    reviewer_id: int
    total: Decimal


def aggregate(
    reviews: Iterable[Review],
    criteria: Sequence[Criterion],
    *,
    discussion_spread: Decimal | None = None,
    criterion_discussion_spread: Decimal | None = None,
) -> dict[int, ApplicationScores]:
    """Means, weighted totals and spread per application.

    An application needs discussion when its reviewers' totals differ by at least `discussion_spread`,
    or one criterion's scores differ by at least `criterion_discussion_spread` (either may be None).
    Every review must score every criterion (rule 18); a missing or extra score raises ValueError.
    """
    codes = [c.code for c in criteria]
    by_app: dict[int, dict[int, Review]] = defaultdict(dict)
    for review in reviews:
        if set(review.scores) != set(codes):
            raise ValueError(
                f"Review of application {review.application_id} by {review.reviewer_id} does not score exactly the rubric's criteria."
            )
        if review.reviewer_id in by_app[review.application_id]:
            raise ValueError(
                f"Reviewer {review.reviewer_id} reviewed application {review.application_id} twice."
            )
        by_app[review.application_id][review.reviewer_id] = review
    result: dict[int, ApplicationScores] = {}
    with localcontext() as ctx:
        ctx.prec = 28
        for aid in sorted(by_app):
            revs = [by_app[aid][rid] for rid in sorted(by_app[aid])]
            n = len(revs)
            means = {code: sum((Decimal(r.scores[code]) for r in revs), Decimal(0)) / n for code in codes}
            totals = {
                r.reviewer_id: sum((c.weight * Decimal(r.scores[c.code]) for c in criteria), Decimal(0))
                for r in revs
            }
            values = list(totals.values())
            spread = max(values) - min(values)
            mean_total = sum(values, Decimal(0)) / n
            variance = (
                sum(((v - mean_total) ** 2 for v in values), Decimal(0)) / (n - 1) if n > 1 else Decimal(0)
            )
            criterion_spread = max(
                (
                    max(Decimal(r.scores[c]) for r in revs) - min(Decimal(r.scores[c]) for r in revs)
                    for c in codes
                ),
                default=Decimal(0),
            )
            result[aid] = ApplicationScores(
                application_id=aid,
                criterion_means=means,
                total=sum((c.weight * means[c.code] for c in criteria), Decimal(0)),
                reviewer_totals=totals,
                spread=spread,
                std_dev=variance.sqrt(),
                needs_discussion=(discussion_spread is not None and spread >= discussion_spread)
                or (
                    criterion_discussion_spread is not None
                    and criterion_spread >= criterion_discussion_spread
                ),
            )
    return result


def review_totals(scores: Mapping[int, ApplicationScores]) -> list[ReviewTotal]:
    """The reviewers' totals of every application, the input of `calibrate`."""
    return [
        ReviewTotal(aid, rid, total) for aid, s in scores.items() for rid, total in s.reviewer_totals.items()
    ]
