"""`/api/v1/me`, the personal token, and the organisations endpoints with their scoping."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from accounts.enums import OrganisationKind
from accounts.models import Organisation
from audit.models import AuditEvent
from tests import factories

ORGS = "/api/v1/organisations/"
VALID = {
    "kind": OrganisationKind.FIRM,
    "name": "OOO Pharma Nova",
    "inn": "7707083893",
    "ogrn": "1027700132195",
    "kpp": "773601001",
    "address": "Moscow",
}


@pytest.fixture
def api():
    return APIClient()


def as_user(api, user):
    api.force_login(user)
    return api


@pytest.mark.django_db
def test_me_describes_the_signed_in_person(api, applicant):
    body = as_user(api, applicant).get("/api/v1/me").json()
    assert body == {
        "id": applicant.pk,
        "username": applicant.username,
        "name": applicant.get_full_name(),
        "email": applicant.email,
        "role": "applicant",
        "organisation": {
            "id": applicant.organisation.pk,
            "kind": "firm",
            "name": applicant.organisation.name,
            "inn": applicant.organisation.inn,
        },
        "language": "en",
        "otp_verified": False,
    }


@pytest.mark.django_db
def test_me_needs_authentication(api):
    response = api.get("/api/v1/me")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert "id" not in response.json()


@pytest.mark.django_db
def test_token_create_then_token_auth_works_then_revoke_gives_401(api, applicant):
    response = as_user(api, applicant).post("/api/v1/me/token")
    assert response.status_code == 201
    key = response.json()["token"]
    assert len(key) == 40

    program = APIClient()
    program.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    me = program.get("/api/v1/me").json()
    assert (me["username"], me["otp_verified"]) == (applicant.username, False)

    rotated = program.post("/api/v1/me/token").json()["token"]
    assert rotated != key
    assert program.get("/api/v1/me").status_code == 401  # the old key stopped working
    program.credentials(HTTP_AUTHORIZATION=f"Token {rotated}")
    assert program.get("/api/v1/me").json()["id"] == applicant.pk

    assert program.delete("/api/v1/me/token").status_code == 204
    revoked = program.get("/api/v1/me")
    assert revoked.status_code == 401
    assert "id" not in revoked.json()
    actions = list(AuditEvent.objects.values_list("action", flat=True))
    assert actions == ["api_token.create", "api_token.rotate", "api_token.revoke"]


@pytest.mark.django_db
def test_applicant_sees_only_their_own_organisation(api, applicant, other_firm):
    as_user(api, applicant)
    listed = api.get(ORGS).json()
    assert [org["id"] for org in listed["results"]] == [applicant.organisation_id]
    assert api.get(f"{ORGS}{other_firm.pk}/").status_code == 404
    assert api.get(ORGS, {"search": other_firm.inn}).json()["results"] == []
    own = api.get(f"{ORGS}{applicant.organisation_id}/").json()
    assert own["inn"] == applicant.organisation.inn


@pytest.mark.django_db
def test_applicant_cannot_write_organisations(api, applicant, other_firm):
    as_user(api, applicant)
    hidden = api.patch(f"{ORGS}{other_firm.pk}/", {"name": "Mine now"}, format="json")
    assert hidden.status_code == 404
    assert other_firm.name not in str(hidden.json())
    own = api.patch(f"{ORGS}{applicant.organisation_id}/", {"name": "Renamed"}, format="json")
    assert own.status_code == 403
    assert api.post(ORGS, VALID, format="json").status_code == 403
    other_firm.refresh_from_db()
    assert other_firm.name != "Mine now"
    assert not Organisation.objects.filter(name__in=["Renamed", VALID["name"]]).exists()


@pytest.mark.django_db
def test_auditor_reads_every_organisation_but_cannot_write(api, auditor, firm, other_firm):
    as_user(api, auditor)
    ids = {org["id"] for org in api.get(ORGS).json()["results"]}
    assert {firm.pk, other_firm.pk, auditor.organisation_id} <= ids
    refused = api.post(ORGS, VALID, format="json")
    assert refused.status_code == 403
    assert refused.json()["message"] == "Only program officers and administrators can change organisations."
    response = api.patch(f"{ORGS}{firm.pk}/", {"name": "Audited"}, format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    firm.refresh_from_db()
    assert firm.name != "Audited"


@pytest.mark.django_db
def test_officer_creates_searches_filters_and_patches(api, officer, ministry):
    as_user(api, officer)
    created = api.post(ORGS, VALID, format="json")
    assert created.status_code == 201
    body = created.json()
    assert {k: body[k] for k in VALID} == VALID
    org_id = body["id"]
    assert [o["id"] for o in api.get(ORGS, {"search": "Pharma Nova"}).json()["results"]] == [org_id]
    assert [o["id"] for o in api.get(ORGS, {"search": "770708"}).json()["results"]] == [org_id]
    assert [o["id"] for o in api.get(ORGS, {"kind": "ministry"}).json()["results"]] == [ministry.pk]
    patched = api.patch(f"{ORGS}{org_id}/", {"address": "Kazan", "kpp": "7736ab001"}, format="json")
    assert patched.status_code == 200
    assert (patched.json()["address"], patched.json()["kpp"]) == ("Kazan", "7736AB001")
    # The kind is fixed after creation.
    api.patch(f"{ORGS}{org_id}/", {"kind": "ministry"}, format="json")
    assert Organisation.objects.get(pk=org_id).kind == OrganisationKind.FIRM
    assert AuditEvent.objects.filter(action="organisation.update", object_id=str(org_id)).count() == 1


@pytest.mark.django_db
@pytest.mark.rule(1)
@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("inn", "7707083894", "INN check digit is wrong"),
        ("inn", "500100732259", "12-digit INN"),
        ("ogrn", "1027700132196", "OGRN check digit is wrong"),
        ("ogrn", "304770000123520", "15-digit OGRNIP"),
        ("kpp", "7736-1001", "KPP must be 9 characters"),
        ("kpp", "", "KPP is required"),
    ],
)
def test_invalid_identifier_is_a_400_naming_the_field(api, officer, field, value, expected):
    response = as_user(api, officer).post(ORGS, {**VALID, field: value}, format="json")
    assert response.status_code == 400
    text = str(response.json())
    assert field in text and expected in text
    assert not Organisation.objects.filter(name=VALID["name"]).exists()


@pytest.mark.django_db
@pytest.mark.rule(1)
def test_patch_checks_identifiers_against_the_stored_ones(api, officer, firm):
    as_user(api, officer)
    response = api.patch(f"{ORGS}{firm.pk}/", {"is_individual_entrepreneur": True}, format="json")
    assert response.status_code == 400
    text = str(response.json())
    assert "individual entrepreneur's INN has 12 digits" in text
    firm.refresh_from_db()
    assert firm.is_individual_entrepreneur is False


@pytest.mark.django_db
@pytest.mark.rule(2)
def test_second_organisation_with_the_same_inn_is_a_400_on_inn_not_a_500(api, officer, firm):
    response = as_user(api, officer).post(ORGS, {**VALID, "inn": firm.inn}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["field"] == "inn"
    assert body["message"] == "An organisation with this INN is already registered."
    assert Organisation.objects.filter(inn=firm.inn).count() == 1


@pytest.mark.django_db
def test_organisation_list_runs_the_same_queries_at_two_sizes(api, officer, django_assert_num_queries):
    as_user(api, officer)
    factories.OrganisationFactory.create_batch(2)
    api.get(ORGS)  # warm the session and the middleware's cached decision
    with CaptureQueriesContext(connection) as small:
        api.get(ORGS)
    factories.OrganisationFactory.create_batch(30)
    with django_assert_num_queries(len(small.captured_queries)):
        response = api.get(ORGS)
    assert response.json()["count"] == 33


@pytest.mark.django_db
def test_schema_documents_the_accounts_endpoints(api, officer):
    schema = as_user(api, officer).get("/api/schema/", {"format": "json"}).json()
    paths = schema["paths"]
    assert {"/api/v1/me", "/api/v1/me/token", "/api/v1/organisations/", "/api/v1/organisations/{id}/"} <= set(
        paths
    )
    assert set(paths["/api/v1/me/token"]) >= {"post", "delete"}
    assert set(paths["/api/v1/organisations/{id}/"]) >= {"get", "patch"}
    assert "put" not in paths["/api/v1/organisations/{id}/"]
