"""The profile page: details, language that switches the interface, the API token shown once."""

import pytest
from django.conf import settings
from django.urls import reverse
from rest_framework.authtoken.models import Token

PROFILE = "/accounts/profile/"


@pytest.mark.django_db
def test_profile_shows_name_organisation_role_and_the_two_factor_section(client, applicant):
    client.force_login(applicant)
    page = client.get(PROFILE).content.decode()
    assert applicant.username in page
    assert applicant.organisation.name in page and applicant.organisation.inn in page
    assert '<dd class="col-sm-8" id="profile-role">Applicant</dd>' in page
    assert "Set up two-factor authentication" in page
    assert 'id="two-factor-prompt"' not in page  # only ministry staff are urged


@pytest.mark.django_db
def test_profile_needs_sign_in(client):
    response = client.get(PROFILE)
    assert response["Location"] == f"{reverse('accounts:login')}?next={PROFILE}"


@pytest.mark.django_db
def test_editing_own_details(client, applicant):
    client.force_login(applicant)
    response = client.post(
        PROFILE, {"first_name": "Anna", "last_name": "Petrova", "email": "anna@example.org"}
    )
    assert response["Location"] == PROFILE
    applicant.refresh_from_db()
    assert (applicant.first_name, applicant.last_name, applicant.email) == (
        "Anna",
        "Petrova",
        "anna@example.org",
    )
    bad = client.post(PROFILE, {"first_name": "Anna", "last_name": "Petrova", "email": "not-an-address"})
    assert bad.status_code == 400
    assert "Enter a valid email address." in bad.content.decode()


@pytest.mark.django_db
def test_language_preference_is_stored_and_switches_the_interface(client, applicant):
    client.force_login(applicant)
    applicant.language = "en"
    applicant.save(update_fields=["language"])
    assert '<html lang="en">' in client.get(PROFILE).content.decode()
    response = client.post(reverse("accounts:language"), {"language": "ru"})
    assert response["Location"] == PROFILE
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "ru"
    applicant.refresh_from_db()
    assert applicant.language == "ru"
    assert '<html lang="ru">' in client.get(PROFILE).content.decode()
    assert client.post(reverse("accounts:language"), {"language": "xx"}).status_code == 400
    applicant.refresh_from_db()
    assert applicant.language == "ru"


@pytest.mark.django_db
def test_api_token_is_shown_once_then_rotated_then_revoked(client, applicant):
    client.force_login(applicant)
    assert "You have no API token." in client.get(PROFILE).content.decode()

    client.post(reverse("accounts:token_create"))
    key = Token.objects.get(user=applicant).key
    first_view = client.get(PROFILE).content.decode()
    assert f'<code class="user-select-all fs-6" id="new-token-value">{key}</code>' in first_view
    second_view = client.get(PROFILE).content.decode()
    assert key not in second_view
    assert "You have a token, created" in second_view
    assert 'id="confirm-token-revoke"' in second_view  # revoking asks for confirmation first

    client.post(reverse("accounts:token_create"))
    rotated = Token.objects.get(user=applicant).key
    assert rotated != key
    assert rotated in client.get(PROFILE).content.decode()

    response = client.post(reverse("accounts:token_revoke"))
    assert response["Location"] == PROFILE
    assert not Token.objects.filter(user=applicant).exists()
    assert "You have no API token." in client.get(PROFILE).content.decode()


@pytest.mark.django_db
def test_token_actions_refuse_get(client, applicant):
    client.force_login(applicant)
    assert client.get(reverse("accounts:token_create")).status_code == 405
    assert not Token.objects.filter(user=applicant).exists()


@pytest.mark.django_db
def test_profile_explains_how_to_send_the_token(client, applicant):
    client.force_login(applicant)
    assert "<code>Authorization: Token &lt;token&gt;</code>" in client.get(PROFILE).content.decode()
