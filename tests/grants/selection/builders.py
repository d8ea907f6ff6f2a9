"""Builders for selection tests: rounds in selection reached through the real grants workflow, and a
score provider fed with reviews the test writes (aggregated and calibrated by the real
`reviewers.calibration` code) registered through `grants.scoring`."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from grants import scoring, services
from grants.enums import SCREENING_CHECKLIST
from grants.models import Application, CostCategory, Criterion, PriorityArea, Round
from grants.reference import seed_reference_lists
from reviewers import calibration
from tests import factories

PDF_BYTES = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
ALL_TICKED = dict.fromkeys(SCREENING_CHECKLIST, True)
CODES = ("novelty", "unmet_need", "evidence", "team", "budget")  # the default rubric's criteria


def pdf(name: str = "minutes.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF_BYTES, content_type="application/pdf")


def open_round(
    officer, *, budget: str = "10000000", quotas=(("oncology", None), ("orphan", None)), **fields
) -> Round:
    """An open round with the default rubric (weights .30/.25/.20/.15/.10, thresholds 3) and areas."""
    seed_reference_lists(CostCategory, PriorityArea)
    round_ = factories.RoundFactory(program=factories.ProgramFactory(), budget=Decimal(budget), **fields)
    services.round_set_rubric(actor=officer, round=round_, criteria=services.default_rubric())
    services.round_set_priority_areas(actor=officer, round=round_, areas=list(quotas))
    return services.round_open(actor=officer, round=round_)


def submit(
    round_: Round, *, amount: str = "1000000", area: str = "oncology", title: str = "", firm=None
) -> Application:
    """A firm's complete application asking for `amount`, submitted through the services."""
    firm = firm or factories.OrganisationFactory()
    applicant = factories.ApplicantFactory(organisation=firm)
    application = services.application_create(
        actor=applicant,
        round=round_,
        title=title or f"Project of {firm.name}",
        drug_name="FC-101",
        modality="monoclonal_antibody",
        mechanism="Blocks CD123 on leukaemic stem cells",
        indication="Acute myeloid leukaemia",
        icd10_code="C92.0",
        priority_area=area,
        claim_kind="first_in_class",
        novelty_statement="No approved drug acts on this target.",
        development_stage="phase_3",
    )
    services.trial_add(
        actor=applicant,
        application=application,
        phase="3",
        nct_id=f"NCT{application.pk:08d}",
        planned_enrolment=300,
        start_date=dt.date(2025, 1, 1),
        end_date=dt.date(2027, 1, 1),
    )
    services.budget_line_add(
        actor=applicant, application=application, category="site", description="Site fees", amount=amount
    )
    services.document_upload(
        actor=applicant, application=application, upload=pdf("protocol.pdf"), kind="protocol"
    )
    services.application_submit(actor=applicant, application=application)
    return Application.objects.get(pk=application.pk)


def close_and_screen(officer, round_: Round) -> Round:
    """Move the submission window into the past (setup only: dates are otherwise only extendable),
    then close and screen every submitted application eligible through the workflow."""
    now = timezone.now().replace(microsecond=0)
    Round.objects.filter(pk=round_.pk).update(
        opens_at=now - dt.timedelta(days=20),
        closes_at=now - dt.timedelta(hours=1),
        review_due_at=now + dt.timedelta(days=30),
        decision_at=now + dt.timedelta(days=60),
    )
    round_.refresh_from_db()
    services.round_close(actor=officer, round=round_)
    for application in Application.objects.filter(round=round_, state="submitted").order_by("pk"):
        services.application_screen(
            actor=officer, application=application, outcome="eligible", checklist=ALL_TICKED
        )
    return Round.objects.get(pk=round_.pk)


def to_selection(officer, round_: Round) -> Round:
    """Close and screen (see `close_and_screen`), then start review and start selection."""
    close_and_screen(officer, round_)
    services.round_transition(actor=officer, round=Round.objects.get(pk=round_.pk), action="start_review")
    return services.round_transition(
        actor=officer, round=Round.objects.get(pk=round_.pk), action="start_selection"
    )


class ReviewBook:
    """Reviews a test writes (application -> reviewer -> criterion scores) and the provider that turns
    them into `grants.scoring` rows with the real aggregation and calibration of the reviewers app."""

    def __init__(self) -> None:
        self.reviews: dict[int, dict[int, dict[str, Decimal]]] = defaultdict(dict)
        self.comments: dict[int, list[dict]] = defaultdict(list)
        self.calls = 0

    def add(self, application: Application, *scores, reviewer: int | None = None, comment: str = "") -> None:
        """One review per entry of `scores`: a number (every criterion) or a {code: number} dict."""
        for value in scores:
            per = value if isinstance(value, dict) else dict.fromkeys(CODES, value)
            rid = reviewer if reviewer is not None else 1000 + len(self.reviews[application.pk])
            self.reviews[application.pk][rid] = {code: Decimal(str(v)) for code, v in per.items()}
            if comment:
                self.comments[application.pk].append(
                    {
                        "overall_comment": comment,
                        "criterion_comments": {code: f"{code}: {comment}" for code in per},
                    }
                )
            reviewer = None if reviewer is None else reviewer + 1

    def provider(self, round_: Round) -> dict:
        self.calls += 1
        criteria = [
            calibration.Criterion(code, weight)
            for code, weight in Criterion.objects.filter(round=round_)
            .order_by("position")
            .values_list("code", "weight")
        ]
        reviews = [
            calibration.Review(app_id, rid, scores)
            for app_id, by_reviewer in sorted(self.reviews.items())
            for rid, scores in sorted(by_reviewer.items())
        ]
        aggregated = calibration.aggregate(reviews, criteria, discussion_spread=Decimal("1.5"))
        fit = calibration.calibrate(calibration.review_totals(aggregated), min_reviews=2)
        return {
            app_id: {
                "application_id": app_id,
                "criterion_means": dict(row.criterion_means),
                "total": row.total,
                "calibrated_total": fit.calibrated_totals.get(app_id),
                "spread": row.spread,
                "needs_discussion": row.needs_discussion,
                "submitted_reviews": len(row.reviewer_totals),
            }
            for app_id, row in aggregated.items()
        }

    def comments_provider(self, application: Application) -> list[dict]:
        return self.comments.get(application.pk, [])


def use_book(book: ReviewBook):
    """Register the book's providers; returns a function that puts the previous ones back."""
    previous_scores = scoring.register_score_provider(book.provider)
    previous_comments = scoring.register_comments_provider(book.comments_provider)

    def restore() -> None:
        scoring.register_score_provider(previous_scores)
        scoring.register_comments_provider(previous_comments)

    return restore


def signed_in(user):
    """A test client signed in as `user`, asking for English pages (assertions read English)."""
    from django.test import Client

    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def text_of(response) -> str:
    """The page's visible text with tags removed and spaces collapsed."""
    import re

    html = re.sub(r"<script.*?</script>", " ", response.content.decode(), flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def published_round(officer, book, *, n: int, outcome: str = "rejected", firm=None):
    """A round with `n` applications (one firm each), all reviewed, decided `outcome` (with a reason
    where that differs from the proposal), minutes attached and results published."""
    from grants.services.decisions import DecisionInput, decisions_record, minutes_upload, selection_publish
    from grants.services.selection import selection_run

    round_ = open_round(officer, budget="100000000")
    apps = [submit(round_, amount="1000000", title=f"Listed {i}", firm=firm) for i in range(n)]
    round_ = to_selection(officer, round_)
    for app in apps:
        book.add(app, 4, 4, 4, comment="Clear design.")
    selection_run(actor=officer, round=round_)
    decisions_record(
        actor=officer,
        round=round_,
        decisions=[DecisionInput(app.pk, outcome, reason="Committee view.") for app in apps],
    )
    minutes_upload(actor=officer, round=round_, upload=pdf())
    selection_publish(actor=officer, round=round_)
    return round_, apps


# --- real reviews through the reviewers app -----------------------------------------------------
EXPERT = {
    "priority_areas": ["oncology"],
    "modalities": ["monoclonal_antibody"],
    "icd10_chapters": ["II"],
    "atc_groups": ["L01"],
    "keywords": ["leukaemia"],
}


def reviewer_panel(ministry, size: int) -> list:
    """Reviewers with oncology-antibody expertise, through the reviewers services."""
    from reviewers import services as reviewers

    panel = []
    for _ in range(size):
        user = factories.ReviewerFactory(organisation=ministry)
        reviewers.profile_update(actor=user, profile=reviewers.profile_of(user), **EXPERT)
        panel.append(user)
    return panel


def review_everything(officer, round_: Round, scores: dict[int, str]) -> None:
    """Assign reviewers (the real solver), then each declares and submits a full review scoring every
    criterion `scores[application id]` with a comment."""
    from reviewers import services as reviewers
    from reviewers.models import Assignment

    run = reviewers.assignment_run(actor=officer, round=round_)
    assert run.status == "ok", run.report
    for assignment in (
        Assignment.objects.filter(round=round_, state="assigned").select_related("reviewer").order_by("pk")
    ):
        reviewer = assignment.reviewer
        assignment = reviewers.assignment_declare(
            actor=reviewer, assignment=assignment, no_conflict=True, confidentiality=True
        )
        value = scores[assignment.application_id]
        reviewers.review_submit(
            actor=reviewer,
            review=assignment.review,
            scores={code: {"value": value, "comment": f"{code} looks {value}/5"} for code in CODES},
            overall_comment=f"Overall {value} out of 5.",
        )
