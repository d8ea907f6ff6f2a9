"""Every API error has one body shape: {"code", "message", "field", "details"}, never a 500."""

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from core.api import DomainErrorSerializer
from tests.testapp.models import Gadget

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.testapp.urls")]

BODY_KEYS = {"code", "message", "field", "details"}


def client_for(user=None) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    if user is not None:
        client.force_authenticate(user)
    return client


@pytest.fixture
def api(applicant):
    return client_for(applicant)


def assert_error(response, status, code, field=None):
    body = response.json()
    assert (response.status_code, body["code"], body["field"]) == (status, code, field), body
    assert set(body) == BODY_KEYS
    assert body["message"]
    assert DomainErrorSerializer(data=body).is_valid()
    return body


def test_validation_errors_name_the_first_field_and_list_all(api):
    response = api.post("/api/gadgets/", {"amount": "12.345"}, format="json")

    body = assert_error(response, 400, "invalid", "name")
    assert body["message"] == "This field is required."
    assert set(body["details"]) == {"name", "amount"}
    assert body["details"]["amount"] == ["Ensure that there are no more than 2 decimal places."]
    assert Gadget.objects.count() == 0


def test_messages_follow_the_requests_language(applicant):
    client = client_for(applicant)
    client.credentials(HTTP_ACCEPT_LANGUAGE="ru")

    body = client.post("/api/gadgets/", {}, format="json").json()

    assert body["message"] == "Обязательное поле."


def test_malformed_json_is_a_400_not_a_500(api):
    response = api.post("/api/gadgets/", '{"name": "x",', content_type="application/json")

    body = assert_error(response, 400, "malformed_json")
    assert body["message"] == "The request body is not valid JSON."


def test_domain_error_from_a_service_keeps_its_code_and_status(api, firm):
    gadget = Gadget.objects.create(name="g", organisation=firm)

    body = assert_error(api.post(f"/api/gadgets/{gadget.pk}/submit/"), 400, "guard_failed")
    assert body["message"] == "Enter the amount before submitting."
    assert body["details"] == {"action": "submit"}


def test_invalid_transition_is_a_409_naming_the_state(api, firm):
    gadget = Gadget.objects.create(name="g", organisation=firm, amount=Decimal("1.00"), state="approved")

    body = assert_error(api.post(f"/api/gadgets/{gadget.pk}/submit/"), 409, "invalid_transition")
    assert "Approved" in body["message"]


def test_another_firms_object_is_a_plain_404(api, other_firm):
    gadget = Gadget.objects.create(name="g", organisation=other_firm)

    body = assert_error(api.get(f"/api/gadgets/{gadget.pk}/"), 404, "not_found")
    assert "Gadget" not in body["message"]


def test_policy_refusal_is_a_403_with_the_policys_reason(officer, firm):
    body = assert_error(
        client_for(officer).post("/api/gadgets/", {"name": "x"}, format="json"), 403, "forbidden"
    )
    assert body["message"] == "Your role may not do this."


def test_anonymous_request_is_a_401(firm):
    response = client_for().get("/api/gadgets/")

    assert_error(response, 401, "not_authenticated")
    assert response.headers["WWW-Authenticate"].startswith("Token")


def test_wrong_method_and_media_type(api, firm):
    gadget = Gadget.objects.create(name="g", organisation=firm)

    assert_error(api.delete(f"/api/gadgets/{gadget.pk}/"), 405, "method_not_allowed")
    response = api.post("/api/gadgets/", "<gadget/>", content_type="application/xml")
    assert_error(response, 415, "unsupported_media_type")


def test_django_validation_error_from_a_model_becomes_a_field_error(api):
    response = api.post("/api/gadgets/check/", {"name": "x", "amount": "12,3456"}, format="json")

    body = assert_error(response, 400, "invalid", "amount")
    assert body["message"] == "An amount has at most two decimal places (kopecks)."


def test_openapi_schema_documents_the_error_body():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator(urlconf="tests.testapp.urls").get_schema(request=None, public=True)

    component = schema["components"]["schemas"]["DomainError"]
    assert set(component["properties"]) == BODY_KEYS
    create = schema["paths"]["/api/gadgets/"]["post"]["responses"]
    assert {"201", "400", "401", "403", "404", "409", "415", "422"} <= set(create)
    assert create["409"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/DomainError"
    }
    listing = schema["paths"]["/api/gadgets/"]["get"]["responses"]
    assert "409" not in listing
    assert listing["404"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/DomainError"
    }
