"""Who may do what with agreements and money. Services enforce these; pages and the API use the
registered names (core.policy) to answer 403 early and to hide buttons. Scoping (another firm's
agreement -> 404) lives in the selectors, so these predicates only see objects the user may read.

Rule 37: auditors read every agreement, claim, payout and ledger entry and change nothing — no
write policy below admits them.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from accounts.enums import Role
from core import policy
from core.errors import Forbidden

# Ministry roles that read every agreement and every figure.
READ_ALL_ROLES = frozenset({Role.OFFICER, Role.AUDITOR, Role.ADMIN})


def role_of(user: Any) -> str:
    return str(getattr(user, "role", "")) if getattr(user, "is_authenticated", False) else ""


def is_officer(user: Any) -> bool:
    return role_of(user) == Role.OFFICER


def organisation_of(obj: Any) -> int | None:
    """The firm an agreement-owned object belongs to (agreement, trial, report, claim, line, file)."""
    for path in ("organisation_id", "agreement.organisation_id", "claim.agreement.organisation_id"):
        value = obj
        try:
            for part in path.split("."):
                value = getattr(value, part)
        except AttributeError:
            continue
        return value
    return None


def is_firm_member_of(user: Any, obj: Any) -> bool:
    return (
        role_of(user) == Role.APPLICANT
        and getattr(user, "organisation_id", None) is not None
        and user.organisation_id == organisation_of(obj)
    )


def firm_object_check(obj: Any, user: Any) -> str | None:
    """Workflow object rule: a firm acts only on its own agreement's objects."""
    if role_of(user) == Role.APPLICANT and not is_firm_member_of(user, obj):
        return str(_("Only the firm that holds the agreement may do this."))
    return None


def require_officer(user: Any) -> None:
    if not is_officer(user):
        raise Forbidden("role_not_allowed", _("Only a program officer may do this."))


def require_firm_member(user: Any, obj: Any) -> None:
    if not is_firm_member_of(user, obj):
        raise Forbidden("role_not_allowed", _("Only the firm that holds the agreement may do this."))


# --- registered names ---------------------------------------------------------------------------
def trials_manage(user: Any, obj: Any = None) -> str | None:
    """Agreements, success decisions, verification, payouts and recoveries: program officers."""
    return None if is_officer(user) else str(_("Only a program officer may do this."))


def trials_firm_edit(user: Any, obj: Any = None) -> str | None:
    """Reports, trial updates, claims and their evidence: members of the firm holding the agreement."""
    if role_of(user) != Role.APPLICANT:
        return str(_("Only the firm that holds the agreement may do this."))
    if obj is not None and not is_firm_member_of(user, obj):
        return str(_("Only the firm that holds the agreement may do this."))
    return None


def trials_read(user: Any, obj: Any = None) -> str | None:
    """Agreement pages and money of one's own firm (applicants) or of all (ministry readers)."""
    if role_of(user) in READ_ALL_ROLES or role_of(user) == Role.APPLICANT:
        return None
    return str(_("Only the firm holding an agreement and ministry staff may see agreements."))


def trials_read_all(user: Any, obj: Any = None) -> str | None:
    """Queues and round-wide money: officers, auditors and administrators."""
    if role_of(user) in READ_ALL_ROLES:
        return None
    return str(_("Only ministry staff may see this."))


def evidence_upload(user: Any, obj: Any = None) -> str | None:
    """Files: the firm for its claims and reports, officers for success evidence."""
    if is_officer(user):
        return None
    return trials_firm_edit(user, obj)


policy.register("trials.manage", trials_manage)
policy.register("trials.firm_edit", trials_firm_edit)
policy.register("trials.read", trials_read)
policy.register("trials.read_all", trials_read_all)
policy.register("trials.evidence_upload", evidence_upload)
