"""The declaration gate (rule 15), scoring (rule 18), reopening, and officers' consensus scores."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from audit.services import record_event
from core.errors import Conflict as ConflictError
from core.errors import DomainError, ValidationFailed
from core.workflow import perform
from grants.models import Application, ApplicationVersion, Criterion
from reviewers.enums import AssignmentState, DeclarationKind, ReviewState
from reviewers.models import Assignment, ConflictDeclaration, ConsensusScore, Review, Score
from reviewers.policy import require_officer
from reviewers.services._common import Problems, decimal_or_none
from reviewers.workflow import ASSIGNMENT_WORKFLOW, REVIEW_WORKFLOW

EDITABLE = (ReviewState.DRAFT, ReviewState.REOPENED)


def assignment_declare(
    *, actor: User, assignment: Assignment, no_conflict: bool, confidentiality: bool
) -> Assignment:
    """The declaration gate: the reviewer states, timestamped, that they have no conflict and will keep
    the content confidential; only then is the frozen version shown and a draft review opened on it."""
    problems = Problems()
    if not no_conflict:
        problems.add(
            "no_conflict", _("Confirm that you have no conflict of interest, or declare the conflict.")
        )
    if not confidentiality:
        problems.add("confidentiality", _("Confirm that you will keep the application confidential."))
    problems.raise_if_any(code="declaration_incomplete")
    with transaction.atomic():
        assignment = (
            Assignment.objects.select_for_update().select_related("application").get(pk=assignment.pk)
        )
        now = timezone.now()
        declared = perform(
            ASSIGNMENT_WORKFLOW, assignment, "declare", actor=actor, changes={"declared_at": now}
        )
        ConflictDeclaration.objects.create(
            assignment=assignment,
            reviewer_id=assignment.reviewer_id,
            application_id=assignment.application_id,
            kind=DeclarationKind.NO_CONFLICT,
            confidentiality=True,
            declared_at=now,
        )
        version = ApplicationVersion.objects.get(
            application_id=assignment.application_id, number=assignment.application.current_version
        )
        review = Review.objects.create(assignment=assignment, application_version=version)
        criteria = Criterion.objects.filter(round_id=assignment.round_id).order_by("position", "id")
        Score.objects.bulk_create(
            Score(review=review, criterion=c, scale_min=c.scale_min, scale_max=c.scale_max, step=c.step)
            for c in criteria
        )
        record_event(
            actor=actor,
            action="review.open",
            obj=review,
            after={"assignment": assignment.pk, "version": version.number},
        )
    return declared


def check_value(value: Any, criterion: Criterion) -> tuple[Decimal | None, str | None]:
    """The score as a Decimal, or why it is refused; the message names the criterion (rule 18)."""
    try:
        number = decimal_or_none(value)
    except ValueError:
        return None, str(_("“%(criterion)s”: enter a number.") % {"criterion": criterion.name})
    if number is None:
        return None, None
    if (
        not criterion.scale_min <= number <= criterion.scale_max
        or (number - criterion.scale_min) % criterion.step
    ):
        return None, str(
            _("“%(criterion)s”: the score must be from %(low)s to %(high)s in steps of %(step)s.")
            % {
                "criterion": criterion.name,
                "low": _plain(criterion.scale_min),
                "high": _plain(criterion.scale_max),
                "step": _plain(criterion.step),
            }
        )
    return number, None


def _plain(number: Decimal) -> str:
    text = f"{number:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _lock_review(review: Review) -> Review:
    return (
        Review.objects.select_for_update(of=("self",))
        .select_related("assignment", "assignment__round")
        .get(pk=review.pk)
    )


def _require_editable(actor: User, review: Review) -> None:
    if review.assignment.reviewer_id != actor.pk:
        raise DomainError("not_your_review", _("Only the assigned reviewer may change this review."))
    if review.assignment.state != AssignmentState.DECLARED:
        raise ConflictError(
            "assignment_ended", _("This assignment has ended; the review can no longer change.")
        )
    if review.state not in EDITABLE:
        raise ConflictError(
            "review_submitted",
            _("The review is submitted and can no longer change unless an officer reopens it."),
        )


def _write_scores(review: Review, scores: dict[str, dict], problems: Problems) -> list[Score]:
    rows = list(
        Score.objects.filter(review=review).select_related("criterion").order_by("criterion__position")
    )
    by_code = {row.criterion.code: row for row in rows}
    for code in scores:
        if code not in by_code:
            problems.add(
                f"scores.{code}", _("“%(code)s” is not a criterion of this rubric.") % {"code": code}
            )
    changed = []
    for code, given in scores.items():
        row = by_code.get(code)
        if row is None:
            continue
        if "value" in given:
            value, message = check_value(given["value"], row.criterion)
            if message:
                problems.add(f"scores.{code}.value", message)
                continue
            row.value = value
        if "comment" in given:
            row.comment = str(given["comment"] or "").strip()
        changed.append(row)
    if not problems:
        Score.objects.bulk_update(changed, ["value", "comment"])
    return rows


def review_save_draft(
    *, actor: User, review: Review, scores: dict[str, dict] | None = None, overall_comment: str | None = None
) -> Review:
    """Save what the reviewer has so far; scores may be missing, but a given one must be on the scale."""
    with transaction.atomic():
        review = _lock_review(review)
        _require_editable(actor, review)
        problems = Problems()
        _write_scores(review, scores or {}, problems)
        problems.raise_if_any()
        if overall_comment is not None:
            review.overall_comment = str(overall_comment).strip()
            review.save(update_fields=["overall_comment", "updated_at"])
    return review


def completeness_problems(review: Review) -> Problems:
    """Rule 18: every criterion scored on its scale and step, each with a comment, and an overall comment."""
    problems = Problems()
    for row in (
        Score.objects.filter(review=review).select_related("criterion").order_by("criterion__position")
    ):
        name = row.criterion.name
        if row.value is None:
            problems.add(
                f"scores.{row.criterion.code}.value",
                _("“%(criterion)s”: give a score.") % {"criterion": name},
            )
        if not row.comment.strip():
            problems.add(
                f"scores.{row.criterion.code}.comment",
                _("“%(criterion)s”: explain the score in a comment.") % {"criterion": name},
            )
    if not review.overall_comment.strip():
        problems.add("overall_comment", _("Write the overall comment."))
    return problems


def review_submit(
    *, actor: User, review: Review, scores: dict[str, dict] | None = None, overall_comment: str | None = None
) -> Review:
    """Save the given changes and submit, only when complete (rule 18). Submitted reviews are immutable."""
    with transaction.atomic():
        review = review_save_draft(actor=actor, review=review, scores=scores, overall_comment=overall_comment)
        problems = completeness_problems(review)
        if problems:
            messages = [m for found in problems.details.values() for m in found]
            field = next(iter(problems.details))
            raise ValidationFailed(
                "review_incomplete",
                str(_("The review is not complete: %(problems)s") % {"problems": " ".join(messages)}),
                field,
                details=dict(problems.details),
            )
        now = timezone.now()
        changes = {"submitted_at": now}
        if review.first_submitted_at is None:
            changes["first_submitted_at"] = now
        submitted = perform(REVIEW_WORKFLOW, review, "submit", actor=actor, changes=changes)
        record_event(
            actor=actor,
            action="review.scores",
            obj=submitted,
            after={
                "scores": {s.criterion.code: s.value for s in submitted.scores.select_related("criterion")},
                "version": submitted.application_version.number,
            },
        )
    return submitted


def review_reopen(*, actor: User, review: Review, reason: str) -> Review:
    """An officer reopens a submitted review with a reason; the reviewer may then change and resubmit."""
    require_officer(actor)
    with transaction.atomic():
        review = _lock_review(review)
        if review.assignment.state != AssignmentState.DECLARED:
            raise ConflictError(
                "assignment_ended", _("This assignment has ended; its review cannot be reopened.")
            )
        return perform(REVIEW_WORKFLOW, review, "reopen", actor=actor, reason=reason)


def consensus_record(
    *, actor: User, application: Application, criterion_scores: dict[str, Any], reason: str
) -> ConsensusScore:
    """An officer records a consensus score per criterion, with a reason; it is shown beside the raw
    scores (and kept as history: the latest one counts)."""
    require_officer(actor)
    reason = (reason or "").strip()
    problems = Problems()
    criteria = list(Criterion.objects.filter(round_id=application.round_id).order_by("position", "id"))
    clean: dict[str, Decimal] = {}
    for criterion in criteria:
        value, message = check_value(criterion_scores.get(criterion.code), criterion)
        if message:
            problems.add(f"criterion_scores.{criterion.code}", message)
        elif value is None:
            problems.add(
                f"criterion_scores.{criterion.code}",
                _("“%(criterion)s”: give a score.") % {"criterion": criterion.name},
            )
        else:
            clean[criterion.code] = value
    unknown = set(criterion_scores) - {c.code for c in criteria}
    if unknown:
        problems.add("criterion_scores", _("Some scores name criteria that are not in the rubric."))
    if not reason:
        problems.add("reason", _("Give the reason for the consensus score."))
    problems.raise_if_any()
    total = sum((c.weight * clean[c.code] for c in criteria), Decimal(0))
    with transaction.atomic():
        consensus = ConsensusScore.objects.create(
            application=application,
            criterion_scores={code: str(value) for code, value in clean.items()},
            total=total,
            reason=reason,
            recorded_by=actor,
            recorded_at=timezone.now(),
        )
        record_event(
            actor=actor,
            action="consensus.record",
            obj=consensus,
            after={"application": application.pk, "scores": consensus.criterion_scores, "total": total},
            reason=reason,
        )
    return consensus
