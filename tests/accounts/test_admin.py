"""The Django admin saves people and organisations through the services (rules and audit apply)."""

import pytest

from accounts.enums import Role
from accounts.models import Organisation, User
from audit.models import AuditEvent
from tests.conftest import PASSWORD


@pytest.fixture
def admin_client(client, db):
    admin = User.objects.create_superuser("root", "root@example.org", PASSWORD)
    client.force_login(admin)
    return client


@pytest.mark.django_db
def test_admin_lists_and_searches_organisations(admin_client, firm, other_firm):
    page = admin_client.get("/admin/accounts/organisation/", {"q": firm.inn}).content.decode()
    assert firm.name in page and other_firm.name not in page


@pytest.mark.django_db
def test_admin_edit_of_an_organisation_goes_through_the_service(admin_client, firm):
    url = f"/admin/accounts/organisation/{firm.pk}/change/"
    form = admin_client.get(url).context["adminform"].form
    assert "kind" not in form.fields  # fixed after creation
    data = {
        "name": firm.name,
        "inn": firm.inn,
        "ogrn": firm.ogrn,
        "kpp": firm.kpp,
        "address": "Kazan",
        "members-TOTAL_FORMS": "0",
        "members-INITIAL_FORMS": "0",
    }
    response = admin_client.post(url, data)
    assert response.status_code == 302
    firm.refresh_from_db()
    assert firm.address == "Kazan"
    event = AuditEvent.objects.get(action="organisation.update")
    assert event.after == {"address": "Kazan"}


@pytest.mark.django_db
@pytest.mark.rule(1)
def test_admin_shows_a_wrong_inn_on_its_field(admin_client, firm):
    url = f"/admin/accounts/organisation/{firm.pk}/change/"
    data = {"name": firm.name, "inn": "7707083894", "ogrn": firm.ogrn, "kpp": firm.kpp, "address": ""}
    response = admin_client.post(url, {**data, "members-TOTAL_FORMS": "0", "members-INITIAL_FORMS": "0"})
    assert response.status_code == 200
    assert "INN check digit is wrong" in str(response.context["adminform"].form.errors["inn"])


@pytest.mark.django_db
@pytest.mark.rule(2)
def test_admin_refuses_a_role_that_does_not_fit_the_organisation(admin_client, applicant, ministry):
    url = f"/admin/accounts/user/{applicant.pk}/change/"
    data = {
        "username": applicant.username,
        "first_name": applicant.first_name,
        "last_name": applicant.last_name,
        "email": applicant.email,
        "language": "ru",
        "organisation": ministry.pk,
        "role": Role.APPLICANT,
        "is_active": "on",
    }
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert "belong to the ministry" in str(response.context["adminform"].form.errors["role"])
    applicant.refresh_from_db()
    assert applicant.organisation != ministry
    # Making the person a reviewer in the ministry is consistent, so it is saved and audited.
    response = admin_client.post(url, {**data, "role": Role.REVIEWER})
    assert response.status_code == 302
    applicant.refresh_from_db()
    assert (applicant.role, applicant.organisation) == (Role.REVIEWER, ministry)
    event = AuditEvent.objects.get(action="user.update")
    assert event.after == {"role": Role.REVIEWER, "organisation_id": ministry.pk}


@pytest.mark.django_db
def test_admin_adds_a_person_through_the_service(admin_client, firm):
    data = {
        "username": "newbie",
        "password1": "Long-enough-pass-42",
        "password2": "Long-enough-pass-42",
        "usable_password": "true",
        "organisation": firm.pk,
        "role": Role.APPLICANT,
        "first_name": "New",
        "last_name": "Person",
    }
    response = admin_client.post("/admin/accounts/user/add/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    newbie = User.objects.get(username="newbie")
    assert (newbie.organisation, newbie.role) == (firm, Role.APPLICANT)
    assert newbie.check_password("Long-enough-pass-42")
    assert AuditEvent.objects.filter(action="user.create", object_id=str(newbie.pk)).exists()


@pytest.mark.django_db
def test_admin_cannot_delete_people_or_organisations(admin_client, applicant):
    assert admin_client.get(f"/admin/accounts/user/{applicant.pk}/delete/").status_code == 403
    assert (
        admin_client.get(f"/admin/accounts/organisation/{applicant.organisation_id}/delete/").status_code
        == 403
    )
    assert Organisation.objects.filter(pk=applicant.organisation_id).exists()


@pytest.mark.rule(36)
@pytest.mark.django_db
def test_admin_password_change_goes_through_the_service_and_into_the_trail(admin_client, applicant):
    url = f"/admin/accounts/user/{applicant.pk}/password/"
    weak = {"password1": "123", "password2": "123", "usable_password": "true"}
    response = admin_client.post(url, weak)
    assert response.status_code == 200 and response.context["form"].errors  # refused, nothing changed
    assert not AuditEvent.objects.filter(action__startswith="user.").exists()

    response = admin_client.post(
        url, {"password1": "Another-long-pass-7", "password2": "Another-long-pass-7"}
    )
    assert response.status_code == 302
    applicant.refresh_from_db()
    assert applicant.check_password("Another-long-pass-7")
    event = AuditEvent.objects.get(action="user.set_password")
    assert event.object_id == str(applicant.pk) and event.after == {"password_sign_in": True}
    assert event.actor_id == User.objects.get(username="root").pk
    assert "Another-long-pass-7" not in str(event.before) + str(event.after) + event.reason

    response = admin_client.post(url, {"usable_password": "false", "unset-password": "1"})
    assert response.status_code == 302
    applicant.refresh_from_db()
    assert not applicant.has_usable_password()
    assert AuditEvent.objects.get(action="user.disable_password").after == {"password_sign_in": False}
