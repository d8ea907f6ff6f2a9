"""Officers' organisation register: search, pages of results, add and edit with field errors."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.enums import OrganisationKind, Role
from accounts.models import Organisation, User
from tests import factories

LIST = "/accounts/organisations/"
VALID = {
    "kind": OrganisationKind.FIRM,
    "name": "OOO Pharma Nova",
    "inn": "7707083893",
    "ogrn": "1027700132195",
    "kpp": "773601001",
    "address": "Moscow",
}


@pytest.mark.django_db
def test_officer_searches_by_name_and_inn_and_filters_by_kind(client, officer, firm, other_firm, ministry):
    client.force_login(officer)
    page = client.get(LIST, {"q": firm.name}).context["page_obj"]
    assert list(page) == [firm]
    page = client.get(LIST, {"q": other_firm.inn[:6]}).context["page_obj"]
    assert other_firm in list(page)
    page = client.get(LIST, {"kind": "ministry"}).context["page_obj"]
    assert list(page) == [ministry]
    empty = client.get(LIST, {"q": "no such firm"}).content.decode()
    assert "No organisation matches" in empty


@pytest.mark.django_db
def test_list_is_paginated_and_runs_the_same_queries_at_two_sizes(client, officer, django_assert_num_queries):
    client.force_login(officer)
    factories.OrganisationFactory.create_batch(3)
    client.get(LIST)  # warm the session and the middleware's cached decision
    with CaptureQueriesContext(connection) as small:
        client.get(LIST)
    factories.OrganisationFactory.create_batch(40)
    with django_assert_num_queries(len(small.captured_queries)):
        response = client.get(LIST)
    page = response.context["page_obj"]
    assert page.paginator.count == 44 and len(page.object_list) == 25
    second = client.get(LIST, {"page": 2}).context["page_obj"]
    assert len(second.object_list) == 19
    assert 'rel="next"' in response.content.decode()


@pytest.mark.django_db
def test_applicants_and_reviewers_may_not_open_the_register(client, applicant, reviewer, firm):
    for user in (applicant, reviewer):
        client.force_login(user)
        for url in (LIST, reverse("accounts:organisation_detail", args=[firm.pk])):
            response = client.get(url)
            assert response.status_code == 403
            assert firm.inn not in response.content.decode()


@pytest.mark.django_db
def test_applicant_gets_404_on_editing_another_firm_and_403_on_their_own(client, applicant, other_firm):
    client.force_login(applicant)
    assert client.get(reverse("accounts:organisation_edit", args=[other_firm.pk])).status_code == 404
    assert (
        client.get(reverse("accounts:organisation_edit", args=[applicant.organisation_id])).status_code == 403
    )


@pytest.mark.django_db
def test_auditor_reads_the_register_but_has_no_add_button_and_cannot_add(client, auditor, firm):
    client.force_login(auditor)
    page = client.get(LIST).content.decode()
    assert firm.name in page
    assert 'id="organisation-add"' not in page
    assert client.post(reverse("accounts:organisation_create"), VALID).status_code == 403
    assert not Organisation.objects.filter(inn=VALID["inn"]).exists()


@pytest.mark.django_db
def test_officer_adds_an_organisation(client, officer):
    client.force_login(officer)
    response = client.post(reverse("accounts:organisation_create"), VALID)
    org = Organisation.objects.get(inn=VALID["inn"])
    assert response["Location"] == reverse("accounts:organisation_detail", args=[org.pk])
    detail = client.get(response["Location"]).content.decode()
    assert "OOO Pharma Nova" in detail and "1027700132195" in detail


@pytest.mark.django_db
@pytest.mark.rule(1)
@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("inn", "7707083894", "INN check digit is wrong"),
        ("ogrn", "2027700132195", "13-digit OGRN starts with 1 or 5"),
        ("kpp", "77360100Z", "KPP must be 9 characters"),
    ],
)
def test_organisation_form_shows_a_wrong_identifier_on_its_field(client, officer, field, value, expected):
    client.force_login(officer)
    response = client.post(reverse("accounts:organisation_create"), {**VALID, field: value})
    assert response.status_code == 400
    form = response.context["form"]
    assert list(form.errors) == [field]
    assert expected in form.errors[field][0]
    assert not Organisation.objects.exists() or not Organisation.objects.filter(name=VALID["name"]).exists()


@pytest.mark.django_db
@pytest.mark.rule(2)
def test_organisation_form_refuses_a_second_organisation_with_the_same_inn(client, officer, firm):
    client.force_login(officer)
    response = client.post(
        reverse("accounts:organisation_create"), {**VALID, "inn": firm.inn, "ogrn": firm.ogrn}
    )
    assert response.status_code == 400
    assert response.context["form"].errors["inn"] == ["An organisation with this INN is already registered."]
    assert Organisation.objects.filter(inn=firm.inn).count() == 1


@pytest.mark.django_db
def test_officer_edits_an_organisation(client, officer, firm):
    client.force_login(officer)
    url = reverse("accounts:organisation_edit", args=[firm.pk])
    form = client.get(url).context["form"]
    assert form.initial["inn"] == firm.inn and "kind" not in form.fields
    data = {**{k: form.initial[k] for k in ("name", "inn", "ogrn", "kpp", "address")}, "address": "Kazan"}
    response = client.post(url, data)
    assert response["Location"] == reverse("accounts:organisation_detail", args=[firm.pk])
    firm.refresh_from_db()
    assert firm.address == "Kazan"


@pytest.mark.django_db
@pytest.mark.rule(2)
def test_officer_adds_a_person_with_one_role_that_fits_the_organisation(client, officer, firm):
    client.force_login(officer)
    url = reverse("accounts:member_create", args=[firm.pk])
    form = client.get(url).context["form"]
    assert [value for value, _label in form.fields["role"].choices] == [Role.APPLICANT]
    person = {"first_name": "Ivan", "last_name": "Orlov", "email": "ivan@example.org", "username": "ivan"}
    response = client.post(url, {**person, "role": Role.APPLICANT, "password": "Long-enough-pass-42"})
    assert response["Location"] == reverse("accounts:organisation_detail", args=[firm.pk])
    ivan = User.objects.get(username="ivan")
    assert (ivan.organisation, ivan.role) == (firm, Role.APPLICANT)
    refused = client.post(url, {**person, "username": "ivan2", "role": Role.REVIEWER})
    assert refused.status_code == 400
    assert "role" in refused.context["form"].errors
    assert not User.objects.filter(username="ivan2").exists()


@pytest.mark.django_db
def test_the_menu_links_the_register_for_officers_and_auditors_only(client, officer, auditor, applicant):
    for user, shown in ((officer, True), (auditor, True), (applicant, False)):
        client.force_login(user)
        page = client.get(reverse("core:dashboard")).content.decode()
        assert (f'href="{LIST}"' in page) is shown, user.role
