"""TOTP two-factor: enrolment from the profile, the code step at sign-in, backup codes, the gate."""

import re
import time

import pytest
import time_machine
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.models import AuditEvent
from tests.conftest import PASSWORD


def current_code(device: TOTPDevice, *, steps_ahead: int = 0) -> str:
    """The code an authenticator app shows now (or `steps_ahead` periods later)."""
    code = totp(
        device.bin_key, step=device.step, t0=device.t0 - steps_ahead * device.step, digits=device.digits
    )
    return f"{code:0{device.digits}d}"


def enrol(client, user) -> tuple[TOTPDevice, list[str]]:
    """Walk the real enrolment pages; return the confirmed device and the backup codes shown."""
    client.post(reverse("accounts:otp_start"))
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    response = client.post(reverse("accounts:otp_setup"), {"code": current_code(device)})
    codes = re.findall(r'<li class="col">([a-z2-7]{8})</li>', response.content.decode())
    device.refresh_from_db()
    return device, codes


def sign_in(client, user, **extra):
    return client.post(reverse("accounts:login"), {"username": user.username, "password": PASSWORD, **extra})


@pytest.mark.django_db
def test_enrolment_shows_a_qr_code_then_confirms_with_a_real_code_and_shows_backup_codes(client, officer):
    client.force_login(officer)
    response = client.post(reverse("accounts:otp_start"))
    assert response["Location"] == reverse("accounts:otp_setup")
    page = client.get(reverse("accounts:otp_setup")).content.decode()
    assert '<div class="border rounded p-2 d-inline-block bg-white" id="otp-qr"><svg' in page
    device = TOTPDevice.objects.get(user=officer)
    assert device.confirmed is False

    wrong = client.post(
        reverse("accounts:otp_setup"), {"code": "000000" if current_code(device) != "000000" else "111111"}
    )
    assert "The code is not right" in wrong.content.decode()
    device.refresh_from_db()
    assert device.confirmed is False

    # django-otp makes the next try wait after a failure (1 s, doubling): try again a little later.
    with time_machine.travel(time.time() + 5):
        response = client.post(reverse("accounts:otp_setup"), {"code": current_code(device)})
    codes = re.findall(r'<li class="col">([a-z2-7]{8})</li>', response.content.decode())
    device.refresh_from_db()
    assert device.confirmed is True
    assert len(codes) == 10
    assert sorted(codes) == sorted(
        StaticToken.objects.filter(device__user=officer).values_list("token", flat=True)
    )
    event = AuditEvent.objects.get(action="otp.enrol")
    assert event.after == {"device": "totp", "backup_codes": 10}
    # The codes are shown once: the profile only counts them.
    profile = client.get(reverse("accounts:profile")).content.decode()
    assert "10 backup codes left" in profile
    assert codes[0] not in profile


@pytest.mark.django_db
def test_sign_in_with_a_confirmed_device_asks_for_the_code_before_the_session_is_verified(client, officer):
    client.force_login(officer)
    device, _codes = enrol(client, officer)
    client.logout()

    response = sign_in(client, officer, next="/accounts/profile/")
    assert response["Location"] == reverse("accounts:otp_verify") + "?next=%2Faccounts%2Fprofile%2F"
    # Signed in by password only: every other page sends the person back to the code step.
    blocked = client.get("/accounts/profile/")
    assert blocked["Location"].startswith(reverse("accounts:otp_verify"))
    api = client.get("/api/v1/me")
    assert api.status_code == 403 and api.json()["code"] == "otp_required"

    wrong = client.post(reverse("accounts:otp_verify"), {"code": "12345x", "next": "/accounts/profile/"})
    assert "The code is not right" in wrong.content.decode()

    # A fresh code: the one used at enrolment may not be replayed, so take the next period's.
    response = client.post(
        reverse("accounts:otp_verify"),
        {"code": current_code(device, steps_ahead=1), "next": "/accounts/profile/"},
    )
    assert response["Location"] == "/accounts/profile/"
    assert client.get("/accounts/profile/").status_code == 200
    assert client.get("/api/v1/me").json()["otp_verified"] is True


@pytest.mark.django_db
def test_a_used_totp_code_cannot_be_replayed(client, officer):
    client.force_login(officer)
    device, _codes = enrol(client, officer)
    client.logout()
    sign_in(client, officer)
    code = current_code(device, steps_ahead=1)
    assert client.post(reverse("accounts:otp_verify"), {"code": code})["Location"] == reverse(
        "core:dashboard"
    )
    client.logout()
    sign_in(client, officer)
    response = client.post(reverse("accounts:otp_verify"), {"code": code})
    assert response.status_code == 200
    assert "The code is not right" in response.content.decode()


@pytest.mark.django_db
def test_a_backup_code_signs_in_once(client, reviewer):
    client.force_login(reviewer)
    _device, codes = enrol(client, reviewer)
    client.logout()
    sign_in(client, reviewer)
    assert client.post(reverse("accounts:otp_verify"), {"code": codes[0]})["Location"] == reverse(
        "core:dashboard"
    )
    client.logout()
    sign_in(client, reviewer)
    response = client.post(reverse("accounts:otp_verify"), {"code": codes[0]})
    assert "The code is not right" in response.content.decode()
    assert StaticToken.objects.filter(device__user=reviewer).count() == 9


@pytest.mark.django_db
def test_enrolment_is_not_possible_for_a_session_that_skipped_the_code(client, officer):
    client.force_login(officer)
    enrol(client, officer)
    client.logout()
    sign_in(client, officer)
    # An attacker with only the password cannot replace the authenticator.
    response = client.post(reverse("accounts:otp_start"))
    assert response["Location"].startswith(reverse("accounts:otp_verify"))
    assert TOTPDevice.objects.filter(user=officer).count() == 1


@pytest.mark.django_db
def test_applicant_without_a_device_signs_in_with_a_password_only(client, applicant):
    response = sign_in(client, applicant)
    assert response["Location"] == reverse("core:dashboard")
    assert client.get("/accounts/profile/").status_code == 200


@pytest.mark.django_db
def test_mandatory_enrolment_for_ministry_staff_redirects_until_done(client, officer, applicant, settings):
    settings.OTP_REQUIRED_FOR_MINISTRY = True
    response = sign_in(client, officer)
    assert response["Location"].startswith(reverse("accounts:otp_setup"))
    assert client.get("/accounts/profile/")["Location"].startswith(reverse("accounts:otp_setup"))
    page = client.get(reverse("accounts:otp_setup")).content.decode()
    assert "Ministry staff must use two-factor authentication" in page
    device, _codes = enrol(client, officer)
    assert device.confirmed
    assert client.get("/accounts/profile/").status_code == 200
    # Mandatory: it cannot be turned off.
    client.post(reverse("accounts:otp_disable"))
    assert TOTPDevice.objects.filter(user=officer, confirmed=True).exists()
    # Applicants are not affected.
    client.logout()
    assert sign_in(client, applicant)["Location"] == reverse("core:dashboard")


@pytest.mark.django_db
def test_turning_two_factor_off_when_not_mandatory(client, reviewer):
    client.force_login(reviewer)
    enrol(client, reviewer)
    response = client.post(reverse("accounts:otp_disable"))
    assert response["Location"] == reverse("accounts:profile")
    assert not TOTPDevice.objects.filter(user=reviewer).exists()
    assert not StaticToken.objects.filter(device__user=reviewer).exists()
    client.logout()
    assert sign_in(client, reviewer)["Location"] == reverse("core:dashboard")


@pytest.mark.django_db
def test_new_backup_codes_replace_the_old_ones(client, auditor):
    client.force_login(auditor)
    _device, old = enrol(client, auditor)
    response = client.post(reverse("accounts:otp_backup_codes"))
    new = re.findall(r'<li class="col">([a-z2-7]{8})</li>', response.content.decode())
    assert len(new) == 10 and not set(new) & set(old)
    assert set(StaticToken.objects.filter(device__user=auditor).values_list("token", flat=True)) == set(new)


def test_current_code_matches_the_rfc_6238_reference():
    # RFC 6238 appendix B, SHA-1, T = 59 s -> 94287082 (8 digits); guards the helper the tests rely on.
    key = b"12345678901234567890"
    assert totp(key, step=30, t0=int(time.time()) - 59, digits=8) == 94287082


@pytest.mark.django_db
def test_the_admin_login_cannot_bypass_the_second_factor(client, officer):
    officer.is_staff = True
    officer.save(update_fields=["is_staff"])
    client.force_login(officer)
    enrol(client, officer)
    client.logout()
    response = client.post(
        "/admin/login/", {"username": officer.username, "password": PASSWORD, "next": "/admin/"}
    )
    assert response.status_code == 302
    blocked = client.get("/admin/")
    assert blocked["Location"].startswith(reverse("accounts:otp_verify"))
