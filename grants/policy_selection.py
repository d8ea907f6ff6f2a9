"""Who may do what in the selection (issue 5). Registered names serve the API, pages and templates;
the services enforce the same rules themselves. Scoping (another firm's result or appeal -> 404)
lives in `grants.selectors_selection`, so these predicates only see objects the user may read."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from accounts.enums import Role
from core import policy
from grants.policy import is_applicant_of, is_officer

READ_ROLES = frozenset({Role.OFFICER, Role.AUDITOR, Role.ADMIN})


def _role(user: Any) -> str:
    return str(getattr(user, "role", "")) if getattr(user, "is_authenticated", False) else ""


def selection_manage(user: Any, obj: Any = None) -> str | None:
    """Run the selection, record decisions, attach minutes, publish, decide appeals: officers."""
    return None if is_officer(user) else str(_("Only a program officer may do this."))


def selection_read(user: Any, obj: Any = None) -> str | None:
    """Scores, rankings, proposals, decisions and the appeals queue: ministry staff (auditors read only)."""
    return None if _role(user) in READ_ROLES else str(_("Only ministry staff may see the selection."))


def selection_appeal(user: Any, obj: Any = None) -> str | None:
    """Appeal a result: the applicant firm of the application (`obj`: an application or a decision)."""
    if _role(user) != Role.APPLICANT:
        return str(_("Only the applicant firm may appeal its result."))
    application = getattr(obj, "application", obj)
    if application is not None and not is_applicant_of(user, application):
        return str(_("Only the applicant firm may appeal its result."))
    return None


def selection_results(user: Any, obj: Any = None) -> str | None:
    """Published results: the firms (their own, by scoping) and ministry staff."""
    if _role(user) in READ_ROLES | {Role.APPLICANT}:
        return None
    return str(_("Results are shown to the applicant firms and ministry staff."))


policy.register("selection.manage", selection_manage)
policy.register("selection.read", selection_read)
policy.register("selection.appeal", selection_appeal)
policy.register("selection.results", selection_results)
