"""Scoring (rules 17, 18, 21): complete reviews only, immutable once submitted unless reopened,
blind until submitted, and the aggregation selection consumes."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from audit.models import AuditEvent
from core.errors import Conflict, DomainError, Forbidden, ValidationFailed
from reviewers import selectors, services
from reviewers.models import Score
from tests.reviewers.conftest import assignment_of, declare, full_scores, reviewers_of, submit_review

pytestmark = pytest.mark.django_db


def trio(applications, panel, index=0):
    target = applications[index]
    return target, [u for u in panel if u.username in reviewers_of(target)]


@pytest.mark.rule(18)
def test_a_draft_may_be_partial_but_a_given_score_must_be_on_the_scale_and_step(
    applications, assigned, panel
):
    target, (reviewer, *_) = trio(applications, panel)
    declare(reviewer, target)
    review = assignment_of(reviewer, target).review

    services.review_save_draft(
        actor=reviewer, review=review, scores={"novelty": {"value": "4,5", "comment": "New"}}
    )
    with pytest.raises(ValidationFailed) as exc:
        services.review_save_draft(
            actor=reviewer, review=review, scores={"evidence": {"value": "3.3"}, "team": {"value": "6"}}
        )

    assert exc.value.details == {
        "scores.evidence.value": [
            "“Strength of evidence and trial design”: the score must be from 0 to 5 in steps of 0.5."
        ],
        "scores.team.value": [
            "“Team and production capacity”: the score must be from 0 to 5 in steps of 0.5."
        ],
    }
    saved = {s.criterion.code: (s.value, s.comment) for s in review.scores.select_related("criterion")}
    assert saved["novelty"] == (Decimal("4.5"), "New") and saved["evidence"] == (None, "")


@pytest.mark.rule(18)
def test_database_constraint_on_score_step(applications, assigned, panel):
    target, (reviewer, *_) = trio(applications, panel)
    declare(reviewer, target)
    score = assignment_of(reviewer, target).review.scores.first()
    with pytest.raises(IntegrityError), transaction.atomic():
        Score.objects.filter(pk=score.pk).update(value=Decimal("2.3"))
    with pytest.raises(IntegrityError), transaction.atomic():
        Score.objects.filter(pk=score.pk).update(value=Decimal("5.5"))
    Score.objects.filter(pk=score.pk).update(value=Decimal("2.5"))


@pytest.mark.rule(18)
def test_submission_needs_every_criterion_scored_with_a_comment(applications, assigned, panel):
    target, (reviewer, *_) = trio(applications, panel)
    declare(reviewer, target)
    review = assignment_of(reviewer, target).review
    scores = full_scores()
    scores["team"] = {"value": "", "comment": "Fine"}
    scores["budget"] = {"value": "3", "comment": "  "}

    with pytest.raises(ValidationFailed) as exc:
        services.review_submit(actor=reviewer, review=review, scores=scores, overall_comment="Good")

    assert exc.value.code == "review_incomplete"
    assert exc.value.details == {
        "scores.team.value": ["“Team and production capacity”: give a score."],
        "scores.budget.comment": ["“Budget justification”: explain the score in a comment."],
    }
    assert "Team and production capacity" in exc.value.message and "Budget justification" in exc.value.message
    assert assignment_of(reviewer, target).review.state == "draft"


@pytest.mark.rule(18)
def test_a_submitted_review_is_immutable_unless_an_officer_reopens_it_with_a_reason(
    officer, applications, assigned, panel
):
    target, (reviewer, *_) = trio(applications, panel)
    submitted = submit_review(reviewer, target, value="4")
    assert submitted.state == "submitted" and submitted.submitted_at is not None

    with pytest.raises(Conflict) as exc:
        services.review_save_draft(actor=reviewer, review=submitted, scores={"novelty": {"value": "1"}})
    assert exc.value.code == "review_submitted"
    with pytest.raises(Forbidden):
        services.review_reopen(actor=reviewer, review=submitted, reason="I want to change it")
    with pytest.raises(DomainError) as exc:
        services.review_reopen(actor=officer, review=submitted, reason="")
    assert exc.value.code == "reason_required"

    reopened = services.review_reopen(
        actor=officer, review=submitted, reason="Scores contradict the comments."
    )
    assert reopened.state == "reopened"
    assert AuditEvent.objects.get(action="review.reopen").reason == "Scores contradict the comments."
    resubmitted = services.review_submit(actor=reviewer, review=reopened, scores={"novelty": {"value": "2"}})
    assert resubmitted.state == "submitted"
    assert resubmitted.first_submitted_at == submitted.first_submitted_at
    assert resubmitted.scores.get(criterion__code="novelty").value == Decimal("2")


@pytest.mark.rule(17)
def test_a_reviewer_reads_no_other_review_before_submitting_their_own(officer, applications, assigned, panel):
    target, (first, second, third) = trio(applications, panel)
    submit_review(first, target, value="5")
    declare(second, target)
    mine = assignment_of(second, target)

    with pytest.raises(Forbidden) as exc:
        selectors.other_reviews(second, mine)
    assert exc.value.code == "submit_first"
    assert [r.pk for r in selectors.reviews_visible_to(second)] == [mine.review.pk]
    with pytest.raises(Exception):  # noqa: B017 - any refusal: NotFound for someone else's review
        selectors.review_get(second, assignment_of(first, target).review.pk)

    submit_review(second, target, value="3")
    seen = selectors.other_reviews(second, assignment_of(second, target))
    assert [r.assignment.reviewer_id for r in seen] == [first.pk]
    assert [r.pk for r in selectors.other_reviews(officer, mine)] == [assignment_of(first, target).review.pk]
    with pytest.raises(Forbidden):
        selectors.other_reviews(third, assignment_of(third, target))


@pytest.mark.rule(21)
def test_round_scores_weighted_total_spread_flag_calibration_and_consensus(
    officer, review_round, applications, assigned, panel
):
    target, trio_ = trio(applications, panel)
    values = ["5", "4", "1.5"]
    for reviewer, value in zip(trio_, values, strict=True):
        submit_review(reviewer, target, value=value)
    rows = {row.application_id: row for row in services.round_scores(review_round)}

    row = rows[target.pk]
    mean = (Decimal("5") + Decimal("4") + Decimal("1.5")) / 3
    assert row.criterion_means == dict.fromkeys(["novelty", "unmet_need", "evidence", "team", "budget"], mean)
    assert row.total == sum(
        w * mean
        for w in (Decimal("0.30"), Decimal("0.25"), Decimal("0.20"), Decimal("0.15"), Decimal("0.10"))
    )
    assert (row.submitted_reviews, row.reviews_required, row.complete) == (3, 3, True)
    assert row.spread == Decimal("3.5") and row.needs_discussion is True
    assert row.calibrated_total == row.total.quantize(Decimal("0.000001"))  # nobody has 6 reviews yet
    assert rows[applications[1].pk].total is None and rows[applications[1].pk].submitted_reviews == 0

    with pytest.raises(ValidationFailed) as exc:
        services.consensus_record(
            actor=officer, application=target, criterion_scores={"novelty": "4"}, reason="Panel"
        )
    assert "criterion_scores.unmet_need" in exc.value.details
    services.consensus_record(
        actor=officer, application=target, criterion_scores=dict.fromkeys(row.criterion_means, "3.5"),
        reason="The panel agreed the 1.5 misread the trial design.",
    )  # fmt: skip
    again = {r.application_id: r for r in services.round_scores(review_round)}[target.pk]
    assert again.consensus_total == Decimal("3.5") and again.total == row.total
    assert again.consensus_reason == "The panel agreed the 1.5 misread the trial design."
    assert [r.application_id for r in services.scored_rows(review_round)] == [target.pk]
    comments = services.application_comments(target)
    assert len(comments) == 3 and comments[0]["criterion_comments"]["novelty"] == "Sound."
    assert all(set(c) == {"overall_comment", "criterion_comments"} for c in comments)  # no identities


@pytest.mark.rule(21)
def test_a_review_whose_reviewer_later_declares_a_conflict_stops_counting(applications, assigned, panel):
    target, (first, *_) = trio(applications, panel)
    submit_review(first, target, value="5")
    services.assignment_declare_conflict(
        actor=first, assignment=assignment_of(first, target), description="My spouse joined the firm."
    )
    assert services.round_scores(target.round)[0].submitted_reviews == 0
