"""The trials API, write side: every action's happy path with the database checked, and the failure
paths — 4xx with `code` and `field`, idempotency keys on money moves (required, replayed without moving
money twice), a second approver (rule 34), auditors refused (rule 37), another firm's objects a 404."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from tests import factories
from tests.trials.conftest import CAP, add_line, make_selected, pdf, record_success, verified_claim
from trials import services
from trials.enums import LedgerKind
from trials.models import (
    Agreement,
    ClaimLine,
    CostClaim,
    EvidenceFile,
    LedgerEntry,
    OutcomeReport,
    Payout,
    ProgressReport,
    Recovery,
    SuccessDecision,
)

pytestmark = pytest.mark.django_db
TODAY = dt.date.today


def api_for(user) -> APIClient:
    api = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    api.force_authenticate(user)
    return api


def key() -> dict:
    return {"HTTP_IDEMPOTENCY_KEY": uuid.uuid4().hex}


def refused(response, status: int, code: str, field: str | None = None) -> None:
    assert response.status_code == status, response.data
    assert response.data["code"] == code, response.data
    if field is not None:
        assert response.data["field"] == field, response.data


def line_body(agreement, **overrides) -> dict:
    body = {
        "trial": agreement.trials.first().pk,
        "category": "site",
        "description": "Site fees, second cohort",
        "document_date": "2025-04-01",
        "counterparty_inn": "7707083893",
        "counterparty_name": "City Clinical Hospital No. 1",
        "document_number": "B-1",
        "amount": "500000.00",
    }
    body.update(overrides)
    return body


def upload(api, url: str, kind: str, **extra):
    return api.post(url, {"kind": kind, "file": pdf(f"{kind}.pdf")}, format="multipart", **extra)


@pytest.fixture
def third_officer(ministry):
    return factories.OfficerFactory(organisation=ministry)


# --- agreements ------------------------------------------------------------------------------------
@pytest.mark.rule(27)
def test_agreement_lifecycle_create_sign_activate(officer, firm, applicant):
    application = make_selected(officer=officer, firm=firm, amount=Decimal("3000000.00"))
    api = api_for(officer)
    over = api.post(
        "/api/v1/agreements/", {"application": application.pk, "cap": "3000000.01"}, format="json"
    )
    refused(over, 400, "invalid", "cap")
    negative = api.post("/api/v1/agreements/", {"application": application.pk, "cap": "-5.00"}, format="json")
    refused(negative, 400, "invalid", "cap")
    floating = api.post("/api/v1/agreements/", {"application": application.pk, "cap": 1000.5}, format="json")
    refused(floating, 400, "invalid", "cap")
    refused(api.post("/api/v1/agreements/", {"application": 0}, format="json"), 400, "invalid", "application")
    assert not Agreement.objects.exists()

    created = api.post(
        "/api/v1/agreements/", {"application": application.pk, "cap": "2500000.00"}, format="json"
    )
    assert created.status_code == 201, created.data
    agreement = Agreement.objects.get(pk=created.data["id"])
    assert (agreement.state, agreement.cap, agreement.application_id) == (
        "draft",
        Decimal("2500000.00"),
        application.pk,
    )
    assert len(created.data["trials"]) == agreement.trials.count() >= 1
    again = api.post("/api/v1/agreements/", {"application": application.pk}, format="json")
    refused(again, 409, "agreement_exists", "application")

    url = f"/api/v1/agreements/{agreement.pk}/"
    body = {"signed_on": TODAY().isoformat(), "firm_signatory": "I. Petrov"}
    refused(api.post(url + "sign/", body, format="json"), 400, "idempotency_key_required", "Idempotency-Key")
    future = {"signed_on": (TODAY() + dt.timedelta(days=2)).isoformat(), "firm_signatory": "I. Petrov"}
    refused(api.post(url + "sign/", future, format="json", **key()), 400, "invalid", "signed_on")
    headers = key()
    signed = api.post(url + "sign/", body, format="json", **headers)
    assert signed.status_code == 200, signed.data
    assert signed.data["state"] == "signed"
    replay = api.post(url + "sign/", body, format="json", **headers)
    assert (replay.status_code, replay.data, replay["Idempotent-Replayed"]) == (200, signed.data, "true")
    commitment = LedgerEntry.objects.get(agreement=agreement)
    assert (commitment.kind, commitment.amount) == (LedgerKind.COMMITMENT, Decimal("2500000.00"))
    assert api.get(url + "balances/").data["committed"] == "2500000.00"

    activated = api.post(url + "activate/", format="json")
    assert (activated.status_code, activated.data["state"]) == (200, "active")
    assert ProgressReport.objects.filter(agreement=agreement, number=1).exists()
    refused(api.post(url + "activate/", format="json"), 409, "invalid_transition")


@pytest.mark.rule(29)
def test_success_recorded_with_evidence_then_close_releases(officer, active_agreement):
    api = api_for(officer)
    url = f"/api/v1/agreements/{active_agreement.pk}/"
    authorisation = upload(api, url + "evidence/", "marketing_authorisation")
    opinion = upload(api, url + "evidence/", "expert_opinion")
    assert (authorisation.status_code, opinion.status_code) == (201, 201)
    refused(upload(api, url + "evidence/", "contract"), 400, "invalid", "kind")
    body = {
        "event_kind": "marketing_authorisation",
        "authorisation_number": "ЛП-009876",
        "authorisation_date": TODAY().isoformat(),
        "authorisation_document": authorisation.data["id"],
        "class_confirmed": True,
        "expert_opinion": opinion.data["id"],
    }
    refused(
        api.post(url + "success/", {**body, "class_confirmed": False}, format="json"),
        400,
        "invalid",
        "class_confirmed",
    )
    refused(
        api.post(url + "success/", {**body, "expert_opinion": 999999}, format="json"),
        400,
        "invalid",
        "expert_opinion",
    )
    refused(
        api.post(url + "success/", {**body, "endpoint_trial": 999999}, format="json"),
        400,
        "invalid",
        "endpoint_trial",
    )
    recorded = api.post(url + "success/", body, format="json")
    assert recorded.status_code == 201, recorded.data
    decision = SuccessDecision.objects.get(agreement=active_agreement)
    assert (decision.outcome, decision.authorisation_number, decision.expert_opinion_id) == (
        "success",
        "ЛП-009876",
        opinion.data["id"],
    )
    active_agreement.refresh_from_db()
    assert active_agreement.state == "success_verified"

    refused(api.post(url + "close/", {"reason": "Done"}, format="json"), 400, "idempotency_key_required")
    closed = api.post(url + "close/", {"reason": "Programme finished"}, format="json", **key())
    assert (closed.status_code, closed.data["state"]) == (200, "closed")
    release = LedgerEntry.objects.get(agreement=active_agreement, kind=LedgerKind.RELEASE)
    assert release.amount == -CAP
    assert closed.data["balances"]["active_commitments"] == "0.00"


@pytest.mark.rule(29)
def test_failure_closes_the_agreement_with_no_payout(officer, active_agreement):
    api = api_for(officer)
    url = f"/api/v1/agreements/{active_agreement.pk}/failure/"
    refused(api.post(url, {"reason": "x"}, format="json"), 400, "idempotency_key_required")
    refused(api.post(url, {}, format="json", **key()), 400, "invalid", "reason")
    failed = api.post(url, {"reason": "Primary endpoint missed"}, format="json", **key())
    assert (failed.status_code, failed.data["outcome"]) == (201, "failure")
    active_agreement.refresh_from_db()
    assert active_agreement.state == "closed"
    assert LedgerEntry.objects.get(agreement=active_agreement, kind=LedgerKind.RELEASE).amount == -CAP


# --- trials and reports ----------------------------------------------------------------------------
@pytest.mark.rule(28)
def test_firm_updates_a_trial_and_files_reports(applicant, officer, active_agreement):
    api = api_for(applicant)
    trial = active_agreement.trials.first()
    url = f"/api/v1/trials/{trial.pk}/"
    updated = api.patch(
        url,
        {"status": "recruiting", "sites": ["Moscow, City Hospital 1"], "actual_enrolment": 12,
         "actual_start": "2025-02-01"},
        format="json",
    )  # fmt: skip
    assert updated.status_code == 200, updated.data
    trial.refresh_from_db()
    assert (trial.status, trial.sites, trial.actual_enrolment, trial.actual_start) == (
        "recruiting",
        ["Moscow, City Hospital 1"],
        12,
        dt.date(2025, 2, 1),
    )
    future = (TODAY() + dt.timedelta(days=3)).isoformat()
    refused(api.patch(url, {"actual_start": future}, format="json"), 400, "invalid", "actual_start")
    refused(api.patch(url, {"status": "nonsense"}, format="json"), 400, "invalid", "status")
    refused(api_for(officer).patch(url, {"status": "active"}, format="json"), 403, "forbidden")

    report = active_agreement.progress_reports.get(number=1)
    report_url = f"/api/v1/progress-reports/{report.pk}/"
    assert upload(api, report_url + "evidence/", "progress_report").status_code == 201
    refused(api.post(report_url + "submit/", {"summary": " "}, format="json"), 400, "invalid", "summary")
    refused(
        api.post(report_url + "submit/", {"summary": "ok", "enrolled": -1}, format="json"),
        400,
        "invalid",
        "enrolled",
    )
    submitted = api.post(
        report_url + "submit/", {"summary": "12 enrolled at one site", "enrolled": 12}, format="json"
    )
    assert (submitted.status_code, submitted.data["state"]) == (200, "submitted")
    report.refresh_from_db()
    assert (report.state, report.enrolled, report.submitted_by_id) == ("submitted", 12, applicant.pk)
    refused(api.post(report_url + "submit/", {"summary": "again"}, format="json"), 409, "invalid_transition")

    agreement_url = f"/api/v1/agreements/{active_agreement.pk}/"
    refused(
        upload(api, agreement_url + "outcome-report/evidence/", "outcome_report"), 400, "no_outcome_report"
    )
    saved = api.post(agreement_url + "outcome-report/", {"summary": "Both arms completed"}, format="json")
    assert (saved.status_code, saved.data["state"]) == (200, "draft")
    assert upload(api, agreement_url + "outcome-report/evidence/", "outcome_report").status_code == 201
    filed = api.post(
        agreement_url + "outcome-report/",
        {"summary": "Both arms completed", "primary_endpoint_met": True, "submit": True},
        format="json",
    )
    assert (filed.status_code, filed.data["state"], len(filed.data["evidence"])) == (200, "submitted", 1)
    outcome = OutcomeReport.objects.get(agreement=active_agreement)
    assert (outcome.state, outcome.primary_endpoint_met) == ("submitted", True)


# --- claims ----------------------------------------------------------------------------------------
@pytest.mark.rule(30)
def test_claim_lines_with_evidence_submitted_and_verified(applicant, officer, active_agreement):
    api = api_for(applicant)
    early = api.post("/api/v1/claims/", {"agreement": active_agreement.pk}, format="json")
    refused(early, 409, "success_not_verified")
    record_success(officer, active_agreement)

    created = api.post("/api/v1/claims/", {"agreement": active_agreement.pk}, format="json")
    assert created.status_code == 201, created.data
    claim = CostClaim.objects.get(pk=created.data["id"])
    assert (claim.state, claim.agreement_id, claim.number) == ("draft", active_agreement.pk, 1)
    url = f"/api/v1/claims/{claim.pk}/"

    refused(
        api.post(url + "lines/", line_body(active_agreement, amount="-100.00"), format="json"),
        400,
        "invalid",
        "amount",
    )
    refused(
        api.post(url + "lines/", line_body(active_agreement, amount=100.5), format="json"),
        400,
        "invalid",
        "amount",
    )
    refused(api.post(url + "lines/", line_body(active_agreement, document_date="2019-01-01"), format="json"),
            400, "invalid", "document_date")  # fmt: skip
    refused(api.post(url + "lines/", line_body(active_agreement, counterparty_inn="1234567890"), format="json"),
            400, "invalid", "counterparty_inn")  # fmt: skip
    refused(
        api.post(url + "lines/", line_body(active_agreement, trial=0), format="json"), 400, "invalid", "trial"
    )
    malformed = api.post(url + "lines/", '{"trial": 1,', content_type="application/json")
    refused(malformed, 400, "malformed_json")
    assert not ClaimLine.objects.exists()

    added = api.post(url + "lines/", line_body(active_agreement), format="json")
    assert added.status_code == 201, added.data
    line = ClaimLine.objects.get(pk=added.data["id"])
    assert (line.amount, line.state, line.document_key) == (Decimal("500000.00"), "pending", "B-1")
    refused(
        api.post(url + "lines/", line_body(active_agreement), format="json"), 409, "document_already_used"
    )

    spare = api.post(url + "lines/", line_body(active_agreement, document_number="B-2"), format="json")
    spare_url = f"/api/v1/claim-lines/{spare.data['id']}/"
    assert upload(api, spare_url + "evidence/", "contract").status_code == 201
    assert api.delete(spare_url).status_code == 204
    assert not ClaimLine.objects.filter(pk=spare.data["id"]).exists()
    assert not EvidenceFile.objects.filter(line_id=spare.data["id"]).exists()

    line_url = f"/api/v1/claim-lines/{line.pk}/"
    assert upload(api, line_url + "evidence/", "contract").status_code == 201
    missing = api.post(url + "submit/", format="json")
    refused(missing, 400, "evidence_missing", f"lines.{line.pk}")
    refused(upload(api, line_url + "evidence/", "expert_opinion"), 400, "invalid", "kind")
    assert upload(api, line_url + "evidence/", "upd").status_code == 201
    assert upload(api, line_url + "evidence/", "bank_statement").status_code == 201
    submitted = api.post(url + "submit/", format="json")
    assert (submitted.status_code, submitted.data["state"]) == (200, "submitted")
    claim.refresh_from_db()
    assert claim.state == "submitted" and claim.verification_due_at is not None
    refused(api.post(url + "lines/", line_body(active_agreement, document_number="C-1"), format="json"),
            409, "claim_not_draft")  # fmt: skip
    refused(api.delete(line_url), 409, "claim_not_draft")

    officer_api = api_for(officer)
    refused(officer_api.post(url + "complete/", format="json"), 400, "guard_failed")
    refused(
        officer_api.post(line_url + "verify/", {"decision": "maybe"}, format="json"),
        400,
        "invalid",
        "decision",
    )
    verified = officer_api.post(
        line_url + "verify/",
        {"decision": "reduce", "accepted_amount": "400000.00", "reason": "VAT"},
        format="json",
    )
    assert (verified.status_code, verified.data["state"], verified.data["accepted_amount"]) == (
        200,
        "reduced",
        "400000.00",
    )
    line.refresh_from_db()
    assert (line.state, line.accepted_amount, line.decision_reason, line.verified_by_id) == (
        "reduced",
        Decimal("400000.00"),
        "VAT",
        officer.pk,
    )
    completed = officer_api.post(url + "complete/", format="json")
    assert (completed.status_code, completed.data["state"], completed.data["accepted_total"]) == (
        200,
        "verified",
        "400000.00",
    )
    assert CostClaim.objects.get(pk=claim.pk).state == "verified"


@pytest.mark.rule(32)
def test_line_rejection_needs_a_reason_and_accepted_never_exceeds_claimed(
    applicant, officer, successful_agreement
):
    claim = services.claim_create(actor=applicant, agreement=successful_agreement)
    line = add_line(applicant, claim)
    services.claim_submit(actor=applicant, claim=claim)
    api = api_for(officer)
    url = f"/api/v1/claim-lines/{line.pk}/verify/"
    refused(api.post(url, {"decision": "reject"}, format="json"), 400, "reason_required", "reason")
    too_much = {"decision": "reduce", "accepted_amount": "1000000.01", "reason": "x"}
    refused(api.post(url, too_much, format="json"), 400, "invalid_amount", "accepted_amount")
    line.refresh_from_db()
    assert line.state == "pending"
    rejected = api.post(url, {"decision": "reject", "reason": "No proof of delivery"}, format="json")
    assert (rejected.status_code, rejected.data["state"], rejected.data["accepted_amount"]) == (
        200,
        "rejected",
        "0.00",
    )
    line.refresh_from_db()
    assert (line.state, line.decision_reason) == ("rejected", "No proof of delivery")


@pytest.mark.rule(31)
def test_a_cost_document_accepted_elsewhere_is_refused_at_entry(applicant, officer, successful_agreement):
    verified_claim(applicant, officer, successful_agreement, number_prefix="D")
    accepted = ClaimLine.objects.get(state="accepted")
    claim = services.claim_create(actor=applicant, agreement=successful_agreement)
    body = line_body(
        successful_agreement,
        document_number=accepted.document_number,
        document_date=accepted.document_date.isoformat(),
        amount=f"{accepted.amount:.2f}",
        counterparty_inn=accepted.counterparty_inn,
    )
    refused(api_for(applicant).post(f"/api/v1/claims/{claim.pk}/lines/", body, format="json"), 409,
            "document_already_used", "document_number")  # fmt: skip
    assert not claim.lines.exists()


# --- payouts and recoveries ------------------------------------------------------------------------
@pytest.mark.rule(34)
def test_payout_proposed_approved_by_a_second_officer_and_paid_once(
    officer, second_officer, third_officer, applicant, successful_agreement
):
    claim = verified_claim(applicant, officer, successful_agreement)  # verified by `officer`
    proposer = api_for(second_officer)
    body = {"claim": claim.pk}
    refused(
        proposer.post("/api/v1/payouts/", body, format="json"),
        400,
        "idempotency_key_required",
        "Idempotency-Key",
    )
    assert not Payout.objects.exists()
    headers = key()
    proposed = proposer.post("/api/v1/payouts/", body, format="json", **headers)
    assert proposed.status_code == 201, proposed.data
    assert (proposed.data["amount"], proposed.data["state"]) == ("800000.00", "proposed")
    replay = proposer.post("/api/v1/payouts/", body, format="json", **headers)
    assert (replay.status_code, replay.data, replay["Idempotent-Replayed"]) == (201, proposed.data, "true")
    assert Payout.objects.count() == 1
    reused = proposer.post("/api/v1/payouts/", {"claim": claim.pk + 1000}, format="json", **headers)
    refused(reused, 422, "idempotency_key_reused", "Idempotency-Key")
    refused(proposer.post("/api/v1/payouts/", body, format="json", **key()), 409, "payout_exists")

    url = f"/api/v1/payouts/{proposed.data['id']}/"
    refused(proposer.post(url + "approve/", format="json"), 400, "idempotency_key_required")
    by_proposer = proposer.post(url + "approve/", format="json", **key())
    refused(by_proposer, 403, "second_officer_required")  # the person is refused (rule 34), not the role
    assert "proposed this payout" in by_proposer.data["message"]
    by_verifier = api_for(officer).post(url + "approve/", format="json", **key())
    refused(by_verifier, 403, "second_officer_required")
    assert "verified this claim" in by_verifier.data["message"]
    assert Payout.objects.get().state == "proposed"
    approver = api_for(third_officer)
    approved = approver.post(url + "approve/", format="json", **key())
    assert (approved.status_code, approved.data["state"], approved.data["approved_by"]) == (
        200,
        "approved",
        third_officer.pk,
    )

    paid_body = {"payment_order_number": "PO-77", "payment_order_date": TODAY().isoformat()}
    refused(approver.post(url + "mark-paid/", paid_body, format="json"), 400, "idempotency_key_required")
    malformed = approver.post(
        url + "mark-paid/", '{"payment_order_number": ', content_type="application/json", **key()
    )
    refused(malformed, 400, "malformed_json")
    refused(approver.post(url + "mark-paid/", {**paid_body, "payment_order_number": ""}, format="json", **key()),
            400, "invalid", "payment_order_number")  # fmt: skip
    refused(approver.post(url + "mark-paid/", {"payment_order_number": "PO-77"}, format="json", **key()),
            400, "invalid", "payment_order_date")  # fmt: skip
    assert not LedgerEntry.objects.filter(kind=LedgerKind.PAYOUT).exists()
    headers = key()
    paid = approver.post(url + "mark-paid/", paid_body, format="json", **headers)
    assert (paid.status_code, paid.data["state"], paid.data["payment_order_number"]) == (200, "paid", "PO-77")
    again = approver.post(url + "mark-paid/", paid_body, format="json", **headers)
    assert (again.status_code, again.data, again["Idempotent-Replayed"]) == (200, paid.data, "true")
    entries = LedgerEntry.objects.filter(kind=LedgerKind.PAYOUT)
    assert [(e.amount, e.payout_id) for e in entries] == [(Decimal("800000.00"), proposed.data["id"])]
    refused(approver.post(url + "mark-paid/", paid_body, format="json", **key()), 409, "invalid_transition")
    assert LedgerEntry.objects.filter(kind=LedgerKind.PAYOUT).count() == 1
    refused(
        approver.post(url + "cancel/", {"reason": "x"}, format="json", **key()), 409, "invalid_transition"
    )


@pytest.mark.rule(34)
def test_payout_cancelled_with_a_reason(officer, second_officer, applicant, successful_agreement):
    claim = verified_claim(applicant, officer, successful_agreement)
    payout = services.payout_propose(actor=second_officer, claim=claim)
    api = api_for(officer)
    url = f"/api/v1/payouts/{payout.pk}/cancel/"
    refused(api.post(url, {"reason": "Wrong"}, format="json"), 400, "idempotency_key_required")
    refused(api.post(url, {}, format="json", **key()), 400, "invalid", "reason")
    cancelled = api.post(url, {"reason": "Bank details changed"}, format="json", **key())
    assert (cancelled.status_code, cancelled.data["state"]) == (200, "cancelled")
    payout.refresh_from_db()
    assert (payout.state, payout.cancel_reason) == ("cancelled", "Bank details changed")
    assert not LedgerEntry.objects.filter(kind=LedgerKind.PAYOUT).exists()


@pytest.mark.rule(34)
def test_recovery_is_a_new_negative_entry_at_most_the_net_paid(
    officer, second_officer, applicant, successful_agreement
):
    claim = verified_claim(applicant, officer, successful_agreement)
    payout = services.payout_propose(actor=officer, claim=claim)
    services.payout_approve(actor=second_officer, payout=payout)
    payout = services.payout_mark_paid(
        actor=officer,
        payout=Payout.objects.get(pk=payout.pk),
        payment_order_number="1",
        payment_order_date=TODAY(),
    )
    api = api_for(officer)
    due = (TODAY() + dt.timedelta(days=30)).isoformat()
    body = {"agreement": successful_agreement.pk, "payout": payout.pk, "amount": "1500.50",
            "reason": "Overpaid VAT", "due_date": due}  # fmt: skip
    refused(api.post("/api/v1/recoveries/", body, format="json"), 400, "idempotency_key_required")
    refused(
        api.post("/api/v1/recoveries/", {**body, "amount": "-1.00"}, format="json", **key()),
        400,
        "invalid",
        "amount",
    )
    refused(api.post("/api/v1/recoveries/", {**body, "amount": "800000.01"}, format="json", **key()),
            400, "recovery_exceeds_paid", "amount")  # fmt: skip
    refused(api.post("/api/v1/recoveries/", {**body, "due_date": "2020-01-01"}, format="json", **key()),
            400, "invalid", "due_date")  # fmt: skip
    refused(
        api.post("/api/v1/recoveries/", {**body, "reason": ""}, format="json", **key()),
        400,
        "invalid",
        "reason",
    )
    assert not Recovery.objects.exists()
    headers = key()
    created = api.post("/api/v1/recoveries/", body, format="json", **headers)
    assert created.status_code == 201, created.data
    assert (created.data["amount"], created.data["due_date"], created.data["payout"]) == (
        "1500.50",
        due,
        payout.pk,
    )
    replay = api.post("/api/v1/recoveries/", body, format="json", **headers)
    assert (replay.status_code, replay.data) == (201, created.data)
    entry = LedgerEntry.objects.get(kind=LedgerKind.RECOVERY)
    assert (entry.amount, entry.recovery_id) == (Decimal("-1500.50"), created.data["id"])
    assert Recovery.objects.count() == 1
    assert ids_of(api.get("/api/v1/recoveries/")) == [created.data["id"]]
    balances = api.get(f"/api/v1/agreements/{successful_agreement.pk}/balances/").data
    assert (balances["paid"], balances["recovered"], balances["net_paid"]) == (
        "800000.00",
        "1500.50",
        "798499.50",
    )


def ids_of(response) -> list[int]:
    assert response.status_code == 200, response.data
    return [row["id"] for row in response.data["results"]]


# --- who may write ---------------------------------------------------------------------------------
@pytest.fixture
def world(officer, second_officer, applicant, successful_agreement):
    """An agreement with every kind of object: a draft claim with a line, a paid payout, a recovery."""
    claim = verified_claim(applicant, officer, successful_agreement)
    payout = services.payout_propose(actor=officer, claim=claim)
    services.payout_approve(actor=second_officer, payout=payout)
    payout = services.payout_mark_paid(
        actor=officer,
        payout=Payout.objects.get(pk=payout.pk),
        payment_order_number="9",
        payment_order_date=TODAY(),
    )
    draft = services.claim_create(actor=applicant, agreement=successful_agreement)
    line = add_line(applicant, draft, evidence=False, document_number="W-1")
    return {
        "agreement": successful_agreement,
        "claim": draft,
        "line": line,
        "payout": payout,
        "verified": claim,
    }


def write_routes(world) -> list[tuple[str, str, dict, str]]:
    """(method, url, body, format) of every write route on `world`'s objects."""
    a, claim, line, payout = world["agreement"], world["claim"], world["line"], world["payout"]
    ag = f"/api/v1/agreements/{a.pk}/"
    file = {"kind": "contract", "file": pdf()}
    return [
        ("post", "/api/v1/agreements/", {"application": a.application_id}, "json"),
        ("post", ag + "sign/", {"signed_on": TODAY().isoformat(), "firm_signatory": "X"}, "json"),
        ("post", ag + "activate/", {}, "json"),
        ("post", ag + "evidence/", {"kind": "expert_opinion", "file": pdf()}, "multipart"),
        (
            "post",
            ag + "success/",
            {"event_kind": "marketing_authorisation", "class_confirmed": True, "expert_opinion": None},
            "json",
        ),
        ("post", ag + "failure/", {"reason": "x"}, "json"),
        ("post", ag + "close/", {"reason": "x"}, "json"),
        ("post", ag + "outcome-report/", {"summary": "x"}, "json"),
        ("post", ag + "outcome-report/evidence/", {"kind": "outcome_report", "file": pdf()}, "multipart"),
        ("patch", f"/api/v1/trials/{a.trials.first().pk}/", {"status": "active"}, "json"),
        (
            "post",
            f"/api/v1/progress-reports/{a.progress_reports.first().pk}/submit/",
            {"summary": "x"},
            "json",
        ),
        (
            "post",
            f"/api/v1/progress-reports/{a.progress_reports.first().pk}/evidence/",
            {"kind": "progress_report", "file": pdf()},
            "multipart",
        ),
        ("post", "/api/v1/claims/", {"agreement": a.pk}, "json"),
        ("post", f"/api/v1/claims/{claim.pk}/lines/", line_body(a, document_number="Z-9"), "json"),
        ("post", f"/api/v1/claims/{claim.pk}/submit/", {}, "json"),
        ("post", f"/api/v1/claims/{claim.pk}/complete/", {}, "json"),
        ("post", f"/api/v1/claim-lines/{line.pk}/evidence/", file, "multipart"),
        ("post", f"/api/v1/claim-lines/{line.pk}/verify/", {"decision": "accept"}, "json"),
        ("delete", f"/api/v1/claim-lines/{line.pk}/", {}, "json"),
        ("post", "/api/v1/payouts/", {"claim": world["verified"].pk}, "json"),
        ("post", f"/api/v1/payouts/{payout.pk}/approve/", {}, "json"),
        (
            "post",
            f"/api/v1/payouts/{payout.pk}/mark-paid/",
            {"payment_order_number": "1", "payment_order_date": TODAY().isoformat()},
            "json",
        ),
        ("post", f"/api/v1/payouts/{payout.pk}/cancel/", {"reason": "x"}, "json"),
        (
            "post",
            "/api/v1/recoveries/",
            {"agreement": a.pk, "amount": "1.00", "reason": "x", "due_date": TODAY().isoformat()},
            "json",
        ),
    ]


def snapshot() -> tuple:
    models = (Agreement, CostClaim, ClaimLine, EvidenceFile, Payout, Recovery, LedgerEntry, SuccessDecision)
    pks = [sorted(model.objects.values_list("pk", flat=True)) for model in models]
    states = [
        sorted(model.objects.values_list("state", flat=True)) for model in (Agreement, Payout, ProgressReport)
    ]
    return (*pks, *states)


def send(api, method, url, body, fmt):
    if fmt == "multipart":
        body = {k: (pdf() if k == "file" else v) for k, v in body.items()}
    return getattr(api, method)(url, body, format=fmt, **key())


@pytest.mark.rule(37)
def test_auditors_read_everything_and_every_write_is_refused(auditor, world):
    api = api_for(auditor)
    before = snapshot()
    for method, url, body, fmt in write_routes(world):
        response = send(api, method, url, body, fmt)
        assert (response.status_code, response.data["code"]) == (403, "forbidden"), (url, response.data)
    assert snapshot() == before
    assert api.get(f"/api/v1/agreements/{world['agreement'].pk}/").status_code == 200


def test_another_firm_gets_404_on_every_write_to_a_detail_route(other_applicant, world):
    api = api_for(other_applicant)
    before = snapshot()
    for method, url, body, fmt in write_routes(world):
        response = send(api, method, url, body, fmt)
        if url.endswith(("/api/v1/agreements/", "/api/v1/payouts/", "/api/v1/recoveries/")):
            assert response.status_code == 403, url  # officers' creations: refused by role first
        else:
            assert (response.status_code, response.data["code"]) == (404, "not_found"), (url, response.data)
    assert snapshot() == before


def test_without_a_key_outsiders_still_get_403_or_404_first(auditor, other_applicant, applicant, world):
    """The key is demanded only of someone who may act: an auditor gets 403 and another firm 404."""
    a, payout = world["agreement"], world["payout"]
    routes = [
        f"/api/v1/agreements/{a.pk}/sign/",
        f"/api/v1/agreements/{a.pk}/failure/",
        f"/api/v1/agreements/{a.pk}/close/",
        f"/api/v1/payouts/{payout.pk}/approve/",
        f"/api/v1/payouts/{payout.pk}/mark-paid/",
        f"/api/v1/payouts/{payout.pk}/cancel/",
    ]
    for url in routes:
        refused(api_for(auditor).post(url, {}, format="json"), 403, "forbidden")
        refused(api_for(applicant).post(url, {}, format="json"), 403, "forbidden")
        refused(api_for(other_applicant).post(url, {}, format="json"), 404, "not_found")
    for url in ("/api/v1/payouts/", "/api/v1/recoveries/"):
        refused(api_for(auditor).post(url, {}, format="json"), 403, "forbidden")


def test_firms_cannot_take_officer_actions_and_officers_cannot_file_for_firms(applicant, officer, world):
    firm_api, officer_api = api_for(applicant), api_for(officer)
    before = snapshot()
    officer_only = ("/sign/", "/activate/", "/success/", "/failure/", "/close/", "/complete/", "/verify/",
                    "/approve/", "/mark-paid/", "/cancel/", "/api/v1/payouts/", "/api/v1/recoveries/",
                    "/api/v1/agreements/", f"/agreements/{world['agreement'].pk}/evidence/")  # fmt: skip
    for method, url, body, fmt in write_routes(world):
        if url.endswith(officer_only):
            response = send(firm_api, method, url, body, fmt)
        else:
            response = send(officer_api, method, url, body, fmt)
        assert response.status_code == 403, (url, response.data)
    assert snapshot() == before


def test_json_body_must_be_an_object_and_uploads_are_sniffed(applicant, world):
    api = api_for(applicant)
    url = f"/api/v1/claims/{world['claim'].pk}/lines/"
    refused(api.post(url, json.dumps([1, 2]), content_type="application/json"), 400, "invalid")
    line_url = f"/api/v1/claim-lines/{world['line'].pk}/evidence/"
    exe = SimpleUploadedFile("x.pdf", b"MZ\x90\x00" + b"\x00" * 64, content_type="application/pdf")
    response = api.post(line_url, {"kind": "contract", "file": exe}, format="multipart")
    assert response.status_code == 400, response.data
    assert not EvidenceFile.objects.filter(line=world["line"]).exists()
    assert api.post(line_url, {"kind": "contract", "file": pdf()}, format="multipart").status_code == 201
