"""The trials API's evidence files (read, download, delete; rule 38) and the `allowed_actions` that
detail bodies carry."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from tests.trials.conftest import PDF_BYTES, add_line, verified_claim
from trials import services
from trials.models import EvidenceFile

pytestmark = pytest.mark.django_db


def api_for(user) -> APIClient:
    api = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    api.force_authenticate(user)
    return api


def refused(response, status: int, code: str) -> None:
    assert (response.status_code, response.data["code"]) == (status, code), response.data


@pytest.fixture
def draft_line(applicant, successful_agreement):
    claim = services.claim_create(actor=applicant, agreement=successful_agreement)
    return add_line(applicant, claim, document_number="E-1")


def test_firm_and_auditor_read_and_download_evidence(applicant, auditor, draft_line):
    evidence = draft_line.evidence.order_by("pk").first()
    for user in (applicant, auditor):
        api = api_for(user)
        listed = api.get("/api/v1/evidence/", {"line": draft_line.pk})
        assert [row["id"] for row in listed.data["results"]] == list(
            draft_line.evidence.order_by("uploaded_at", "id").values_list("pk", flat=True)
        )
        row = api.get(f"/api/v1/evidence/{evidence.pk}/").data
        assert (row["kind"], row["line"], row["sha256"]) == (evidence.kind, draft_line.pk, evidence.sha256)
        download = api.get(row["download_url"])
        assert download.status_code == 200
        assert b"".join(download.streaming_content) == PDF_BYTES
        assert download["Content-Disposition"].startswith("attachment")
        assert download["X-Content-Type-Options"] == "nosniff"


def test_another_firm_never_sees_a_file(other_applicant, draft_line):
    api = api_for(other_applicant)
    evidence = draft_line.evidence.first()
    assert api.get("/api/v1/evidence/").data["results"] == []
    for response in (
        api.get(f"/api/v1/evidence/{evidence.pk}/"),
        api.get(f"/api/v1/evidence/{evidence.pk}/download/"),
        api.delete(f"/api/v1/evidence/{evidence.pk}/"),
    ):
        refused(response, 404, "not_found")
    assert EvidenceFile.objects.filter(pk=evidence.pk).exists()


def test_firm_deletes_a_draft_lines_file_auditor_and_officer_cannot(applicant, auditor, officer, draft_line):
    evidence = draft_line.evidence.first()
    url = f"/api/v1/evidence/{evidence.pk}/"
    refused(api_for(auditor).delete(url), 403, "forbidden")
    refused(api_for(officer).delete(url), 403, "role_not_allowed")
    assert api_for(applicant).delete(url).status_code == 204
    assert not EvidenceFile.objects.filter(pk=evidence.pk).exists()


@pytest.mark.rule(38)
def test_a_file_behind_an_accepted_line_or_the_decision_is_never_deleted(
    applicant, officer, successful_agreement
):
    claim = verified_claim(applicant, officer, successful_agreement, number_prefix="K")
    kept = EvidenceFile.objects.filter(line__claim=claim).first()
    response = api_for(applicant).delete(f"/api/v1/evidence/{kept.pk}/")
    refused(response, 409, "evidence_protected")
    assert response.data["field"] == "file"
    opinion = EvidenceFile.objects.get(agreement=successful_agreement, kind="expert_opinion")
    refused(api_for(officer).delete(f"/api/v1/evidence/{opinion.pk}/"), 409, "evidence_protected")
    assert EvidenceFile.objects.filter(pk__in=[kept.pk, opinion.pk]).count() == 2


def test_detail_bodies_carry_allowed_actions(
    officer, second_officer, auditor, applicant, successful_agreement
):
    claim = verified_claim(applicant, officer, successful_agreement, number_prefix="Q")
    payout = services.payout_propose(actor=officer, claim=claim)

    def actions(user, url):
        return {a["action"]: a for a in api_for(user).get(url).data["allowed_actions"]}

    mine = actions(officer, f"/api/v1/payouts/{payout.pk}/")
    assert mine["approve"]["allowed"] is False
    assert "proposed this payout" in mine["approve"]["reason"]
    assert actions(second_officer, f"/api/v1/payouts/{payout.pk}/")["approve"]["allowed"] is True
    assert not any(a["allowed"] for a in actions(auditor, f"/api/v1/payouts/{payout.pk}/").values())
    agreement = actions(officer, f"/api/v1/agreements/{successful_agreement.pk}/")
    assert agreement["close"]["allowed"] is False  # a payout is still proposed
    assert "close" in agreement
    assert actions(applicant, f"/api/v1/claims/{claim.pk}/") == {}  # verified: nothing left to do
    draft = services.claim_create(actor=applicant, agreement=successful_agreement)
    submit = actions(applicant, f"/api/v1/claims/{draft.pk}/")["submit"]
    assert submit["allowed"] is False  # no lines yet
