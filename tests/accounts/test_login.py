"""Signing in and out, django-axes lockout, and a firm's self-registration page."""

import pytest
from django.conf import settings
from django.urls import reverse

from accounts.enums import Role
from accounts.models import Organisation, User
from tests import factories
from tests.conftest import PASSWORD

LOGIN = "/accounts/login/"


def post_login(client, username, password=PASSWORD, **extra):
    return client.post(LOGIN, {"username": username, "password": password, **extra})


@pytest.mark.django_db
def test_login_page_renders_the_form(client):
    response = client.get(LOGIN)
    body = response.content.decode()
    assert response.status_code == 200
    assert 'name="username"' in body and 'name="password"' in body
    assert reverse("accounts:register") in body


@pytest.mark.django_db
def test_successful_login_goes_to_the_dashboard_and_switches_to_the_users_language(client, applicant):
    applicant.language = "en"
    applicant.save(update_fields=["language"])
    response = post_login(client, applicant.username)
    assert response.status_code == 302
    assert response["Location"] == reverse("core:dashboard")
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert client.session["_auth_user_id"] == str(applicant.pk)


@pytest.mark.django_db
def test_login_follows_a_safe_next_and_ignores_an_offsite_one(client, applicant):
    response = post_login(client, applicant.username, next="/accounts/profile/")
    assert response["Location"] == "/accounts/profile/"
    client.logout()
    response = post_login(client, applicant.username, next="https://evil.example/")
    assert response["Location"] == reverse("core:dashboard")


@pytest.mark.django_db
def test_wrong_password_shows_an_error_and_does_not_sign_in(client, applicant):
    response = post_login(client, applicant.username, password="wrong-password")
    body = response.content.decode()
    assert response.status_code == 200
    assert "username or password is not right" in body
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_ministry_staff_without_a_device_are_prompted_to_enrol(client, officer):
    response = post_login(client, officer.username, next="/accounts/profile/")
    page = client.get(response["Location"]).content.decode()
    assert "Protect your account: set up two-factor authentication" in page
    assert 'id="two-factor-prompt"' in page


@pytest.mark.django_db
def test_logout_signs_out_and_returns_to_login(client, applicant):
    client.force_login(applicant)
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:login")
    assert "_auth_user_id" not in client.session
    assert client.get("/accounts/profile/")["Location"].startswith(reverse("accounts:login"))


@pytest.mark.django_db
def test_lockout_after_the_failure_limit_even_with_the_right_password(client, applicant):
    assert settings.AXES_FAILURE_LIMIT == 5
    for _attempt in range(4):
        response = post_login(client, applicant.username, password="wrong")
        assert "username or password is not right" in response.content.decode()
    response = post_login(client, applicant.username, password="wrong")  # the fifth failure locks
    assert response.status_code == 429
    # Now even the right password is refused with the lockout page.
    response = post_login(client, applicant.username)
    body = response.content.decode()
    assert response.status_code == 429
    assert 'id="locked-out"' in body
    assert "too many failed sign-in attempts (5)" in body
    assert "Try again in 15 minutes" in body
    assert "_auth_user_id" not in client.session
    # Another person is not locked out by these failures.
    other = factories.ApplicantFactory()
    assert post_login(client, other.username).status_code == 302


@pytest.mark.django_db
def test_success_before_the_limit_resets_the_failure_count(client, applicant):
    for _attempt in range(4):
        post_login(client, applicant.username, password="wrong")
    assert post_login(client, applicant.username).status_code == 302
    client.logout()
    for _attempt in range(4):
        post_login(client, applicant.username, password="wrong")
    assert post_login(client, applicant.username).status_code == 302


REGISTRATION = {
    "name": "OOO Pharma Nova",
    "inn": "7707083893",
    "ogrn": "1027700132195",
    "kpp": "773601001",
    "address": "Moscow",
    "first_name": "Anna",
    "last_name": "Ivanova",
    "email": "anna@example.org",
    "username": "anna",
    "password": "Long-enough-pass-42",
    "password2": "Long-enough-pass-42",
}


@pytest.mark.django_db
@pytest.mark.rule(2)
def test_registration_page_registers_the_firm_and_signs_in(client):
    response = client.post(reverse("accounts:register"), REGISTRATION)
    assert response.status_code == 302
    assert response["Location"] == reverse("core:dashboard")
    user = User.objects.get(username="anna")
    assert (user.role, user.organisation.inn) == (Role.APPLICANT, "7707083893")
    assert client.session["_auth_user_id"] == str(user.pk)


@pytest.mark.django_db
@pytest.mark.rule(2)
def test_registering_an_already_registered_inn_shows_the_message_on_the_inn_field(client, firm):
    response = client.post(reverse("accounts:register"), {**REGISTRATION, "inn": firm.inn})
    form = response.context["form"]
    assert response.status_code == 200
    assert "already registered" in form.errors["inn"][0]
    assert "ask a colleague" in form.errors["inn"][0].lower()
    assert Organisation.objects.filter(inn=firm.inn).count() == 1
    assert not User.objects.filter(username="anna").exists()


@pytest.mark.django_db
@pytest.mark.rule(1)
@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("inn", "7707083894", "INN check digit is wrong"),
        ("ogrn", "1027700132196", "OGRN check digit is wrong"),
        ("kpp", "7736010", "KPP must be 9 characters"),
    ],
)
def test_registration_form_rejects_a_wrong_identifier_on_its_field(client, field, value, expected):
    response = client.post(reverse("accounts:register"), {**REGISTRATION, field: value})
    form = response.context["form"]
    assert list(form.errors) == [field]
    assert expected in form.errors[field][0]
    assert expected in response.content.decode()
    assert not Organisation.objects.exists()


@pytest.mark.django_db
def test_registration_form_refuses_different_passwords(client):
    response = client.post(reverse("accounts:register"), {**REGISTRATION, "password2": "Other-pass-42"})
    assert response.context["form"].errors["password2"] == ["The two passwords differ."]
    assert not User.objects.filter(username="anna").exists()
