"""Changes to single assignments: a reviewer's decline, an officer's reassignment (the solver picks
the replacement) and an officer's manual swap (conflicts and loads still enforced)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.enums import Role
from accounts.models import User
from audit.services import record_event
from core.errors import DomainError
from grants.models import Application
from reviewers import matching
from reviewers.enums import ACTIVE_ASSIGNMENT_STATES, AssignmentSource, ConflictOutcome, ConflictSeverity
from reviewers.models import Assignment, Conflict, ConflictDecision, ReviewerProfile
from reviewers.policy import require_officer
from reviewers.services._ending import end_assignment
from reviewers.services.assignment import assignment_inputs, due_for_new_assignment, lock_round, round_refill
from reviewers.services.conflicts import conflicts_refresh


def _require_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("reason_required", _("Give a reason."), "reason")
    return reason


def assignment_decline(*, actor: User, assignment: Assignment, reason: str) -> Assignment:
    """The reviewer declines with a reason; the application is refilled with existing pairs kept."""
    reason = _require_reason(reason)
    with transaction.atomic():
        ended = end_assignment(assignment, action="decline", actor=actor, reason=reason)
        round_refill(actor=actor, round_id=assignment.round_id)
    return ended


def assignment_reassign(*, actor: User, assignment: Assignment, reason: str) -> Assignment:
    """An officer takes an (overdue) assignment away; the solver picks the replacement (rule 19)."""
    require_officer(actor)
    reason = _require_reason(reason)
    with transaction.atomic():
        ended = end_assignment(assignment, action="reassign", actor=actor, reason=reason)
        round_refill(actor=actor, round_id=assignment.round_id)
    return ended


def assignment_swap(*, actor: User, assignment: Assignment, reviewer: User, reason: str) -> Assignment:
    """An officer replaces the reviewer of an active assignment by hand. Conflicts are still enforced:
    no blocking conflict, no undecided potential one, never a pair that existed before; loads too."""
    require_officer(actor)
    reason = _require_reason(reason)
    with transaction.atomic():
        round_ = lock_round(assignment.round_id)
        application = assignment.application
        if reviewer.role != Role.REVIEWER or not reviewer.is_active:
            raise DomainError("not_a_reviewer", _("Choose an active reviewer."), "reviewer")
        profile = ReviewerProfile.objects.filter(user=reviewer).first()
        if profile is None:
            raise DomainError("no_profile", _("This reviewer has no profile yet."), "reviewer")
        if Assignment.objects.filter(application=application, reviewer=reviewer).exists():
            raise DomainError(
                "already_assigned",
                _("This reviewer already has, or had, this application; choose someone else."),
                "reviewer",
            )
        conflicts_refresh(
            actor=actor, application_ids=[application.pk], reviewer_ids=[reviewer.pk], refill=False
        )
        _refuse_conflicted(reviewer, application)
        load = Assignment.objects.filter(
            round=round_, reviewer=reviewer, state__in=ACTIVE_ASSIGNMENT_STATES
        ).count()
        limit = profile.max_load if profile.max_load is not None else round_.max_load
        if load >= limit:
            raise DomainError(
                "load_exceeded",
                _("This reviewer already has %(load)d applications, the most allowed (%(limit)d).")
                % {"load": load, "limit": limit},
                "reviewer",
            )
        end_assignment(assignment, action="reassign", actor=actor, reason=reason)
        now = timezone.now()
        inputs = assignment_inputs(round_, refill=True)
        app_profile = next(a for a in inputs.applications if a.application_id == application.pk)
        rev_profile = next(r for r in inputs.reviewers if r.reviewer_id == reviewer.pk)
        new = Assignment.objects.create(
            round=round_,
            application=application,
            reviewer=reviewer,
            source=AssignmentSource.MANUAL,
            affinity=matching.affinity(app_profile, rev_profile),
            due_at=due_for_new_assignment(round_, now),
            assigned_at=now,
        )
        record_event(
            actor=actor,
            action="assignment.swap",
            obj=new,
            before={"assignment": assignment.pk, "reviewer": assignment.reviewer_id},
            after={"application": application.pk, "reviewer": reviewer.pk, "due_at": new.due_at},
            reason=reason,
        )
        from reviewers.deadlines import review_deadlines_sync

        review_deadlines_sync(round_, actor=actor)
    return new


def _refuse_conflicted(reviewer: User, application: Application) -> None:
    rows = list(Conflict.objects.filter(reviewer=reviewer, application=application))
    if any(c.severity == ConflictSeverity.BLOCKING for c in rows):
        raise DomainError(
            "conflict_blocking",
            _("This reviewer has a blocking conflict of interest with the application."),
            "reviewer",
        )
    if (
        rows
        and not ConflictDecision.objects.filter(
            reviewer=reviewer, application=application, outcome=ConflictOutcome.CLEARED
        ).exists()
    ):
        raise DomainError(
            "conflict_undecided",
            _("This reviewer has a potential conflict with the application; record a decision first."),
            "reviewer",
        )


def appeal_upheld(*, application: Application, appeal: object, actor: User) -> None:
    """`grants.scoring` hook, called inside the transaction that upholds an appeal (rule 26): the
    application's reviewers are replaced, their reviews stop counting, and the solver assigns k new
    reviewers (never one of the earlier ones: a pair is assigned at most once)."""
    reason = str(_("Appeal upheld: the application goes to new reviewers."))
    for assignment in Assignment.objects.filter(
        application=application, state__in=ACTIVE_ASSIGNMENT_STATES
    ).order_by("pk"):
        end_assignment(assignment, action="retire_after_appeal", actor=actor, reason=reason)
    round_refill(actor=actor, round_id=application.round_id)
