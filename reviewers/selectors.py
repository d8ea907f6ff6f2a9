"""Every read a user can trigger in the reviewers domain, scoped by role.

- A reviewer sees only their own assignments, never one whose application they have a blocking
  conflict with (it is a 404, absent from every list), and an application's content only after the
  declaration (rule 15). Other reviews of an application only after submitting their own (rule 17).
- Officers, auditors and administrators see everything; applicants see no review (the anonymised
  comments after publication are added with selection).
Lists carry their joins, so a page of any length runs a fixed number of queries.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from accounts.enums import Role
from accounts.models import User
from core.errors import Forbidden, NotFound
from grants.enums import ApplicationState, RoundState
from grants.models import Application, ApplicationVersion, Round
from reviewers.enums import ACTIVE_ASSIGNMENT_STATES, AssignmentState, ConflictSeverity, ReviewState
from reviewers.models import (
    Affiliation,
    Assignment,
    AssignmentRun,
    CompetingProject,
    Conflict,
    ConflictDecision,
    RelatedParty,
    Review,
    ReviewerProfile,
    Score,
)
from reviewers.policy import reads_all, role_of

ASSIGNABLE = (ApplicationState.ELIGIBLE, ApplicationState.UNDER_REVIEW)
REVIEW_ROUND_STATES = (
    RoundState.CLOSED,
    RoundState.IN_REVIEW,
    RoundState.SELECTION,
    RoundState.PUBLISHED,
    RoundState.ARCHIVED,
)


def _not_found(message=None) -> NotFound:
    return NotFound("not_found", message or _("Not found."))


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise _not_found() from None


def _blocked_for(user: User) -> Exists:
    return Exists(
        Conflict.objects.filter(
            reviewer=user, application_id=OuterRef("application_id"), severity=ConflictSeverity.BLOCKING
        )
    )


# --- assignments --------------------------------------------------------------------------------
def assignments_visible_to(user: User) -> QuerySet[Assignment]:
    """Reviewers: their own, minus any with a conflict. Ministry readers: all. Others: none."""
    qs = Assignment.objects.select_related(
        "application", "application__organisation", "round", "reviewer", "review"
    )
    if reads_all(user):
        return qs
    if role_of(user) == Role.REVIEWER:
        return qs.filter(reviewer=user).exclude(state=AssignmentState.CONFLICT).exclude(_blocked_for(user))
    return qs.none()


def my_assignments(user: User, *, show: str = "open") -> QuerySet[Assignment]:
    """The reviewer's list: "open" (active, not yet submitted), "submitted", or "all"."""
    qs = assignments_visible_to(user).filter(reviewer=user)
    if show == "open":
        qs = qs.filter(state__in=ACTIVE_ASSIGNMENT_STATES).exclude(review__state=ReviewState.SUBMITTED)
    elif show == "submitted":
        qs = qs.filter(state=AssignmentState.DECLARED, review__state=ReviewState.SUBMITTED)
    return qs.order_by("due_at", "pk")


def assignment_get(user: User, pk) -> Assignment:
    try:
        return assignments_visible_to(user).get(pk=_int(pk))
    except Assignment.DoesNotExist:
        raise _not_found(_("Assignment not found.")) from None


def reviewer_assignment_for(user: User, application_id) -> Assignment:
    """The reviewer's active assignment on an application, or a 404 (not assigned, declined,
    conflicted: all look the same, so a conflicted reviewer learns nothing)."""
    if role_of(user) != Role.REVIEWER:
        raise _not_found(_("Application not found."))
    try:
        return assignments_visible_to(user).get(
            application_id=_int(application_id), state__in=ACTIVE_ASSIGNMENT_STATES
        )
    except Assignment.DoesNotExist:
        raise _not_found(_("Application not found.")) from None


@dataclass(frozen=True)
class ReviewerView:
    """What a declared reviewer may read: the assignment, the frozen version and their own review."""

    assignment: Assignment
    version: ApplicationVersion
    review: Review


def declaration_required() -> Forbidden:
    return Forbidden(
        "declaration_required",
        _("Declare that you have no conflict of interest and will keep the content confidential first."),
    )


def reviewer_view(user: User, application_id) -> ReviewerView:
    """The content gate (rule 15): 404 unless assigned and unconflicted; 403 until declared."""
    assignment = reviewer_assignment_for(user, application_id)
    if assignment.state != AssignmentState.DECLARED:
        raise declaration_required()
    review = (
        Review.objects.select_related("application_version")
        .prefetch_related(Prefetch("scores", queryset=Score.objects.select_related("criterion")))
        .get(assignment=assignment)
    )
    return ReviewerView(assignment=assignment, version=review.application_version, review=review)


def version_document_ids(version: ApplicationVersion) -> set[int]:
    return {int(d["id"]) for d in version.snapshot.get("documents", [])}


# --- reviews ------------------------------------------------------------------------------------
def _review_queryset() -> QuerySet[Review]:
    return Review.objects.select_related(
        "assignment",
        "assignment__reviewer",
        "assignment__application",
        "assignment__application__organisation",
        "assignment__round",
        "application_version",
    ).prefetch_related(Prefetch("scores", queryset=Score.objects.select_related("criterion")))


def reviews_visible_to(user: User) -> QuerySet[Review]:
    """Reviewers: their own (minus conflicted). Ministry readers: all. Applicants: none."""
    qs = _review_queryset()
    if reads_all(user):
        return qs
    if role_of(user) == Role.REVIEWER:
        return qs.filter(assignment__in=assignments_visible_to(user).values("pk"))
    return qs.none()


def review_get(user: User, pk) -> Review:
    try:
        return reviews_visible_to(user).get(pk=_int(pk))
    except Review.DoesNotExist:
        raise _not_found(_("Review not found.")) from None


def other_reviews(user: User, assignment: Assignment) -> list[Review]:
    """The other submitted reviews of the assignment's application (rule 17): a reviewer reads them
    only after submitting their own. Officers and auditors read them at any time."""
    if role_of(user) == Role.REVIEWER:
        own = Review.objects.filter(assignment=assignment, assignment__reviewer=user).first()
        if own is None or own.first_submitted_at is None:
            raise Forbidden(
                "submit_first",
                _("You can read the other reviews of this application once you submit your own."),
            )
    elif not reads_all(user):
        raise _not_found()
    return list(
        _review_queryset()
        .filter(
            assignment__application_id=assignment.application_id,
            assignment__state=AssignmentState.DECLARED,
            state=ReviewState.SUBMITTED,
        )
        .exclude(assignment=assignment)
        .order_by("submitted_at", "pk")
    )


def application_reviews(user: User, application: Application) -> list[Review]:
    """Every review of an application (officers and auditors), voided ones included, oldest first."""
    if not reads_all(user):
        raise _not_found()
    return list(_review_queryset().filter(assignment__application=application).order_by("pk"))


# --- round pages (officers, auditors) -----------------------------------------------------------
def rounds_in_review(user: User) -> QuerySet[Round]:
    """Rounds past their close, with the number of assignable applications and whether any is assigned."""
    if not reads_all(user):
        return Round.objects.none()
    active = Assignment.objects.filter(round=OuterRef("pk"), state__in=ACTIVE_ASSIGNMENT_STATES)
    return (
        Round.objects.filter(state__in=REVIEW_ROUND_STATES)
        .select_related("program")
        .annotate(
            eligible=Count("applications", filter=Q(applications__state__in=ASSIGNABLE)),
            assigned=Exists(active),
        )
        .order_by("-closes_at", "-pk")
    )


def review_round_get(user: User, pk) -> Round:
    if not reads_all(user):
        raise _not_found(_("Round not found."))
    try:
        return Round.objects.select_related("program").get(pk=_int(pk), state__in=REVIEW_ROUND_STATES)
    except Round.DoesNotExist:
        raise _not_found(_("Round not found.")) from None


def round_applications(round_: Round) -> QuerySet[Application]:
    """The round's assignable applications with their active assignments (for the matrix)."""
    active = Assignment.objects.filter(state__in=ACTIVE_ASSIGNMENT_STATES).select_related(
        "reviewer", "review"
    )
    return (
        Application.objects.filter(round=round_, state__in=ASSIGNABLE)
        .select_related("organisation")
        .prefetch_related(
            Prefetch("assignments", queryset=active.order_by("reviewer__last_name", "pk"), to_attr="active")
        )
        .order_by("pk")
    )


def reviewer_loads(round_: Round) -> QuerySet[User]:
    """Every reviewer with their active assignments in the round and their maximum load."""
    return (
        User.objects.filter(role=Role.REVIEWER)
        .select_related("reviewer_profile")
        .annotate(
            load=Count(
                "assignments",
                filter=Q(assignments__round=round_, assignments__state__in=ACTIVE_ASSIGNMENT_STATES),
            ),
            submitted=Count(
                "assignments",
                filter=Q(
                    assignments__round=round_,
                    assignments__state=AssignmentState.DECLARED,
                    assignments__review__state=ReviewState.SUBMITTED,
                ),
            ),
        )
        .order_by("last_name", "first_name", "pk")
    )


def round_progress(round_: Round, *, only: str = "") -> QuerySet[Assignment]:
    """Active assignments of the round with their review state; `only="overdue"` keeps late ones."""
    qs = (
        Assignment.objects.filter(round=round_, state__in=ACTIVE_ASSIGNMENT_STATES)
        .select_related("application", "reviewer", "review")
        .order_by("due_at", "application_id", "pk")
    )
    if only == "overdue":
        qs = qs.filter(overdue_flagged_at__isnull=False).exclude(review__state=ReviewState.SUBMITTED)
    return qs


def round_runs(round_: Round) -> QuerySet[AssignmentRun]:
    return (
        AssignmentRun.objects.filter(round=round_).select_related("created_by").order_by("-created_at", "-pk")
    )


def round_conflicts(round_: Round) -> QuerySet[Conflict]:
    """Conflicts on the round's applications, potential ones first, with any decision recorded."""
    decision = ConflictDecision.objects.filter(
        reviewer_id=OuterRef("reviewer_id"), application_id=OuterRef("application_id")
    )
    return (
        Conflict.objects.filter(application__round=round_)
        .select_related("reviewer", "application", "application__organisation")
        .annotate(decided=Exists(decision))
        .order_by("-severity", "decided", "application_id", "reviewer_id", "pk")
    )


def round_decisions(round_: Round) -> QuerySet[ConflictDecision]:
    return (
        ConflictDecision.objects.filter(application__round=round_)
        .select_related("reviewer", "application", "decided_by")
        .order_by("-decided_at", "-pk")
    )


def related_parties_of(application: Application) -> QuerySet[RelatedParty]:
    return RelatedParty.objects.filter(
        Q(application=application) | Q(organisation_id=application.organisation_id)
    ).order_by("role", "name", "pk")


# --- profiles -----------------------------------------------------------------------------------
def profiles_visible_to(user: User) -> QuerySet[ReviewerProfile]:
    """Reviewers: their own. Ministry readers: all (to see and correct expertise and ties)."""
    qs = ReviewerProfile.objects.select_related("user").prefetch_related(
        "priority_areas",
        Prefetch("affiliations", queryset=Affiliation.objects.order_by("-started_on", "pk")),
        Prefetch("competing_projects", queryset=CompetingProject.objects.order_by("pk")),
    )
    if reads_all(user):
        return qs
    if role_of(user) == Role.REVIEWER:
        return qs.filter(user=user)
    return qs.none()


def profile_get(user: User, pk) -> ReviewerProfile:
    try:
        return profiles_visible_to(user).get(pk=_int(pk))
    except ReviewerProfile.DoesNotExist:
        raise _not_found(_("Reviewer not found.")) from None


def affiliation_get(user: User, pk) -> Affiliation:
    try:
        return Affiliation.objects.select_related("profile").get(
            pk=_int(pk), profile__in=profiles_visible_to(user).values("pk")
        )
    except Affiliation.DoesNotExist:
        raise _not_found() from None


def competing_project_get(user: User, pk) -> CompetingProject:
    try:
        return CompetingProject.objects.select_related("profile").get(
            pk=_int(pk), profile__in=profiles_visible_to(user).values("pk")
        )
    except CompetingProject.DoesNotExist:
        raise _not_found() from None


def reviewer_candidates(round_: Round, application: Application) -> QuerySet[User]:
    """Reviewers an officer may swap in: active, with a profile, never paired with the application,
    and without a blocking conflict with it (the service re-checks everything)."""
    blocked = Conflict.objects.filter(
        reviewer_id=OuterRef("pk"), application=application, severity=ConflictSeverity.BLOCKING
    )
    paired = Assignment.objects.filter(reviewer_id=OuterRef("pk"), application=application)
    return (
        User.objects.filter(role=Role.REVIEWER, is_active=True, reviewer_profile__isnull=False)
        .exclude(Exists(blocked))
        .exclude(Exists(paired))
        .annotate(
            load=Count(
                "assignments",
                filter=Q(assignments__round=round_, assignments__state__in=ACTIVE_ASSIGNMENT_STATES),
            )
        )
        .order_by("last_name", "first_name", "pk")
    )
