"""Transition tables of assignments and reviews (core.workflow engine)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from accounts.enums import Role
from core.workflow import SYSTEM_ROLE, Transition, Workflow
from grants.enums import RoundState
from reviewers.enums import AssignmentState as S
from reviewers.enums import ReviewState as R
from reviewers.models import Assignment, Review
from reviewers.policy import assignment_object_check, review_object_check

REVIEWER = frozenset({Role.REVIEWER})
OFFICER = frozenset({Role.OFFICER})
OFFICER_OR_SYSTEM = frozenset({Role.OFFICER, SYSTEM_ROLE})
ANYONE_INVOLVED = frozenset({Role.REVIEWER, Role.OFFICER, SYSTEM_ROLE})
ACTIVE = (S.ASSIGNED, S.DECLARED)


def review_not_submitted(assignment: Assignment, actor: Any, data: dict) -> str | None:
    try:
        review = assignment.review  # selected with the assignment by lists, read once otherwise
    except Review.DoesNotExist:
        review = None
    if review is not None and review.state == R.SUBMITTED:
        return str(_("The review is already submitted; it stays as it is."))
    return None


ASSIGNMENT_WORKFLOW = Workflow(
    Assignment,
    [
        Transition(
            "declare", (S.ASSIGNED,), S.DECLARED, REVIEWER, _("Declare no conflict and confidentiality")
        ),
        Transition(
            "declare_conflict",
            ACTIVE,
            S.CONFLICT,
            REVIEWER,
            _("Declare a conflict of interest"),
            needs_reason=True,
        ),
        Transition(
            "decline",
            ACTIVE,
            S.DECLINED,
            REVIEWER,
            _("Decline"),
            guards=(review_not_submitted,),
            needs_reason=True,
        ),
        Transition(
            "reassign",
            ACTIVE,
            S.REASSIGNED,
            OFFICER,
            _("Reassign to another reviewer"),
            guards=(review_not_submitted,),
            needs_reason=True,
        ),
        # An upheld appeal sends the application to new reviewers: earlier reviews stop counting (rule 26).
        Transition(
            "retire_after_appeal",
            ACTIVE,
            S.REASSIGNED,
            OFFICER_OR_SYSTEM,
            _("Replace after an upheld appeal"),
            needs_reason=True,
        ),
        # A blocking conflict found after assignment, or an officer's exclusion: access ends at once.
        Transition(
            "exclude", ACTIVE, S.CONFLICT, OFFICER_OR_SYSTEM, _("Exclude for a conflict"), needs_reason=True
        ),
    ],
    object_check=assignment_object_check,
)


def round_not_published(review: Review, actor: Any, data: dict) -> str | None:
    if review.assignment.round.state in (RoundState.PUBLISHED, RoundState.ARCHIVED):
        return str(_("The round's results are published; reviews can no longer be reopened."))
    return None


REVIEW_WORKFLOW = Workflow(
    Review,
    [
        Transition("submit", (R.DRAFT, R.REOPENED), R.SUBMITTED, REVIEWER, _("Submit the review")),
        Transition(
            "reopen",
            (R.SUBMITTED,),
            R.REOPENED,
            OFFICER,
            _("Reopen"),
            guards=(round_not_published,),
            needs_reason=True,
        ),
        # The assignment ended (declined, conflict, reassigned): unsubmitted scores no longer count.
        Transition("void", (R.DRAFT, R.REOPENED), R.VOIDED, ANYONE_INVOLVED, _("Void"), needs_reason=True),
    ],
    object_check=review_object_check,
)
