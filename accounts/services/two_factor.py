"""TOTP two-factor authentication (django-otp): enrolment, backup codes, checking a code."""

from __future__ import annotations

import django_otp
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User
from accounts.policy import otp_required
from accounts.selectors import otp_pending_device
from audit.services import record_event
from core.errors import DomainError, Forbidden

BACKUP_CODE_COUNT = 10
TOTP_DEVICE_NAME = "Authenticator app"
STATIC_DEVICE_NAME = "Backup codes"


def _new_backup_codes(user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=STATIC_DEVICE_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _i in range(BACKUP_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def otp_enrol_start(*, user: User) -> TOTPDevice:
    """Begin enrolment: a new unconfirmed authenticator whose secret the QR code carries.

    A previous unfinished enrolment is discarded; a confirmed device keeps working until the new
    one is confirmed.
    """
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
        return TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=False)


def otp_enrol_confirm(*, user: User, code: str) -> tuple[TOTPDevice, list[str]]:
    """Confirm the pending authenticator with a code from the app; returns it and fresh backup codes.

    The new authenticator replaces any earlier one. The backup codes are shown to the person once.
    """
    pending = otp_pending_device(user)
    if pending is None:
        raise DomainError(
            "no_pending_enrolment", _("Start the set-up again: no authenticator is waiting."), "code"
        )
    # Verified in django-otp's own transaction so a wrong code still counts towards its throttling.
    if django_otp.verify_token(user, pending.persistent_id, code.strip().replace(" ", "")) is None:
        raise DomainError(
            "invalid_code", _("The code is not right. Check the time on your phone and try again."), "code"
        )
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).exclude(pk=pending.pk).delete()
        pending.confirmed = True
        pending.save(update_fields=["confirmed"])
        codes = _new_backup_codes(user)
        record_event(
            actor=user,
            action="otp.enrol",
            obj=user,
            after={"device": "totp", "backup_codes": BACKUP_CODE_COUNT},
        )
    return pending, codes


def otp_backup_codes_regenerate(*, user: User) -> list[str]:
    """Replace the backup codes (the old ones stop working); shown to the person once."""
    with transaction.atomic():
        if not TOTPDevice.objects.filter(user=user, confirmed=True).exists():
            raise DomainError("not_enrolled", _("Set up two-factor authentication first."))
        codes = _new_backup_codes(user)
        record_event(
            actor=user, action="otp.backup_codes_regenerate", obj=user, after={"backup_codes": len(codes)}
        )
    return codes


def otp_disable(*, user: User) -> None:
    """Remove the authenticator and backup codes, unless two-factor is mandatory for this person."""
    if otp_required(user):
        raise Forbidden("otp_required", _("Two-factor authentication is required for ministry staff."))
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()
        record_event(actor=user, action="otp.disable", obj=user)


def otp_check_code(*, user: User, code: str) -> Device | None:
    """The device that accepts `code` at sign-in: six digits go to the authenticator, anything else
    to the backup codes (a used backup code is deleted). None when the code is wrong.

    Only one device is tried, so a wrong code never throttles the other.
    """
    code = code.strip().replace(" ", "").lower()
    if not code:
        return None
    model = TOTPDevice if code.isdigit() and len(code) == 6 else StaticDevice
    device = model.objects.filter(user=user, confirmed=True).order_by("id").first()
    if device is None:
        return None
    return django_otp.verify_token(user, device.persistent_id, code)
