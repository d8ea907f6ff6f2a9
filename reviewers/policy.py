"""Who may do what in the reviewers domain. Services enforce these; pages and the API use the names
to answer 403 early and to hide buttons. What a reviewer may *see* (own assignments, no conflicted
application, the declaration gate) is scoping, and lives in the selectors: outside it is a 404."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from accounts.enums import Role
from core import policy
from core.errors import Forbidden

READ_ALL_ROLES = frozenset({Role.OFFICER, Role.AUDITOR, Role.ADMIN})


def role_of(user: Any) -> str:
    return str(getattr(user, "role", "")) if getattr(user, "is_authenticated", False) else ""


def is_officer(user: Any) -> bool:
    return role_of(user) == Role.OFFICER


def is_reviewer(user: Any) -> bool:
    return role_of(user) == Role.REVIEWER


def reads_all(user: Any) -> bool:
    return role_of(user) in READ_ALL_ROLES


def require_officer(user: Any) -> None:
    if not is_officer(user):
        raise Forbidden("role_not_allowed", _("Only a program officer may do this."))


def require_reviewer(user: Any) -> None:
    if not is_reviewer(user):
        raise Forbidden("role_not_allowed", _("Only a reviewer may do this."))


def assignment_object_check(assignment: Any, user: Any) -> str | None:
    """Workflow object rule: a reviewer acts only on their own assignments."""
    if role_of(user) == Role.REVIEWER and assignment.reviewer_id != user.pk:
        return str(_("Only the assigned reviewer may do this."))
    return None


def review_object_check(review: Any, user: Any) -> str | None:
    return assignment_object_check(review.assignment, user)


def profile_edit(user: Any, profile: Any = None) -> str | None:
    """A reviewer keeps their own profile; an officer may correct anyone's."""
    if is_officer(user):
        return None
    if not is_reviewer(user):
        return str(_("Only the reviewer or a program officer may change a reviewer profile."))
    if profile is not None and profile.user_id != user.pk:
        return str(_("Only the reviewer or a program officer may change a reviewer profile."))
    return None


def manage(user: Any, obj: Any = None) -> str | None:
    """Assignment runs, swaps, reopening, conflict decisions, related parties, consensus: officers."""
    return None if is_officer(user) else str(_("Only a program officer may do this."))


def read_all(user: Any, obj: Any = None) -> str | None:
    """Round-wide review pages (matrix, progress, scores, conflicts): officers, auditors, admins."""
    return None if reads_all(user) else str(_("Only ministry staff may see round-wide review data."))


def review(user: Any, obj: Any = None) -> str | None:
    """Declaring, scoring and declining: reviewers (scoping decides which assignments)."""
    return None if is_reviewer(user) else str(_("Only a reviewer may do this."))


policy.register("reviewers.manage", manage)
policy.register("reviewers.read_all", read_all)
policy.register("reviewers.review", review)
policy.register("reviewers.profile.edit", profile_edit)
