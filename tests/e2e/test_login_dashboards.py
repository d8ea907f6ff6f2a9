"""Each role signs in through the real login form and lands on its dashboard (screenshots kept)."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from accounts.enums import Role
from accounts.forms import LoginForm
from accounts.models import User

DEMO_PASSWORD = "firstclass-demo"  # printed by seed_demo and listed in the README
ROLE_LOGINS = ["aurora", "officer", "reviewer1", "auditor", "admin"]


@pytest.fixture
def demo_users(transactional_db):
    call_command("seed_demo", stdout=StringIO())
    return {user.username: user for user in User.objects.all()}


def sign_in(page, base_url: str, username: str, password: str) -> None:
    page.goto(base_url + reverse("core:dashboard"))
    page.wait_for_url(re.compile(re.escape(reverse("accounts:login"))))
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("#login-form button[type=submit]")
    page.wait_for_load_state("networkidle")


@pytest.mark.parametrize("username", ROLE_LOGINS)
def test_role_signs_in_and_sees_its_dashboard(page, live_server, demo_users, artifacts, username):
    user = demo_users[username]

    sign_in(page, live_server.url, username, DEMO_PASSWORD)

    assert page.url == live_server.url + reverse("core:dashboard")
    # The page may be in the user's own language; expect the texts in whatever language it says it is.
    language = page.get_attribute("html", "lang") or "en"
    with translation.override(language):
        heading, role_label = gettext("Dashboard"), str(Role(user.role).label)
    assert page.inner_text("h1").strip() == heading
    lead = page.inner_text(".fc-lead")
    assert user.get_full_name() in lead
    assert role_label in lead
    page.screenshot(path=str(artifacts / f"dashboard-{user.role}-{username}.png"), full_page=True)


def test_wrong_password_stays_on_the_form_with_a_message(page, live_server, demo_users, artifacts):
    sign_in(page, live_server.url, "officer", "not-the-password")

    assert reverse("accounts:login") in page.url
    with translation.override(page.get_attribute("html", "lang") or "en"):
        message = str(LoginForm.error_messages["invalid_login"]) % {"limit": settings.AXES_FAILURE_LIMIT}
    assert message in page.inner_text("#login-form")
    assert page.input_value("#id_username") == "officer"
    page.screenshot(path=str(artifacts / "login-wrong-password.png"), full_page=True)
