"""The page shell: dashboards per role, navigation by role, language switch, CSP, vendored assets."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib import messages
from django.contrib.staticfiles import finders
from django.http import HttpResponseRedirect
from django.test import Client
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from config import urls as config_urls
from core import dashboard, nav

pytestmark = pytest.mark.django_db

ROOT = Path(settings.BASE_DIR)

EMPTY_STATE_TEXT = {
    "applicant": "your applications, deadlines and payouts",
    "officer": "rounds, the screening queue, reviews and payouts awaiting approval",
    "reviewer": "your assignments and due dates",
    "auditor": "the payout ledger, decisions and the audit trail",
}


def flash_then_dashboard(request):
    messages.error(request, "The round could not be closed.")
    messages.success(request, "Saved.")
    return HttpResponseRedirect(reverse("core:dashboard"))


# This module is also the URLconf of the tests marked `urls(__name__)`: the real routes plus one that
# leaves messages behind.
urlpatterns = [path("_test/flash/", flash_then_dashboard), *config_urls.urlpatterns]


@pytest.fixture
def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def no_panels(monkeypatch):
    """A dashboard registry with nothing in it, as before any app contributes panels."""
    monkeypatch.setattr(dashboard, "_panels", {})


@pytest.fixture
def menu(monkeypatch):
    """A navigation registry holding only the Dashboard item; tests add their own."""
    monkeypatch.setattr(nav, "_items", {})
    monkeypatch.setattr(nav, "_notifications", None)
    nav.register(_("Dashboard"), "core:dashboard", roles=nav.EVERY_ROLE, order=0)
    return nav


def get_html(client, user, url: str | None = None) -> str:
    client.force_login(user)
    response = client.get(url or reverse("core:dashboard"))
    assert response.status_code == 200
    return response.content.decode()


def menu_links(html: str) -> list[tuple[str, str]]:
    """(href, label) of every link in the main menu, in order."""
    block = html.split('id="fc-nav">', 1)[1].split('<div class="fc-navbar-tools">', 1)[0]
    links = re.findall(
        r'<a class="(?:nav-link|dropdown-item)[^"]*" href="([^"]+)"[^>]*>(.*?)</a>', block, re.S
    )
    # Section toggles (href="#") open a drop-down; they are not links.
    return [(href, re.sub(r"<[^>]+>|\s+", " ", label).strip()) for href, label in links if href != "#"]


# --- Dashboards ------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["applicant", "officer", "reviewer", "auditor"])
def test_each_role_sees_its_own_empty_dashboard(request, english, no_panels, role):
    user = request.getfixturevalue(role)
    html = get_html(english, user)

    assert '<h1 class="fc-page-title">Dashboard</h1>' in html
    assert EMPTY_STATE_TEXT[role] in html
    for other_role, text in EMPTY_STATE_TEXT.items():
        if other_role != role:
            assert text not in html
    # Who is signed in, in which role, for which organisation.
    assert user.get_full_name() in html
    assert f"{user.get_role_display()} · {user.organisation.name}" in html


def test_auditor_empty_state_links_to_the_audit_trail(english, no_panels, auditor):
    html = get_html(english, auditor)
    empty_state = html.split('class="fc-empty-state"', 1)[1]
    assert f'href="{reverse("audit:events")}">Open the audit trail</a>' in empty_state


def test_registered_panels_replace_the_empty_state_in_order(english, no_panels, officer, applicant):
    # Any template works as a panel; the empty-state include takes its title from the panel context.
    dashboard.register_panel(
        ["officer"], "includes/empty_state.html", context=lambda user: {"title": f"Queue of {user.username}"}
    )
    dashboard.register_panel(
        "officer", "includes/status_badge.html", context=lambda user: {"status": "paid"}, order=-1
    )

    html = get_html(english, officer)
    assert f"Queue of {officer.username}" in html
    assert html.index('data-status="paid"') < html.index(f"Queue of {officer.username}")
    assert EMPTY_STATE_TEXT["officer"] not in html

    html = get_html(english, applicant)
    assert "Queue of" not in html
    assert EMPTY_STATE_TEXT["applicant"] in html


def test_anonymous_visitor_is_sent_to_the_login_page(client):
    response = client.get(reverse("core:dashboard"))
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('accounts:login')}?next=/"


# --- Navigation ------------------------------------------------------------------------------


def test_one_page_can_be_a_menu_item_for_firms_and_for_the_ministry(english, menu, applicant, officer):
    """Registering a URL for one role set must not drop its item for another (trials' agreements)."""
    menu.register(_("My applications"), "accounts:profile", roles=["applicant"], order=10)
    menu.register(_("Rounds"), "accounts:profile", roles=["officer"], order=15, section=_("Grants"))
    profile = reverse("accounts:profile")
    assert (profile, "My applications") in menu_links(get_html(english, applicant))
    assert (profile, "Rounds") in menu_links(get_html(english, officer))


def test_menu_shows_only_the_items_of_the_users_role(english, menu, applicant, officer):
    menu.register(_("My applications"), "admin:index", roles=["applicant"], order=10)
    menu.register(_("Screening"), "audit:events", roles=["officer", "auditor"], order=20, section=_("Grants"))
    menu.register(_("Rounds"), "accounts:profile", roles=["officer"], order=15, section=_("Grants"))
    menu.register(_("Not built yet"), "grants:not_a_page", roles=nav.EVERY_ROLE, order=5)

    dashboard_url = reverse("core:dashboard")
    assert menu_links(get_html(english, applicant)) == [
        (dashboard_url, "Dashboard"),
        (reverse("admin:index"), "My applications"),
    ]
    officer_html = get_html(english, officer)
    assert menu_links(officer_html) == [
        (dashboard_url, "Dashboard"),
        (reverse("accounts:profile"), "Rounds"),
        (reverse("audit:events"), "Screening"),
    ]
    assert 'data-bs-toggle="dropdown" aria-expanded="false">Grants</a>' in officer_html
    assert "Not built yet" not in officer_html


def test_current_page_is_marked_in_the_menu(english, menu, officer):
    html = get_html(english, officer)
    assert re.search(r'class="nav-link active" href="/"\s+aria-current="page"', html)


def test_notifications_badge_counts_unread_for_the_user(english, menu, applicant, officer):
    menu.register_notifications("accounts:profile", lambda user: 3 if user.role == "applicant" else 0)

    html = get_html(english, applicant)
    bell = html.split('id="fc-notifications"', 1)[1].split("</a>", 1)[0]
    assert re.search(r'text-bg-danger">3\s*<span class="visually-hidden">unread</span>', bell)

    html = get_html(english, officer)
    bell = html.split('id="fc-notifications"', 1)[1].split("</a>", 1)[0]
    assert "badge" not in bell


def test_signed_in_user_can_sign_out_with_a_post_form(english, applicant):
    html = get_html(english, applicant)
    assert re.search(
        rf'<form method="post" action="{reverse("accounts:logout")}">\s+<input type="hidden"', html
    )
    assert "Sign out" in html


# --- Language --------------------------------------------------------------------------------


def active_language(html: str) -> str:
    match = re.search(r'name="language" value="(\w+)"[^>]*?aria-pressed="true"', html, re.S)
    assert match, "no language is marked as active in the switcher"
    return match.group(1)


def test_language_switcher_changes_the_page_language(applicant):
    client = Client()  # no Accept-Language: the site's default, Russian
    client.force_login(applicant)
    html = client.get("/").content.decode()
    assert '<html lang="ru">' in html
    assert active_language(html) == "ru"

    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response["Location"] == "/"
    html = client.get("/").content.decode()
    assert '<html lang="en">' in html
    assert active_language(html) == "en"
    assert "All times are Moscow time (МСК, UTC+3)." in html

    client.post(reverse("set_language"), {"language": "ru", "next": "/"})
    html = client.get("/").content.decode()
    assert '<html lang="ru">' in html
    assert active_language(html) == "ru"


def test_switcher_returns_to_the_page_it_was_used_on(english, applicant):
    html = get_html(english, applicant, reverse("core:dashboard") + "?tab=due")
    assert '<input type="hidden" name="next" value="/?tab=due">' in html


# --- Security: CSP, CSRF for htmx ------------------------------------------------------------


def test_every_script_carries_the_csp_nonce_and_nothing_needs_unsafe_inline(english, officer):
    english.force_login(officer)
    response = english.get("/")
    html = response.content.decode()
    policy = response["Content-Security-Policy"]
    nonce = re.search(r"'nonce-([^']+)'", policy).group(1)

    scripts = re.findall(r"<script[^>]*>", html)
    assert len(scripts) >= 3
    assert all(f'nonce="{nonce}"' in tag for tag in scripts)
    assert "unsafe-inline" not in policy
    assert not re.search(r"\sstyle=|hx-on|\son[a-z]+=", html)
    assert (
        '<meta name="htmx-config" content=\'{"includeIndicatorStyles": false, "allowEval": false}\'>' in html
    )


def test_htmx_requests_carry_a_csrf_token_the_server_accepts(applicant):
    client = Client(enforce_csrf_checks=True)
    client.force_login(applicant)
    html = client.get("/").content.decode()
    headers = json.loads(re.search(r"<body[^>]* hx-headers='([^']+)'", html).group(1))

    refused = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    accepted = client.post(
        reverse("set_language"),
        {"language": "en", "next": "/"},
        headers={"X-CSRFToken": headers["X-CSRFToken"]},
    )
    assert refused.status_code == 403
    assert accepted.status_code == 302
    assert accepted.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"


# --- Layout ----------------------------------------------------------------------------------


@pytest.mark.urls(__name__)
def test_messages_show_as_dismissible_alerts(english, applicant):
    english.force_login(applicant)
    html = english.get("/_test/flash/", follow=True).content.decode()
    assert re.search(r'alert alert-danger alert-dismissible fade show"\s+role="alert"', html)
    assert re.search(r'alert alert-success alert-dismissible fade show"\s+role="status"', html)
    assert "The round could not be closed." in html
    assert html.count('data-bs-dismiss="alert"') == 2


def test_page_has_landmarks_and_a_skip_link(english, reviewer):
    html = get_html(english, reviewer)
    assert '<a class="visually-hidden-focusable fc-skip-link" href="#main">Skip to main content</a>' in html
    assert '<main id="main"' in html
    assert '<header class="fc-header">' in html
    assert '<footer class="fc-footer">' in html
    assert 'aria-label="Main navigation"' in html


def test_every_asset_is_served_from_our_static_files(english, officer):
    html = get_html(english, officer)
    assets = re.findall(r'(?:src|href)="(/static/[^"]+)"', html)
    assert {a.rsplit("/", 1)[-1] for a in assets} >= {
        "bootstrap.min.css",
        "bootstrap-icons.min.css",
        "app.css",
        "bootstrap.bundle.min.js",
        "htmx.min.js",
        "app.js",
    }
    for asset in assets:
        assert finders.find(asset.removeprefix(settings.STATIC_URL)), asset
    assert not re.search(r'(?:src|href)="(?:https?:)?//', html)


def test_vendored_copies_match_the_pinned_npm_versions():
    pins = json.loads((ROOT / "frontend/package.json").read_text())["dependencies"]
    assert pins["bootstrap"] == "5.3.8"
    assert pins["chart.js"] == "4.6.1"
    assert re.fullmatch(r"2\.\d+\.\d+", pins["htmx.org"])  # htmx 4 is a breaking rewrite
    assert re.fullmatch(r"\d+\.\d+\.\d+", pins["bootstrap-icons"])

    vendored = dict(
        line.split() for line in (ROOT / "static/vendor/VERSIONS").read_text().splitlines() if line[:1] != "#"
    )
    assert vendored == pins
    htmx = (ROOT / "static/vendor/htmx/htmx.min.js").read_text()
    assert f'version:"{pins["htmx.org"]}"' in htmx
