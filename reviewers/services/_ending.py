"""Ending an assignment (declined, conflict, reassigned): one place, so the draft is always voided."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from core.workflow import perform
from reviewers.enums import ReviewState
from reviewers.models import Assignment, Review
from reviewers.workflow import ASSIGNMENT_WORKFLOW, REVIEW_WORKFLOW


def end_assignment(assignment: Assignment, *, action: str, actor: Any, reason: str) -> Assignment:
    """Move an active assignment out (`decline`, `declare_conflict`, `exclude`, `reassign`) and void
    its unsubmitted review in the same transaction: the reviewer's access ends at once (rule 15).
    Call inside the caller's transaction."""
    ended = perform(
        ASSIGNMENT_WORKFLOW,
        assignment,
        action,
        actor=actor,
        reason=reason,
        changes={"ended_at": timezone.now()},
    )
    review = Review.objects.filter(assignment=ended).first()
    if review is not None and review.state in (ReviewState.DRAFT, ReviewState.REOPENED):
        perform(REVIEW_WORKFLOW, review, "void", actor=actor, reason=reason)
    return ended
