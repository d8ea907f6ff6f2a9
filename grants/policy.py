"""Who may do what in the grants domain. Services enforce these; the API and pages use the registered
names (core.policy) to answer 403 early and to hide buttons. Scoping (another firm's object -> 404)
lives in selectors, so these predicates only ever see objects the user may read."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from accounts.enums import Role
from core import policy
from core.errors import Forbidden

# Roles that run calls: create programs and rounds, screen applications, ask for clarifications.
MANAGING_ROLES = frozenset({Role.OFFICER})


def _role(user: Any) -> str:
    return str(getattr(user, "role", "")) if getattr(user, "is_authenticated", False) else ""


def is_officer(user: Any) -> bool:
    return _role(user) in MANAGING_ROLES


def is_applicant_of(user: Any, application: Any) -> bool:
    """The user is an applicant of the firm that owns the application."""
    return (
        _role(user) == Role.APPLICANT
        and user.organisation_id is not None
        and user.organisation_id == application.organisation_id
    )


def application_object_check(application: Any, user: Any) -> str | None:
    """Workflow object rule: a firm acts only on its own applications."""
    if _role(user) == Role.APPLICANT and not is_applicant_of(user, application):
        return str(_("Only the applicant firm may do this."))
    return None


def clarification_object_check(clarification: Any, user: Any) -> str | None:
    return application_object_check(clarification.application, user)


def require_officer(user: Any) -> None:
    if not is_officer(user):
        raise Forbidden("role_not_allowed", _("Only a program officer may do this."))


def require_applicant_of(user: Any, application: Any) -> None:
    if not is_applicant_of(user, application):
        raise Forbidden("role_not_allowed", _("Only the applicant firm may change its application."))


def can_create_application(user: Any) -> bool:
    return _role(user) == Role.APPLICANT and getattr(user, "organisation_id", None) is not None


# --- registered names ---------------------------------------------------------------------------
def grants_manage(user: Any, obj: Any = None) -> str | None:
    """Programs, rounds, screening and clarification requests: program officers."""
    return None if is_officer(user) else str(_("Only a program officer may do this."))


def application_create(user: Any, obj: Any = None) -> str | None:
    return None if can_create_application(user) else str(_("Only an applicant firm's member may apply."))


def _application_of(obj: Any) -> Any:
    return getattr(obj, "application", obj)


def application_edit(user: Any, obj: Any = None) -> str | None:
    """Change the firm's own application (draft fields, lines, trials, documents, submit, withdraw)."""
    if _role(user) != Role.APPLICANT:
        return str(_("Only the applicant firm may change its application."))
    if obj is not None and not is_applicant_of(user, _application_of(obj)):
        return str(_("Only the applicant firm may change its application."))
    return None


def read_all(user: Any, obj: Any = None) -> str | None:
    """Round-wide figures (counts per state): officers, auditors and administrators."""
    if _role(user) in {Role.OFFICER, Role.AUDITOR, Role.ADMIN}:
        return None
    return str(_("Only ministry staff may see round-wide figures."))


policy.register("grants.manage", grants_manage)
policy.register("grants.read_all", read_all)
policy.register("grants.application.create", application_create)
policy.register("grants.application.edit", application_edit)
