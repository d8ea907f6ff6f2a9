"""403, 404 and 500 pages: in both languages, with a way back; 500 needs no database or request context."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.test import Client, RequestFactory
from django.urls import path, reverse
from django.utils import translation
from django.utils.translation import gettext

from config import urls as config_urls
from core.views import error_500


def refuse_with_reason(request):
    raise PermissionDenied("Only program officers may close a round.")


def refuse_silently(request):
    raise PermissionDenied


def missing_secret(request):
    raise Http404("No Application matches the given query.")


def crash(request):
    raise RuntimeError("boom")


# This module is the URLconf of its tests: the real routes plus views that fail on purpose.
urlpatterns = [
    path("_test/403-reason/", refuse_with_reason),
    path("_test/403/", refuse_silently),
    path("_test/404/", missing_secret),
    path("_test/500/", crash),
    *config_urls.urlpatterns,
]
handler403 = config_urls.handler403
handler404 = config_urls.handler404
handler500 = config_urls.handler500

pytestmark = pytest.mark.urls(__name__)


def in_language(client: Client, language: str) -> Client:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def expected(language: str, text: str) -> str:
    """The text as the page must show it in `language` (English until the Russian catalogue lands)."""
    with translation.override(language):
        return gettext(text)


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "ru"])
def test_missing_page_is_a_404_in_the_chosen_language_with_a_way_back(client, applicant, language):
    client.force_login(applicant)
    response = in_language(client, language).get("/no-such-page/")
    html = response.content.decode()

    assert response.status_code == 404
    assert f'<html lang="{language}">' in html
    assert f'id="fc-error-title">{expected(language, "Page not found")}</h1>' in html
    assert "<code>/no-such-page/</code>" in html
    assert f'href="{reverse("core:dashboard")}"' in html
    assert expected(language, "Go to the dashboard") in html


@pytest.mark.django_db
def test_404_never_shows_the_exception_text(client, officer):
    client.force_login(officer)
    html = in_language(client, "en").get("/_test/404/").content.decode()
    assert "Page not found" in html
    assert "No Application matches" not in html


@pytest.mark.django_db
def test_anonymous_visitor_gets_the_404_page_without_a_menu(client):
    html = in_language(client, "en").get("/no-such-page/").content.decode()
    assert "Page not found" in html
    menu = html.split('id="fc-nav">', 1)[1].split("</ul>", 1)[0]
    assert "<a" not in menu
    assert "fc-user-menu" not in html


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "ru"])
def test_403_shows_the_reason_the_exception_carries(client, applicant, language):
    client.force_login(applicant)
    response = in_language(client, language).get("/_test/403-reason/")
    html = response.content.decode()

    assert response.status_code == 403
    assert f'<html lang="{language}">' in html
    assert f'id="fc-error-title">{expected(language, "Access denied")}</h1>' in html
    assert (
        '<p class="fc-error-reason" id="fc-error-reason">Only program officers may close a round.</p>' in html
    )
    assert f'href="{reverse("core:dashboard")}"' in html


@pytest.mark.django_db
def test_403_without_a_reason_explains_in_general_terms(client, applicant):
    client.force_login(applicant)
    response = in_language(client, "en").get("/_test/403/")
    html = response.content.decode()

    assert response.status_code == 403
    assert "fc-error-reason" not in html
    assert "Your role does not allow you to open this page or do this action." in html


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "ru"])
def test_server_error_page_in_the_chosen_language(applicant, language):
    client = Client(raise_request_exception=False)
    client.force_login(applicant)
    response = in_language(client, language).get("/_test/500/")
    html = response.content.decode()

    assert response.status_code == 500
    assert f'<html lang="{language}">' in html
    assert f'id="fc-error-title">{expected(language, "Server error")}</h1>' in html
    assert 'href="/"' in html
    assert "boom" not in html
    assert "fc-user-menu" not in html  # no user, no menu: nothing that needs the database


@pytest.mark.parametrize("language", ["en", "ru"])
def test_500_renders_without_database_or_request_context(language):
    # No django_db mark: pytest-django makes any database query here fail the test.
    request = RequestFactory().get("/anything/")
    with translation.override(language):
        response = error_500(request)
    html = response.content.decode()

    assert response.status_code == 500
    assert f'<html lang="{language}">' in html
    assert expected(language, "All times are Moscow time (МСК, UTC+3).") in html
    assert "/static/vendor/bootstrap/css/bootstrap.min.css" in html


def test_project_routes_errors_to_these_views():
    assert (config_urls.handler403, config_urls.handler404, config_urls.handler500) == (
        "core.views.error_403",
        "core.views.error_404",
        "core.views.error_500",
    )
