"""Reads a user can trigger, scoped by role and organisation: another firm's object is a 404."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import Token

from accounts.models import Organisation, User


def organisations_visible_to(user: User) -> QuerySet[Organisation]:
    """Ministry staff: every organisation; an applicant: only their own."""
    return Organisation.objects.visible_to(user)


def organisations_search(user: User, *, query: str = "", kind: str = "") -> QuerySet[Organisation]:
    """The organisations list: search by name or INN, filter by kind, with the member count."""
    qs = organisations_visible_to(user).annotate(member_count=Count("members"))
    query = query.strip()
    if query:
        qs = qs.filter(Q(name__icontains=query) | Q(inn__startswith=query))
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by("name", "id")


def organisation_get(user: User, pk: int | str) -> Organisation:
    """One organisation the user may see, or 404."""
    return get_object_or_404(organisations_visible_to(user), pk=pk)


def organisation_members(user: User, organisation: Organisation) -> QuerySet[User]:
    """People of an organisation the user may see (empty if the organisation is not visible)."""
    visible = organisations_visible_to(user).filter(pk=organisation.pk)
    return User.objects.filter(organisation__in=visible).order_by("last_name", "first_name", "username")


def user_with_organisation(user: User) -> User:
    """The signed-in user with their organisation loaded, for the profile and `/api/v1/me`."""
    return User.objects.select_related("organisation").get(pk=user.pk)


@dataclass(frozen=True)
class TwoFactorStatus:
    """What the profile shows about the person's second factor."""

    enrolled: bool
    backup_codes_left: int


def two_factor_status(user: User) -> TwoFactorStatus:
    enrolled = TOTPDevice.objects.filter(user=user, confirmed=True).exists()
    codes = StaticToken.objects.filter(device__user=user).count() if enrolled else 0
    return TwoFactorStatus(enrolled=enrolled, backup_codes_left=codes)


def otp_pending_device(user: User) -> TOTPDevice | None:
    """The authenticator waiting for its first code during enrolment, if any."""
    return TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-id").first()


def api_token_of(user: User) -> Token | None:
    """The person's API token (its creation time is shown; the key only once, at creation)."""
    return Token.objects.filter(user=user).first()
