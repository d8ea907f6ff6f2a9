"""Who may do what with organisations and people. Services enforce these; views and the API use
them to hide buttons and to answer 403 before a service is called.

Registered in `core.policy` as "organisation.manage" and "organisation.view_register", so the same
predicates serve `policy.require` in services, `PolicyPermission` in the API and `{% can %}`.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from accounts.enums import OrganisationKind, Role
from accounts.models import Organisation, User
from core import policy

MINISTRY_ORG_ROLES = frozenset({Role.OFFICER, Role.REVIEWER, Role.AUDITOR, Role.ADMIN})


def is_admin(user: User) -> bool:
    return user.is_authenticated and (user.is_superuser or user.role == Role.ADMIN)


def can_manage_organisations(user: User) -> bool:
    """Program officers and administrators create and edit organisations and add people to them."""
    return user.is_authenticated and (is_admin(user) or user.role == Role.OFFICER)


def can_view_organisation_register(user: User) -> bool:
    """The organisations list page: officers, auditors and administrators."""
    return user.is_authenticated and (is_admin(user) or user.role in {Role.OFFICER, Role.AUDITOR})


def roles_assignable_by(actor: User) -> frozenset[str]:
    """An administrator may give any role; an officer adds applicants and reviewers only, so
    officers cannot create other officers, auditors or administrators."""
    if is_admin(actor):
        return frozenset(Role.values)
    if actor.is_authenticated and actor.role == Role.OFFICER:
        return frozenset({Role.APPLICANT, Role.REVIEWER})
    return frozenset()


def role_fits_organisation(role: str, organisation: Organisation | None) -> bool:
    """Ministry roles only inside a ministry organisation; applicants only inside a firm (rule 2)."""
    if organisation is None:
        return role == Role.ADMIN
    if organisation.kind == OrganisationKind.MINISTRY:
        return role in MINISTRY_ORG_ROLES
    return role == Role.APPLICANT


def otp_required(user: User) -> bool:
    """Ministry staff must use two-factor authentication when the deployment says so."""
    return bool(getattr(settings, "OTP_REQUIRED_FOR_MINISTRY", False)) and user.is_ministry_staff


@policy.register("organisation.manage")
def organisation_manage(user: Any, obj: Any = None) -> str | None:
    """Create or edit organisations and add people to them."""
    refusal = policy.is_authenticated(user)
    if refusal:
        return refusal
    if not can_manage_organisations(user):
        return str(_("Only program officers and administrators can change organisations."))
    return None


@policy.register("organisation.view_register")
def organisation_view_register(user: Any, obj: Any = None) -> str | None:
    """Open the organisations register (list and detail pages)."""
    refusal = policy.is_authenticated(user)
    if refusal:
        return refusal
    if not can_view_organisation_register(user):
        return str(_("Only ministry officers, auditors and administrators see the organisations register."))
    return None
