"""The grants API: the firm's journey, refusals as 4xx with code and field, idempotent submit."""

import datetime as dt

import pytest
import time_machine
from rest_framework.test import APIClient

from grants.models import Application, ApplicationVersion
from tests.grants.conftest import PDF_BYTES, pdf_upload

pytestmark = pytest.mark.django_db


def client_for(user) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(user)
    return client


def test_firm_prepares_and_submits_through_the_api(applicant, open_round):
    api = client_for(applicant)
    response = api.post(
        "/api/v1/applications/",
        {"round": open_round.pk, "title": "FC-202", "icd10_code": "c50.9", "priority_area": "oncology"},
        format="json",
    )
    assert response.status_code == 201, response.data
    app = response.data
    assert (app["state"], app["icd10_code"], app["priority_area"], app["requested_amount"]) == (
        "draft",
        "C50.9",
        "oncology",
        "0.00",
    )
    assert {a["action"]: a["allowed"] for a in app["allowed_actions"]} == {"submit": True}
    url = f"/api/v1/applications/{app['id']}/"

    response = api.patch(
        url,
        {
            "drug_name": "FC-202",
            "modality": "small_molecule",
            "mechanism": "KRAS G12D inhibitor",
            "indication": "Pancreatic cancer",
            "claim_kind": "first_in_class",
            "novelty_statement": "First oral G12D inhibitor",
            "development_stage": "phase_3",
        },
        format="json",
    )
    assert response.status_code == 200, response.data
    response = api.post(
        url + "budget-lines/", {"category": "site", "description": "Sites", "amount": "99.99"}, format="json"
    )
    assert (response.status_code, response.data["amount"]) == (201, "99.99")
    response = api.post(url + "trials/", {"phase": "3", "nct_id": "nct 3333 3333"}, format="json")
    assert (response.status_code, response.data["nct_id"]) == (201, "NCT33333333")
    response = api.post(url + "documents/", {"file": pdf_upload(), "kind": "protocol"}, format="multipart")
    assert response.status_code == 201, response.data
    document = response.data
    assert document["content_type"] == "application/pdf"

    problems = api.get(url + "problems/").data
    assert problems == {"complete": True, "problems": {}}
    response = api.post(url + "submit/")
    assert response.status_code == 201, response.data
    receipt = response.data
    assert (receipt["number"], len(receipt["content_sha256"]), receipt["requested_amount"]) == (
        1,
        64,
        "99.99",
    )
    assert api.get(url + "versions/1/").data["content_sha256"] == receipt["content_sha256"]

    detail = api.get(url).data
    assert (detail["state"], detail["current_version"], detail["requested_amount"]) == (
        "submitted",
        1,
        "99.99",
    )
    assert [v["number"] for v in detail["versions"]] == [1]
    assert {a["action"] for a in detail["allowed_actions"]} == {"resubmit", "withdraw"}

    download = api.get(document["download_url"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF_BYTES
    assert download["Content-Disposition"] == 'attachment; filename="protocol.pdf"'
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download["Content-Type"] == "application/pdf"


@pytest.mark.rule(7)
def test_incomplete_submit_lists_every_missing_field(applicant, open_round):
    api = client_for(applicant)
    app = api.post("/api/v1/applications/", {"round": open_round.pk, "title": "X"}, format="json").data
    api.patch(f"/api/v1/applications/{app['id']}/", {"claim_kind": "best_in_class"}, format="json")
    response = api.post(f"/api/v1/applications/{app['id']}/submit/")
    assert response.status_code == 400
    body = response.data
    assert body["code"] == "incomplete"
    assert body["field"] in body["details"]
    assert {"comparator_name", "superiority_endpoint", "superiority_result", "superiority_trial"} <= set(
        body["details"]
    )
    assert body["details"]["comparator_name"] == ["Name the comparator (INN) or give its ATC code."]


@pytest.mark.rule(6)
def test_late_submit_is_a_409_round_closed(applicant, complete_application):
    with time_machine.travel(complete_application.round.closes_at, tick=False):
        response = client_for(applicant).post(f"/api/v1/applications/{complete_application.pk}/submit/")
    assert response.status_code == 409
    assert response.data == {
        "code": "round_closed",
        "message": "The round is closed: submissions are no longer accepted.",
        "field": "round",
        "details": {},
    }
    assert not ApplicationVersion.objects.exists()


@pytest.mark.rule(9)
def test_malformed_code_is_a_400_naming_the_field(applicant, complete_application):
    response = client_for(applicant).patch(
        f"/api/v1/applications/{complete_application.pk}/", {"icd10_code": "XX"}, format="json"
    )
    assert response.status_code == 400
    assert (response.data["code"], response.data["field"]) == ("invalid", "icd10_code")
    assert "ICD-10" in response.data["message"]


@pytest.mark.rule(10)
def test_money_as_float_is_refused(applicant, complete_application):
    response = client_for(applicant).post(
        f"/api/v1/applications/{complete_application.pk}/budget-lines/",
        {"category": "site", "description": "x", "amount": 10.5},
        format="json",
    )
    assert response.status_code == 400
    assert response.data["field"] == "amount"


def test_idempotent_submit_makes_one_version(applicant, complete_application):
    api = client_for(applicant)
    url = f"/api/v1/applications/{complete_application.pk}/submit/"
    first = api.post(url, HTTP_IDEMPOTENCY_KEY="submit-1")
    second = api.post(url, HTTP_IDEMPOTENCY_KEY="submit-1")
    assert (first.status_code, second.status_code) == (201, 201)
    assert second.data == first.data
    assert second["Idempotent-Replayed"] == "true"
    assert ApplicationVersion.objects.filter(application=complete_application).count() == 1
    # without a key, a second click is refused rather than freezing an identical version
    third = api.post(url)
    assert (third.status_code, third.data["code"]) == (409, "already_submitted")


def test_upload_refusals_are_400_with_a_message(applicant, complete_application, settings):
    api = client_for(applicant)
    url = f"/api/v1/applications/{complete_application.pk}/documents/"
    from django.core.files.uploadedfile import SimpleUploadedFile

    fake = SimpleUploadedFile("protocol.pdf", b"MZ\x90\x00 not a pdf at all", content_type="application/pdf")
    response = api.post(url, {"file": fake, "kind": "protocol"}, format="multipart")
    assert response.status_code == 400
    assert (response.data["code"], response.data["field"]) == ("file_type_not_allowed", "file")
    assert response.data["message"].startswith("Only PDF, DOCX, XLSX, PNG and JPEG files are accepted")
    settings.UPLOAD_MAX_BYTES = 50
    response = api.post(url, {"file": pdf_upload(), "kind": "protocol"}, format="multipart")
    assert (response.status_code, response.data.get("code")) == (400, "file_too_large"), response.data


def test_officer_runs_the_round_and_screens(officer, applicant, program, submitted_application):
    api = client_for(officer)
    round_id = submitted_application.round_id
    response = api.post(f"/api/v1/rounds/{round_id}/actions/close/")
    assert (response.status_code, response.data["code"]) == (400, "guard_failed")
    with time_machine.travel(submitted_application.round.closes_at + dt.timedelta(hours=1), tick=False):
        assert api.post(f"/api/v1/rounds/{round_id}/actions/close/").data["state"] == "closed"
        response = api.post(
            f"/api/v1/applications/{submitted_application.pk}/screen/",
            {"outcome": "ineligible", "reason": ""},
            format="json",
        )
        assert (response.status_code, response.data["field"]) == (400, "reason")
        response = api.post(
            f"/api/v1/applications/{submitted_application.pk}/screen/",
            {"outcome": "ineligible", "reason": "Phase 1 only"},
            format="json",
        )
    assert response.status_code == 201
    assert (response.data["outcome"], response.data["version_number"]) == ("ineligible", 1)
    assert api.get(f"/api/v1/rounds/{round_id}/counts/").data == {"ineligible": 1}
    firm_view = client_for(applicant).get(f"/api/v1/applications/{submitted_application.pk}/").data
    assert firm_view["screening"]["reason"] == "Phase 1 only"


def test_officer_creates_and_opens_a_round(officer, program):
    api = client_for(officer)
    response = api.post(
        "/api/v1/rounds/",
        {
            "program": program.pk,
            "title": "Round 2031",
            "opens_at": "2031-03-01T09:00:00+03:00",
            "closes_at": "2031-02-01T09:00:00+03:00",
            "review_due_at": "2031-06-01T09:00:00+03:00",
            "decision_at": "2031-07-01T09:00:00+03:00",
            "budget": "1000000000.00",
        },
        format="json",
    )
    assert (response.status_code, response.data["code"], response.data["field"]) == (
        400,
        "invalid",
        "closes_at",
    )
    response = api.post(
        "/api/v1/rounds/",
        {
            "program": program.pk,
            "title": "Round 2031",
            "opens_at": "2031-03-01T09:00:00+03:00",
            "closes_at": "2031-04-30T23:59:59+03:00",
            "review_due_at": "2031-06-01T09:00:00+03:00",
            "decision_at": "2031-07-01T09:00:00+03:00",
            "budget": "1000000000.00",
        },
        format="json",
    )
    assert response.status_code == 201, response.data
    round_ = response.data
    assert (round_["state"], round_["budget"], len(round_["criteria"])) == ("draft", "1000000000.00", 5)
    response = api.put(
        f"/api/v1/rounds/{round_['id']}/priority-areas/",
        {"areas": [{"code": "oncology", "quota": "600000000"}, {"code": "hiv", "quota": "400000000.01"}]},
        format="json",
    )
    assert (response.status_code, response.data["code"]) == (400, "quota_exceeds_budget")
    response = api.put(
        f"/api/v1/rounds/{round_['id']}/priority-areas/",
        {"areas": [{"code": "oncology", "quota": "600000000"}, {"code": "hiv", "quota": None}]},
        format="json",
    )
    assert [(a["code"], a["quota"]) for a in response.data["priority_areas"]] == [
        ("oncology", "600000000.00"),
        ("hiv", None),
    ]
    response = api.post(f"/api/v1/rounds/{round_['id']}/actions/open/", HTTP_IDEMPOTENCY_KEY="open-1")
    assert response.data["state"] == "open"
    response = api.put(f"/api/v1/rounds/{round_['id']}/rubric/", {"criteria": []}, format="json")
    assert (response.status_code, response.data["code"]) == (400, "rubric_frozen")


def test_reference_lists(applicant, reference_lists):
    api = client_for(applicant)
    areas = api.get("/api/v1/priority-areas/").data
    assert [a["code"] for a in areas][:3] == ["oncology", "vaccines", "blood_products"]
    assert areas[0]["name"] == "Oncology"
    ru = APIClient(HTTP_ACCEPT_LANGUAGE="ru")
    ru.force_authenticate(applicant)
    assert ru.get("/api/v1/priority-areas/").data[0]["name"] == "Онкология"
    categories = api.get("/api/v1/cost-categories/").data
    assert [(c["code"], c["is_eligible"]) for c in categories][-1] == ("inelig", False)


def test_clarification_through_the_api(officer, applicant, submitted_application):
    due = (submitted_application.round.closes_at + dt.timedelta(days=20)).isoformat()
    response = client_for(officer).post(
        f"/api/v1/applications/{submitted_application.pk}/clarifications/",
        {"question": "Send the CRO contract", "due_at": due},
        format="json",
    )
    assert response.status_code == 201, response.data
    clarification_id = response.data["id"]
    api = client_for(applicant)
    assert (
        api.post(
            f"/api/v1/clarifications/{clarification_id}/documents/",
            {"file": pdf_upload("cro.pdf")},
            format="multipart",
        ).status_code
        == 201
    )
    response = api.post(
        f"/api/v1/clarifications/{clarification_id}/answer/", {"answer": "Attached"}, format="json"
    )
    assert (response.status_code, response.data["state"]) == (200, "answered")
    assert [d["original_name"] for d in response.data["documents"]] == ["cro.pdf"]
    assert Application.objects.get(pk=submitted_application.pk).current_version == 1


@pytest.mark.rule(2)
def test_the_applicant_firm_is_the_persons_own_organisation(applicant, other_firm, open_round):
    """A person acts for their one organisation: a posted organisation is ignored, not trusted."""
    response = client_for(applicant).post(
        "/api/v1/applications/",
        {"round": open_round.pk, "title": "Mine", "organisation": other_firm.pk},
        format="json",
    )
    assert response.status_code == 201
    assert response.data["organisation"]["id"] == applicant.organisation_id
    assert Application.objects.get(pk=response.data["id"]).organisation_id == applicant.organisation_id


def test_budget_lines_and_trials_are_changed_and_removed_through_the_api(applicant, open_round):
    api = client_for(applicant)
    app = api.post("/api/v1/applications/", {"round": open_round.pk, "title": "FC-303"}, format="json").data
    url = f"/api/v1/applications/{app['id']}/"
    line = api.post(
        url + "budget-lines/", {"category": "site", "description": "Sites", "amount": "10.00"}, format="json"
    ).data
    changed = api.patch(url + f"budget-lines/{line['id']}/", {"amount": "12.50"}, format="json")
    assert (changed.status_code, changed.data["amount"]) == (200, "12.50")
    refused = api.patch(url + f"budget-lines/{line['id']}/", {"amount": "-1"}, format="json")
    assert refused.status_code == 400 and "amount" in str(refused.data)
    assert api.get(url).data["requested_amount"] == "12.50"
    trial = api.post(url + "trials/", {"phase": "3", "nct_id": "NCT44444444"}, format="json").data
    assert api.patch(url + f"trials/{trial['id']}/", {"phase": "2"}, format="json").data["phase"] == "2"
    assert api.delete(url + f"trials/{trial['id']}/").status_code == 204
    assert api.delete(url + f"trials/{trial['id']}/").status_code == 404
    assert api.delete(url + f"budget-lines/{line['id']}/").status_code == 204
    assert api.get(url).data["requested_amount"] == "0.00"
