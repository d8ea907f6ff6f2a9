"""The trials pages: every page renders for the roles that may see it, auditors read without action
buttons and their POSTs are refused, another firm gets 404, and the money story — a claim filed,
verified, paid — runs through the pages."""

from __future__ import annotations

import datetime as dt
import html as html_module
import re
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from grants.models import CostCategory
from tests.contract.http import changed_tables, row_counts
from tests.trials.conftest import (
    COUNTERPARTY_INN,
    add_line,
    make_selected,
    pdf,
    record_success,
    sign,
    verified_claim,
)
from trials import services
from trials.enums import AgreementState, ClaimState, EvidenceKind, LedgerKind, LineState, PayoutState
from trials.models import Agreement, ClaimLine, CostClaim, EvidenceFile, LedgerEntry, Payout, Recovery

pytestmark = pytest.mark.django_db
TODAY = dt.date.today


def signed_in(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def text_of(response) -> str:
    """The page's visible text with tags removed and spaces collapsed (for phrase assertions)."""
    html = re.sub(r"<script.*?</script>", " ", response.content.decode(), flags=re.S)
    text = " ".join(html_module.unescape(re.sub(r"<[^>]+>", " ", html)).split())
    return text.replace("\u202f", " ").replace("\u00a0", " ")


def url(name: str, *args) -> str:
    return reverse(f"trials:{name}", args=args)


def pay(payout, approver, payer, number="PO-77"):
    payout = services.payout_approve(actor=approver, payout=payout)
    return services.payout_mark_paid(
        actor=payer, payout=payout, payment_order_number=number, payment_order_date=TODAY()
    )


class World:
    """One agreement with every kind of object its pages show."""

    def __init__(self, officer, second_officer, applicant, agreement):
        self.agreement = agreement
        self.trial = agreement.trials.first()
        self.report = agreement.progress_reports.order_by("number").first()
        self.paid_claim = verified_claim(applicant, officer, agreement, number_prefix="P")
        self.payout = pay(
            services.payout_propose(actor=officer, claim=self.paid_claim), second_officer, officer
        )
        self.recovery = services.recovery_record(
            actor=officer,
            agreement=agreement,
            amount=Decimal("1000.00"),
            reason="Overstated site fee",
            due_date=TODAY() + dt.timedelta(days=30),
            payout=self.payout,
        )
        self.submitted = services.claim_create(actor=applicant, agreement=agreement)
        self.submitted_line = add_line(applicant, self.submitted, document_number="S-1")
        services.claim_submit(actor=applicant, claim=self.submitted)
        self.draft = services.claim_create(actor=applicant, agreement=agreement)
        self.draft_line = add_line(applicant, self.draft, document_number="D-1")
        self.evidence = self.draft_line.evidence.first()
        self.line = self.paid_claim.lines.first()

    def object_pages(self) -> dict[str, str]:
        """GET pages about this agreement's objects, by a short name."""
        return {
            "agreement": url("agreement", self.agreement.pk),
            "outcome": url("outcome", self.agreement.pk),
            "report": url("report", self.report.pk),
            "claim_draft": url("claim", self.draft.pk),
            "claim_paid": url("claim", self.paid_claim.pk),
            "claim_verify": url("claim_verify", self.submitted.pk),
            "claim_verified": url("claim_verify", self.paid_claim.pk),
            "payout": url("payout", self.payout.pk),
            "trial_edit": url("trial_edit", self.trial.pk),
            "recovery_create": url("recovery_create", self.agreement.pk),
            "evidence": url("evidence_download", self.evidence.pk),
        }

    def object_posts(self) -> dict[str, str]:
        """Every POST about this agreement's objects."""
        a, c, s, p, line = (
            self.agreement.pk,
            self.draft.pk,
            self.submitted.pk,
            self.payout.pk,
            self.draft_line.pk,
        )
        return {
            "agreement_sign": url("agreement_sign", a),
            "agreement_activate": url("agreement_activate", a),
            "agreement_close": url("agreement_close", a),
            "agreement_failure": url("agreement_failure", a),
            "agreement_evidence": url("agreement_evidence", a),
            "agreement_success": url("agreement_success", a),
            "outcome": url("outcome", a),
            "claim_create": url("claim_create", a),
            "recovery_create": url("recovery_create", a),
            "trial_edit": url("trial_edit", self.trial.pk),
            "report": url("report", self.report.pk),
            "report_evidence": url("report_evidence", self.report.pk),
            "claim_line_add": url("claim_line_add", c),
            "claim_submit": url("claim_submit", c),
            "claim_complete": url("claim_complete", s),
            "payout_propose": url("payout_propose", s),
            "line_delete": url("line_delete", line),
            "line_evidence": url("line_evidence", line),
            "line_verify": url("line_verify", self.submitted_line.pk),
            "payout_approve": url("payout_approve", p),
            "payout_mark_paid": url("payout_mark_paid", p),
            "payout_cancel": url("payout_cancel", p),
            "evidence_delete": url("evidence_delete", self.evidence.pk),
        }


@pytest.fixture
def world(officer, second_officer, applicant, successful_agreement):
    return World(officer, second_officer, applicant, successful_agreement)


LIST_PAGES = ("agreements", "payouts", "recoveries")
MINISTRY_LISTS = ("verification_queue", "ledger")
FIRM_ONLY = {"trial_edit"}
MINISTRY_ONLY = {"claim_verify", "claim_verified"}
OFFICER_ONLY = {"recovery_create"}


# --- every page renders for those who may see it --------------------------------------------------
@pytest.mark.parametrize("role", ["applicant", "officer", "auditor"])
def test_every_page_renders_for_the_roles_that_may_see_it(role, request, world):
    client = signed_in(request.getfixturevalue(role))
    for name, page in world.object_pages().items():
        expected = 200
        if name in FIRM_ONLY and role != "applicant":
            expected = 403
        if name in MINISTRY_ONLY and role == "applicant":
            expected = 403
        if name in OFFICER_ONLY and role != "officer":
            expected = 403
        response = client.get(page)
        assert response.status_code == expected, (name, response.status_code)
    for name in LIST_PAGES:
        assert client.get(url(name)).status_code == 200, name
    for name in MINISTRY_LISTS:
        assert client.get(url(name)).status_code == (403 if role == "applicant" else 200), name
    assert signed_in(request.getfixturevalue(role)).get(reverse("core:dashboard")).status_code == 200


def test_pages_show_money_in_roubles_and_times_in_moscow(officer, world):
    page = text_of(signed_in(officer).get(url("agreement", world.agreement.pk)))
    assert "Net paid 799 000,00 ₽" in page
    assert "Remaining cap 9 201 000,00 ₽" in page
    assert "МСК" in page
    payout_page = text_of(signed_in(officer).get(url("payout", world.payout.pk)))
    assert "Amount 800 000,00 ₽" in payout_page
    assert f"No. PO-77 of {TODAY():%d.%m.%Y}" in payout_page


def test_the_dashboard_shows_the_firm_its_agreements_and_the_officer_the_queue(applicant, officer, world):
    firm_page = text_of(signed_in(applicant).get(reverse("core:dashboard")))
    assert "My agreements" in firm_page and world.agreement.number in firm_page
    assert "Progress reports due" in firm_page
    officer_page = text_of(signed_in(officer).get(reverse("core:dashboard")))
    assert "Agreements and payouts" in officer_page
    assert f"{world.agreement.number} / {world.submitted.number}" in officer_page


def test_the_menu_offers_the_trials_pages_by_role(applicant, officer, auditor, world):
    firm_html = signed_in(applicant).get(reverse("core:dashboard")).content.decode()
    assert f'href="{url("agreements")}"' in firm_html and f'href="{url("payouts")}"' in firm_html
    assert f'href="{url("verification_queue")}"' not in firm_html
    for user in (officer, auditor):
        html = signed_in(user).get(reverse("core:dashboard")).content.decode()
        for name in ("agreements", "verification_queue", "payouts", "recoveries", "ledger"):
            assert f'href="{url(name)}"' in html, name


# --- auditors read everything and change nothing (rule 37) ----------------------------------------
ACTION_MARKS = ('data-bs-target="#confirm-', 'enctype="multipart/form-data"')


@pytest.mark.rule(37)
def test_auditors_see_no_action_buttons(auditor, officer, world):
    client = signed_in(auditor)
    pages = {
        name: page for name, page in world.object_pages().items() if name not in FIRM_ONLY | OFFICER_ONLY
    }
    pages.pop("evidence")
    for name, page in pages.items():
        html = client.get(page).content.decode()
        assert not re.search(r'<form[^>]*action="/trials/', html), name
        assert not any(mark in html for mark in ACTION_MARKS), name
        assert 'method="post" id=' not in html, name
    # The officer sees them on the same pages: the check above can fail.
    officer_html = signed_in(officer).get(url("claim_verify", world.submitted.pk)).content.decode()
    assert f'action="{url("line_verify", world.submitted_line.pk)}"' in officer_html


@pytest.mark.rule(37)
def test_auditors_posts_are_refused_and_change_nothing(auditor, world):
    client = signed_in(auditor)
    before = row_counts()
    payout_state = Payout.objects.get(pk=world.payout.pk).state
    for name, page in world.object_posts().items():
        response = client.post(page, {"reason": "x", "summary": "x", "amount": "1"})
        assert response.status_code in (403, 405), (name, response.status_code)
    assert changed_tables(before, row_counts()) == {}
    assert Payout.objects.get(pk=world.payout.pk).state == payout_state


# --- another firm and reviewers get 404 ------------------------------------------------------------
@pytest.mark.rule(13)
@pytest.mark.parametrize("who", ["other_applicant", "reviewer"])
def test_anyone_outside_the_firm_gets_404_on_each_object_page(who, request, world):
    client = signed_in(request.getfixturevalue(who))
    before = row_counts()
    for name, page in world.object_pages().items():
        response = client.get(page)
        assert response.status_code == 404, (name, response.status_code)
        assert world.agreement.organisation.name not in response.content.decode()
    for name, page in world.object_posts().items():
        response = client.post(page, {"reason": "x"})
        assert response.status_code == 404, (name, response.status_code)
    assert changed_tables(before, row_counts()) == {}


def test_another_firms_lists_do_not_show_this_firms_money(other_applicant, world):
    client = signed_in(other_applicant)
    for name in LIST_PAGES:
        response = client.get(url(name))
        assert response.status_code == 200
        assert world.agreement.number not in response.content.decode(), name
        assert not response.context["page_obj"].object_list, name
    for name in MINISTRY_LISTS:
        assert client.get(url(name)).status_code == 403


def test_officer_only_pages_refuse_the_firm_the_same_with_a_missing_id(applicant, world):
    """A refusal by role tells nothing: the firm gets 403 for its own object and for a missing one."""
    client = signed_in(applicant)
    for name, args in (("claim_verify", world.submitted.pk), ("recovery_create", world.agreement.pk)):
        assert client.get(url(name, args)).status_code == 403
    assert client.get(url("claim_verify", 999999)).status_code == 404


# --- the money story through the pages ------------------------------------------------------------
def line_data(agreement, **overrides):
    category = CostCategory.objects.get(code="site")
    data = {
        "trial": agreement.trials.first().pk,
        "category": category.pk,
        "description": "Site fees, second cohort",
        "document_date": "2025-04-10",
        "counterparty_inn": COUNTERPARTY_INN,
        "counterparty_name": "City Clinical Hospital No. 1",
        "document_number": "B-501",
        "amount": "2 500 000,00",
    }
    data.update(overrides)
    return data


def test_a_firm_files_a_claim_with_a_line_and_its_evidence(applicant, successful_agreement):
    client = signed_in(applicant)
    response = client.post(url("claim_create", successful_agreement.pk))
    claim = CostClaim.objects.get(agreement=successful_agreement)
    assert response.status_code == 302 and response["Location"] == url("claim", claim.pk)

    response = client.post(url("claim_line_add", claim.pk), line_data(successful_agreement))
    line = ClaimLine.objects.get(claim=claim)
    assert response.status_code == 302 and response["Location"].endswith(f"#line-{line.pk}")
    assert (line.amount, line.document_number, line.state) == (
        Decimal("2500000.00"),
        "B-501",
        LineState.PENDING,
    )

    page = text_of(client.get(url("claim", claim.pk)))
    assert "Evidence still missing Site fees, second cohort (B-501) : Attach the contract." in page
    for kind in (EvidenceKind.CONTRACT, EvidenceKind.ACCEPTANCE_ACT, EvidenceKind.PAYMENT_ORDER):
        response = client.post(url("line_evidence", line.pk), {"kind": kind, "file": pdf(f"{kind}.pdf")})
        assert response.status_code == 302
    assert sorted(line.evidence.values_list("kind", flat=True)) == sorted(
        [EvidenceKind.ACCEPTANCE_ACT, EvidenceKind.CONTRACT, EvidenceKind.PAYMENT_ORDER]
    )
    page = client.get(url("claim", claim.pk))
    assert "Evidence still missing" not in text_of(page)
    assert "contract.pdf" in text_of(page)
    download = client.get(url("evidence_download", line.evidence.first().pk))
    assert download.status_code == 200

    response = client.post(url("claim_submit", claim.pk))
    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.state == ClaimState.SUBMITTED and claim.verification_due_at is not None
    assert "Submitted for verification" in text_of(client.get(url("claim", claim.pk)))


def test_an_officer_verifies_proposes_and_a_second_officer_approves_and_pays(
    applicant, officer, second_officer, successful_agreement
):
    claim = services.claim_create(actor=applicant, agreement=successful_agreement)
    accepted = add_line(applicant, claim, document_number="V-1", amount=Decimal("1000000.00"))
    reduced = add_line(applicant, claim, document_number="V-2", amount=Decimal("500000.00"))
    services.claim_submit(actor=applicant, claim=claim)
    client = signed_in(officer)

    assert client.get(url("verification_queue")).context["page_obj"].object_list[0] == claim
    response = client.post(url("line_verify", accepted.pk), {f"line{accepted.pk}-decision": "accept"})
    assert response.status_code == 302
    response = client.post(
        url("line_verify", reduced.pk),
        {
            f"line{reduced.pk}-decision": "reduce",
            f"line{reduced.pk}-accepted_amount": "400 000,00",
            f"line{reduced.pk}-reason": "VAT is not compensated",
        },
    )
    assert response.status_code == 302
    accepted.refresh_from_db()
    reduced.refresh_from_db()
    assert (accepted.state, accepted.accepted_amount, accepted.verified_by) == (
        LineState.ACCEPTED, Decimal("1000000.00"), officer
    )  # fmt: skip
    assert (reduced.state, reduced.accepted_amount) == (LineState.REDUCED, Decimal("400000.00"))

    assert client.post(url("claim_complete", claim.pk)).status_code == 302
    claim.refresh_from_db()
    assert claim.state == ClaimState.VERIFIED
    assert not client.get(url("verification_queue")).context["page_obj"].object_list

    response = client.post(url("payout_propose", claim.pk))
    payout = Payout.objects.get(claim=claim)
    assert response.status_code == 302
    assert (payout.state, payout.amount) == (PayoutState.PROPOSED, Decimal("1120000.00"))  # 0.8 × 1 400 000
    page = text_of(client.get(url("payout", payout.pk)))
    assert "A second officer approves: you proposed this payout." in page  # the proposer may not approve

    second = signed_in(second_officer)
    assert second.post(url("payout_approve", payout.pk)).status_code == 302
    payout.refresh_from_db()
    assert (payout.state, payout.approved_by) == (PayoutState.APPROVED, second_officer)
    assert not LedgerEntry.objects.filter(kind=LedgerKind.PAYOUT).exists()

    response = second.post(
        url("payout_mark_paid", payout.pk),
        {"payment_order_number": "4711", "payment_order_date": TODAY().isoformat()},
    )
    assert response.status_code == 302 and response["Location"] == url("payout", payout.pk)
    payout.refresh_from_db()
    assert (payout.state, payout.payment_order_number, payout.paid_by) == (
        PayoutState.PAID, "4711", second_officer
    )  # fmt: skip
    entry = LedgerEntry.objects.get(kind=LedgerKind.PAYOUT)
    assert (entry.payout_id, entry.amount) == (payout.pk, Decimal("1120000.00"))
    firm_page = text_of(signed_in(applicant).get(url("payouts")))
    assert "1 120 000,00 ₽" in firm_page and "4711" in firm_page


@pytest.mark.rule(34)
def test_the_proposer_cannot_approve_through_the_page(officer, applicant, successful_agreement):
    claim = verified_claim(applicant, officer, successful_agreement)
    payout = services.payout_propose(actor=officer, claim=claim)
    client = signed_in(officer)
    response = client.post(url("payout_approve", payout.pk))
    assert response.status_code == 403  # the person is refused, whatever the payout's state
    assert "A second officer approves: you proposed this payout." in text_of(response)
    payout.refresh_from_db()
    assert payout.state == PayoutState.PROPOSED


def test_an_officer_draws_up_signs_starts_and_records_success_through_the_pages(officer, firm, applicant):
    application = make_selected(officer=officer, firm=firm)
    client = signed_in(officer)
    listing = client.get(url("agreements"))
    assert application in listing.context["to_draw_up"]
    assert client.get(url("agreement_create", application.pk)).status_code == 200
    response = client.post(
        url("agreement_create", application.pk), {"cap": "9 000 000,00", "reporting_interval_months": "3"}
    )
    agreement = Agreement.objects.get(application=application)
    assert response.status_code == 302 and response["Location"] == url("agreement", agreement.pk)
    assert (agreement.cap, agreement.state) == (Decimal("9000000.00"), AgreementState.DRAFT)

    response = client.post(
        url("agreement_sign", agreement.pk),
        {"signed_on": TODAY().isoformat(), "firm_signatory": "I. Petrov"},
    )
    assert response.status_code == 302
    assert client.post(url("agreement_activate", agreement.pk)).status_code == 302
    agreement.refresh_from_db()
    assert agreement.state == AgreementState.ACTIVE
    assert LedgerEntry.objects.filter(agreement=agreement, kind=LedgerKind.COMMITMENT).exists()

    for kind in (EvidenceKind.MARKETING_AUTHORISATION, EvidenceKind.EXPERT_OPINION):
        response = client.post(
            url("agreement_evidence", agreement.pk), {"kind": kind, "file": pdf(f"{kind}.pdf")}
        )
        assert response.status_code == 302
    authorisation = agreement.evidence.get(kind=EvidenceKind.MARKETING_AUTHORISATION)
    opinion = agreement.evidence.get(kind=EvidenceKind.EXPERT_OPINION)
    page = client.get(url("agreement", agreement.pk))
    assert "success_form" in page.context
    response = client.post(
        url("agreement_success", agreement.pk),
        {
            "event_kind": "marketing_authorisation",
            "authorisation_number": "ЛП-001122",
            "authorisation_date": TODAY().isoformat(),
            "authorisation_document": authorisation.pk,
            "expert_opinion": opinion.pk,
            "class_confirmed": "on",
        },
    )
    assert response.status_code == 302
    agreement.refresh_from_db()
    assert agreement.state == AgreementState.SUCCESS_VERIFIED
    firm_page = signed_in(applicant).get(url("agreement", agreement.pk))
    assert f'action="{url("claim_create", agreement.pk)}"' in firm_page.content.decode()


def test_the_firm_updates_a_trial_and_files_a_progress_report(applicant, active_agreement):
    client = signed_in(applicant)
    trial = active_agreement.trials.first()
    response = client.post(
        url("trial_edit", trial.pk),
        {
            "status": "recruiting",
            "sites": "Moscow\nKazan",
            "actual_enrolment": "12",
            "actual_start": "2025-01-15",
        },
    )
    assert response.status_code == 302
    trial.refresh_from_db()
    assert (trial.status, trial.sites, trial.actual_enrolment) == ("recruiting", ["Moscow", "Kazan"], 12)

    report = active_agreement.progress_reports.get()
    upload = client.post(url("report_evidence", report.pk), {"kind": "progress_report", "file": pdf("r.pdf")})
    assert upload.status_code == 302
    response = client.post(
        url("report", report.pk), {"summary": "Twelve enrolled at two sites.", "enrolled": "12"}
    )
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.state == "submitted"
    page = text_of(client.get(url("report", report.pk)))
    assert "Twelve enrolled at two sites." in page and "r.pdf" in page


def test_the_firm_saves_and_submits_the_outcome_report(applicant, active_agreement):
    client = signed_in(applicant)
    page = url("outcome", active_agreement.pk)
    saved = client.post(page, {"step": "save", "summary": "", "primary_endpoint_met": "true"})
    assert saved.status_code == 302
    assert '<option value="true" selected>' in client.get(page).content.decode()  # the draft comes back
    upload = client.post(page, {"step": "evidence", "kind": "outcome_report", "file": pdf("outcome.pdf")})
    assert upload.status_code == 302
    response = client.post(
        page, {"step": "submit", "summary": "Endpoint met.", "primary_endpoint_met": "true"}
    )
    assert response.status_code == 302
    text = text_of(client.get(page))
    assert "Endpoint met." in text and "outcome.pdf" in text and "Submitted" in text


def test_an_officer_records_a_recovery(officer, second_officer, applicant, successful_agreement):
    payout = pay(
        services.payout_propose(
            actor=officer, claim=verified_claim(applicant, officer, successful_agreement)
        ),
        second_officer,
        officer,
    )
    client = signed_in(officer)
    assert client.get(url("recovery_create", successful_agreement.pk)).status_code == 200
    response = client.post(
        url("recovery_create", successful_agreement.pk),
        {
            "amount": "5 000,00",
            "reason": "Duplicate invoice found in audit",
            "due_date": (TODAY() + dt.timedelta(days=30)).isoformat(),
            "payout": payout.pk,
        },
    )
    assert response.status_code == 302
    recovery = Recovery.objects.get()
    assert (recovery.amount, recovery.payout) == (Decimal("5000.00"), payout)
    entry = LedgerEntry.objects.get(kind=LedgerKind.RECOVERY)
    assert entry.amount == Decimal("-5000.00")
    assert "Duplicate invoice found in audit" in text_of(client.get(url("recoveries")))
    assert "−5 000,00 ₽" in text_of(signed_in(applicant).get(url("recoveries")))


# --- form errors are shown, not 500 ---------------------------------------------------------------
def test_a_negative_amount_is_shown_beside_the_field(applicant, successful_agreement):
    claim = services.claim_create(actor=applicant, agreement=successful_agreement)
    response = signed_in(applicant).post(
        url("claim_line_add", claim.pk), line_data(successful_agreement, amount="-100")
    )
    assert response.status_code == 400
    assert "The amount cannot be below" in text_of(response)
    assert not ClaimLine.objects.exists()


def test_the_services_refusals_are_shown_beside_their_fields(applicant, officer, successful_agreement):
    claim = services.claim_create(actor=applicant, agreement=successful_agreement)
    client = signed_in(applicant)
    outside = client.post(
        url("claim_line_add", claim.pk), line_data(successful_agreement, document_date="2023-01-01")
    )
    assert outside.status_code == 400
    assert "outside the program's eligibility window" in text_of(outside)
    bad_inn = client.post(
        url("claim_line_add", claim.pk), line_data(successful_agreement, counterparty_inn="123")
    )
    assert bad_inn.status_code == 400
    assert not ClaimLine.objects.exists()

    line = add_line(applicant, claim, document_number="E-1")
    services.claim_submit(actor=applicant, claim=claim)
    reduce_without_reason = signed_in(officer).post(
        url("line_verify", line.pk),
        {f"line{line.pk}-decision": "reduce", f"line{line.pk}-accepted_amount": "100,00"},
    )
    assert reduce_without_reason.status_code == 400
    assert "alert-danger" in reduce_without_reason.content.decode() or "invalid-feedback" in (
        reduce_without_reason.content.decode()
    )
    line.refresh_from_db()
    assert line.state == LineState.PENDING


def test_money_forms_refuse_bad_input_with_errors(officer, second_officer, applicant, successful_agreement):
    claim = verified_claim(applicant, officer, successful_agreement)
    payout = services.payout_approve(
        actor=second_officer, payout=services.payout_propose(actor=officer, claim=claim)
    )
    client = signed_in(officer)
    no_order = client.post(
        url("payout_mark_paid", payout.pk), {"payment_order_number": "", "payment_order_date": ""}
    )
    assert no_order.status_code == 400
    assert "This field is required." in text_of(no_order)
    payout.refresh_from_db()
    assert payout.state == PayoutState.APPROVED

    negative = client.post(
        url("recovery_create", successful_agreement.pk),
        {"amount": "-5", "reason": "x", "due_date": TODAY().isoformat()},
    )
    assert negative.status_code == 400
    assert "The amount cannot be below" in text_of(negative)
    too_much = client.post(
        url("recovery_create", successful_agreement.pk),
        {"amount": "99 000 000,00", "reason": "x", "due_date": TODAY().isoformat()},
    )
    assert too_much.status_code == 400
    assert not Recovery.objects.exists()

    bad_cap = client.post(url("agreement_close", successful_agreement.pk), {"reason": ""})
    assert bad_cap.status_code == 400
    assert "This field is required." in text_of(bad_cap)


def test_the_sign_form_shows_its_errors_on_the_agreement_page(officer, draft_agreement):
    response = signed_in(officer).post(
        url("agreement_sign", draft_agreement.pk), {"signed_on": "not a date", "firm_signatory": ""}
    )
    assert response.status_code == 400
    assert "Enter a valid date." in text_of(response)
    draft_agreement.refresh_from_db()
    assert draft_agreement.state == AgreementState.DRAFT


# --- list pages run a fixed number of queries ------------------------------------------------------
def grow(officer, second_officer, applicant, firm, n: int):
    """Another agreement of `firm` with a paid payout, a recovery and a submitted claim."""
    application = make_selected(officer=officer, firm=firm)
    agreement = services.agreement_create(actor=officer, application=application)
    agreement = services.agreement_activate(actor=officer, agreement=sign(agreement, officer))
    record_success(officer, agreement)
    agreement.refresh_from_db()
    claim = verified_claim(applicant, officer, agreement, number_prefix=f"G{n}")
    payout = pay(services.payout_propose(actor=officer, claim=claim), second_officer, officer, number=f"G{n}")
    services.recovery_record(
        actor=officer, agreement=agreement, amount="10", reason="Fee", due_date=TODAY(), payout=payout
    )
    submitted = services.claim_create(actor=applicant, agreement=agreement)
    add_line(applicant, submitted, document_number=f"GS-{n}")
    services.claim_submit(actor=applicant, claim=submitted)
    return agreement


def count_queries(client, page):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        response = client.get(page)
    assert response.status_code == 200
    return len(ctx.captured_queries), len(response.context["page_obj"].object_list)


@pytest.mark.parametrize(
    ("role", "names"),
    [
        ("officer", ("agreements", "verification_queue", "payouts", "recoveries", "ledger")),
        ("auditor", ("agreements", "verification_queue", "payouts", "recoveries", "ledger")),
        ("applicant", ("agreements", "payouts", "recoveries")),
    ],
)
def test_list_pages_run_the_same_queries_at_two_sizes(
    role, names, request, officer, second_officer, applicant, firm, world, django_assert_num_queries
):
    client = signed_in(request.getfixturevalue(role))
    client.get(url("agreements"))  # warm the session
    small = {name: count_queries(client, url(name)) for name in names}
    for n in range(2):
        grow(officer, second_officer, applicant, firm, n)
    for name in names:
        queries, rows = small[name]
        with django_assert_num_queries(queries):
            response = client.get(url(name))
        assert len(response.context["page_obj"].object_list) > rows, name


# --- double clicks, removals, flags ----------------------------------------------------------------
def test_a_double_click_files_one_claim_and_pays_once(
    applicant, officer, second_officer, successful_agreement
):
    client = signed_in(applicant)
    first = client.post(url("claim_create", successful_agreement.pk), {"idempotency_token": "tok-claim-1"})
    again = client.post(url("claim_create", successful_agreement.pk), {"idempotency_token": "tok-claim-1"})
    assert first["Location"] == again["Location"]
    assert CostClaim.objects.filter(agreement=successful_agreement).count() == 1

    claim = verified_claim(applicant, officer, successful_agreement, number_prefix="DC")
    payout = services.payout_approve(
        actor=second_officer, payout=services.payout_propose(actor=officer, claim=claim)
    )
    data = {
        "payment_order_number": "900",
        "payment_order_date": TODAY().isoformat(),
        "idempotency_token": "t-9",
    }
    paying = signed_in(officer)
    responses = [paying.post(url("payout_mark_paid", payout.pk), data) for _ in range(2)]
    assert [r.status_code for r in responses] == [302, 302]
    assert LedgerEntry.objects.filter(kind=LedgerKind.PAYOUT, payout=payout).count() == 1


def test_the_firm_removes_a_file_and_a_line_of_its_draft(applicant, successful_agreement):
    claim = services.claim_create(actor=applicant, agreement=successful_agreement)
    line = add_line(applicant, claim, document_number="R-1")
    client = signed_in(applicant)
    evidence = line.evidence.first()
    back = url("claim", claim.pk)
    response = client.post(url("evidence_delete", evidence.pk), {"back": back})
    assert response.status_code == 302 and response["Location"] == back
    assert not EvidenceFile.objects.filter(pk=evidence.pk).exists()
    assert line.evidence.count() == 2
    elsewhere = client.post(
        url("evidence_delete", line.evidence.first().pk), {"back": "https://evil.example/"}
    )
    assert elsewhere["Location"] == url("agreement", successful_agreement.pk)  # no open redirect
    response = client.post(url("line_delete", line.pk))
    assert response.status_code == 302 and response["Location"] == back
    assert not ClaimLine.objects.filter(pk=line.pk).exists()


def test_an_overdue_progress_report_is_flagged_on_the_pages(applicant, officer, active_agreement):
    from django.utils import timezone

    from trials.models import ProgressReport

    report = active_agreement.progress_reports.get()
    ProgressReport.objects.filter(pk=report.pk).update(overdue_at=timezone.now())
    for user in (applicant, officer):
        client = signed_in(user)
        assert "data-overdue" in client.get(url("agreement", active_agreement.pk)).content.decode()
        assert 'id="report-overdue"' in client.get(url("report", report.pk)).content.decode()


def test_outcome_files_wait_for_a_draft(applicant, active_agreement):
    client = signed_in(applicant)
    response = client.post(
        url("outcome", active_agreement.pk),
        {"step": "evidence", "kind": "outcome_report", "file": pdf()},
        follow=True,
    )
    assert "Save a draft first" in text_of(response)
    assert not active_agreement.evidence.filter(kind="outcome_report").exists()


def test_detail_pages_run_the_same_queries_for_more_claims_lines_and_payouts(
    officer, second_officer, applicant, successful_agreement, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries(client, page):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(page).status_code == 200
        return len(ctx.captured_queries)

    firm, ministry = signed_in(applicant), signed_in(officer)
    small = services.claim_create(actor=applicant, agreement=successful_agreement)
    add_line(applicant, small, document_number="Q-1")
    firm.get(url("agreements"))  # warm the sessions
    ministry.get(url("agreements"))
    counts = {
        "agreement": queries(ministry, url("agreement", successful_agreement.pk)),
        "claim": queries(firm, url("claim", small.pk)),
    }
    services.claim_submit(actor=applicant, claim=small)
    verify_small = queries(ministry, url("claim_verify", small.pk))

    big = services.claim_create(actor=applicant, agreement=successful_agreement)
    for n in range(3):
        add_line(applicant, big, document_number=f"Q-2-{n}")
    paid = verified_claim(applicant, officer, successful_agreement, number_prefix="QP")
    pay(services.payout_propose(actor=officer, claim=paid), second_officer, officer)
    with django_assert_num_queries(counts["claim"]):
        firm.get(url("claim", big.pk))
    with django_assert_num_queries(counts["agreement"]):
        ministry.get(url("agreement", successful_agreement.pk))
    services.claim_submit(actor=applicant, claim=big)
    with django_assert_num_queries(verify_small):
        ministry.get(url("claim_verify", big.pk))
