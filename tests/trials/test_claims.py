"""Rules 30-32: what a cost line must be and carry, one cost document accepted once anywhere, and the
officer's line-by-line verification within its SLA."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal

import pytest
import time_machine
from django.db import IntegrityError, connection, transaction

from accounts.models import User
from core.errors import Conflict, DomainError, Forbidden
from deadlines.models import Deadline, Notification
from deadlines.sweeper import sweep
from grants.models import CostCategory
from tests import factories
from tests.trials.conftest import COUNTERPARTY_INN, OTHER_INN, add_line, make_selected, record_success, sign
from trials import services
from trials.enums import ClaimState, LineState
from trials.models import ClaimLine, CostClaim

pytestmark = pytest.mark.django_db


@pytest.fixture
def claim(applicant, successful_agreement):
    return services.claim_create(actor=applicant, agreement=successful_agreement)


def refusal_field(applicant, claim, **overrides):
    with pytest.raises(DomainError) as refused:
        add_line(applicant, claim, evidence=False, **overrides)
    return refused.value


@pytest.mark.rule(30)
def test_a_complete_line_is_accepted_at_entry(applicant, claim):
    line = add_line(applicant, claim, document_number="№ a-17 ")
    assert (line.document_number, line.document_key, line.state) == ("№ a-17", "A-17", LineState.PENDING)
    assert sorted(line.evidence.values_list("kind", flat=True)) == [
        "acceptance_act",
        "contract",
        "payment_order",
    ]


@pytest.mark.rule(30)
@pytest.mark.parametrize(
    ("override", "field", "message"),
    [
        (
            {"document_date": dt.date(2023, 12, 31)},
            "document_date",
            "outside the program's eligibility window",
        ),
        (
            {"document_date": dt.date.today() + dt.timedelta(days=1)},
            "document_date",
            "cannot be in the future",
        ),
        ({"category": "inelig"}, "category", "not eligible under the program"),
        ({"counterparty_inn": "7707083890"}, "counterparty_inn", "check digit"),
        ({"counterparty_inn": "12345"}, "counterparty_inn", "10 digits"),
        ({"document_number": "  "}, "document_number", "number"),
        ({"amount": "0"}, "amount", "above zero"),
        ({"amount": "12,345"}, "amount", "two decimal places"),
        ({"description": ""}, "description", "Describe"),
    ],
)
def test_lines_outside_the_rules_are_refused_at_entry(applicant, claim, override, field, message):
    error = refusal_field(applicant, claim, **override)
    assert field in error.details
    assert message in " ".join(error.details[field])
    assert not ClaimLine.objects.exists()


@pytest.mark.rule(30)
def test_a_category_the_program_does_not_cover_is_refused(applicant, claim):
    program = claim.agreement.round.program
    program.cost_categories.remove(CostCategory.objects.get(code="equip"))
    assert "not eligible" in refusal_field(applicant, claim, category="equip").details["category"][0]


@pytest.mark.rule(30)
def test_a_trial_of_another_agreement_is_refused(officer, applicant, claim):
    other = services.agreement_create(
        actor=officer, application=make_selected(officer=officer, firm=applicant.organisation)
    )
    assert "trial" in refusal_field(applicant, claim, trial=other.trials.get()).details


@pytest.mark.rule(30)
def test_submission_needs_every_piece_of_evidence(applicant, claim):
    line = add_line(applicant, claim, evidence=False)
    services.evidence_upload(
        actor=applicant, agreement=claim.agreement, upload=_pdf("contract.pdf"), kind="contract", line=line
    )
    services.evidence_upload(
        actor=applicant, agreement=claim.agreement, upload=_pdf("upd.pdf"), kind="upd", line=line
    )
    with pytest.raises(DomainError) as refused:
        services.claim_submit(actor=applicant, claim=claim)
    assert refused.value.code == "evidence_missing"
    assert refused.value.details == {f"lines.{line.pk}": ["Attach a payment order or bank statement."]}
    services.evidence_upload(
        actor=applicant,
        agreement=claim.agreement,
        upload=_pdf("statement.pdf"),
        kind="bank_statement",
        line=line,
    )
    assert services.claim_submit(actor=applicant, claim=claim).state == ClaimState.SUBMITTED


def _pdf(name):
    from tests.trials.conftest import pdf

    return pdf(name)


@pytest.mark.rule(30)
def test_an_empty_claim_cannot_be_submitted(applicant, claim):
    with pytest.raises(DomainError) as refused:
        services.claim_submit(actor=applicant, claim=claim)
    assert refused.value.message == "Add at least one cost line."


@pytest.mark.rule(32)
def test_the_officer_decides_each_line_with_reasons(applicant, officer, claim):
    accepted = add_line(applicant, claim, document_number="1")
    reduced = add_line(applicant, claim, document_number="2")
    rejected = add_line(applicant, claim, document_number="3")
    with pytest.raises(DomainError) as refused:  # still a draft
        services.line_verify(actor=officer, line=accepted, decision="accept")
    assert refused.value.message == "Lines are verified while their claim is submitted for verification."
    services.claim_submit(actor=applicant, claim=claim)
    services.line_verify(actor=officer, line=accepted, decision="accept")
    with pytest.raises(DomainError) as refused:
        services.line_verify(actor=officer, line=reduced, decision="reduce", accepted_amount="600000")
    assert refused.value.code == "reason_required"
    with pytest.raises(DomainError) as refused:
        services.line_verify(
            actor=officer, line=reduced, decision="reduce", accepted_amount="1000000.01", reason="x"
        )
    assert refused.value.field == "accepted_amount"
    with pytest.raises(DomainError) as refused:
        services.line_verify(actor=officer, line=rejected, decision="reject")
    assert refused.value.code == "reason_required"
    with pytest.raises(DomainError) as refused:
        services.claim_complete_verification(actor=officer, claim=claim)
    assert refused.value.message == "Verify every line first."
    services.line_verify(
        actor=officer, line=reduced, decision="reduce", accepted_amount="600 000,00", reason="VAT"
    )
    services.line_verify(actor=officer, line=rejected, decision="reject", reason="Paid before the window")
    lines = {line.document_number: line for line in ClaimLine.objects.all()}
    assert [(lines[n].state, lines[n].accepted_amount, lines[n].decision_reason) for n in "123"] == [
        ("accepted", Decimal("1000000.00"), ""),
        ("reduced", Decimal("600000.00"), "VAT"),
        ("rejected", Decimal("0.00"), "Paid before the window"),
    ]
    assert lines["2"].verified_by == officer
    verified = services.claim_complete_verification(actor=officer, claim=claim)
    assert (verified.state, verified.verified_by) == (ClaimState.VERIFIED, officer)
    with pytest.raises(DomainError) as refused:  # a verified claim's lines are final
        services.line_verify(actor=officer, line=lines["3"], decision="accept")
    assert refused.value.code == "guard_failed"


@pytest.mark.rule(32)
def test_the_database_refuses_an_inconsistent_decision(applicant, claim):
    line = add_line(applicant, claim)
    for values in (
        {"state": "reduced", "accepted_amount": Decimal("1000000.01"), "decision_reason": "x"},
        {"state": "reduced", "accepted_amount": Decimal("5"), "decision_reason": ""},
        {"state": "rejected", "accepted_amount": Decimal("0"), "decision_reason": ""},
        {"state": "accepted", "accepted_amount": Decimal("5")},
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            ClaimLine.objects.filter(pk=line.pk).update(**values)


@pytest.mark.rule(32)
def test_only_officers_verify(applicant, auditor, claim):
    line = add_line(applicant, claim)
    services.claim_submit(actor=applicant, claim=claim)
    for user in (applicant, auditor):
        with pytest.raises(Forbidden):
            services.line_verify(actor=user, line=line, decision="accept")


@pytest.mark.rule(32)
def test_verification_has_an_sla_with_reminders_and_a_late_flag(applicant, officer, claim, settings):
    settings.TRIALS_VERIFICATION_SLA_DAYS = 20
    add_line(applicant, claim)
    claim = services.claim_submit(actor=applicant, claim=claim)
    assert (claim.verification_due_at - claim.submitted_at).days == 20
    assert sorted(Deadline.objects.for_target(claim).live().values_list("kind", flat=True)) == [
        "trials.claim.reminder:1",
        "trials.claim.reminder:5",
        "trials.claim.verification_due",
    ]
    User.objects.update(language="en")
    with time_machine.travel(claim.verification_due_at - dt.timedelta(days=4), tick=False):
        sweep()
    assert Notification.objects.get(kind="trials.claim.reminder").recipient == officer
    with time_machine.travel(claim.verification_due_at + dt.timedelta(minutes=1), tick=False):
        sweep()
    claim.refresh_from_db()
    assert claim.verification_overdue_at is not None
    late = Notification.objects.get(kind="trials.claim.late")
    assert "verification is late" in late.subject


@pytest.mark.rule(32)
def test_finishing_verification_in_time_cancels_the_sla(applicant, officer, claim):
    line = add_line(applicant, claim)
    claim = services.claim_submit(actor=applicant, claim=claim)
    services.line_verify(actor=officer, line=line, decision="accept")
    services.claim_complete_verification(actor=officer, claim=claim)
    assert not Deadline.objects.for_target(claim).live().exists()


# --- rule 31 ----------------------------------------------------------------------------------------
def _second_firm_claim(officer, funding_round):
    firm = factories.OrganisationFactory()
    person = factories.ApplicantFactory(organisation=firm)
    agreement = services.agreement_create(
        actor=officer, application=make_selected(officer=officer, firm=firm)
    )
    agreement = services.agreement_activate(actor=officer, agreement=sign(agreement, officer))
    record_success(officer, agreement)
    return person, services.claim_create(actor=person, agreement=agreement)


@pytest.mark.rule(31)
def test_a_document_accepted_once_is_refused_everywhere(applicant, officer, claim, funding_round):
    line = add_line(applicant, claim)
    services.claim_submit(actor=applicant, claim=claim)
    services.line_verify(actor=officer, line=line, decision="accept")

    # The same firm, a new claim: refused at entry, naming the claim that used it.
    second = services.claim_create(actor=applicant, agreement=claim.agreement)
    with pytest.raises(Conflict) as refused:
        add_line(applicant, second, document_number="№ a-17")  # the same number typed differently
    assert refused.value.code == "document_already_used"
    assert f"claim {claim}" in refused.value.message
    # Another firm: refused too, without naming the other firm's claim.
    person, foreign = _second_firm_claim(officer, funding_round)
    with pytest.raises(Conflict) as refused:
        add_line(person, foreign)
    assert (
        refused.value.message == "This cost document already backs an accepted line of another firm's claim."
    )
    # A different amount, date or counterparty is a different document.
    add_line(applicant, second, amount=Decimal("999999.99"), evidence=False)
    add_line(applicant, second, document_date=dt.date(2025, 3, 15), evidence=False)
    add_line(applicant, second, counterparty_inn=OTHER_INN, evidence=False)


@pytest.mark.rule(31)
def test_of_two_pending_lines_with_one_document_only_one_is_accepted(
    applicant, officer, claim, funding_round
):
    person, foreign = _second_firm_claim(officer, funding_round)
    mine = add_line(applicant, claim)
    theirs = add_line(person, foreign)  # nobody has accepted it yet: entry is allowed
    services.claim_submit(actor=applicant, claim=claim)
    services.claim_submit(actor=person, claim=foreign)
    services.line_verify(actor=officer, line=theirs, decision="reduce", accepted_amount="10", reason="Partly")
    with pytest.raises(Conflict) as refused:
        services.line_verify(actor=officer, line=mine, decision="accept")
    assert (
        refused.value.message
        == f"This cost document already backs accepted line {theirs.pk} of claim {foreign}."
    )
    assert refused.value.details == {"claim": foreign.pk, "line": theirs.pk}
    # Rejecting it is still possible, and a rejected line does not spend the document.
    services.line_verify(actor=officer, line=mine, decision="reject", reason="Already compensated")
    services.line_verify(actor=officer, line=theirs, decision="reject", reason="Wrong firm")
    services.line_verify(actor=officer, line=mine, decision="accept")


@pytest.mark.rule(31)
def test_the_database_keeps_one_accepted_line_per_document(applicant, officer, claim, funding_round):
    person, foreign = _second_firm_claim(officer, funding_round)
    first, second = add_line(applicant, claim), add_line(person, foreign)
    ClaimLine.objects.filter(pk=first.pk).update(state="accepted", accepted_amount=first.amount)
    with pytest.raises(IntegrityError), transaction.atomic():
        ClaimLine.objects.filter(pk=second.pk).update(state="accepted", accepted_amount=second.amount)


@pytest.mark.rule(31)
@pytest.mark.django_db(transaction=True)
def test_two_officers_accepting_one_document_at_once(officer, second_officer, applicant, funding_round):
    agreement = services.agreement_create(
        actor=officer,
        application=make_selected(officer=officer, firm=applicant.organisation),
    )
    agreement = services.agreement_activate(actor=officer, agreement=sign(agreement, officer))
    record_success(officer, agreement)
    claim = services.claim_create(actor=applicant, agreement=agreement)
    person, foreign = _second_firm_claim(officer, funding_round)
    lines = [add_line(applicant, claim), add_line(person, foreign)]
    services.claim_submit(actor=applicant, claim=claim)
    services.claim_submit(actor=person, claim=foreign)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def accept(line, who):
        try:
            barrier.wait(timeout=10)
            services.line_verify(actor=who, line=line, decision="accept")
            outcomes.append("accepted")
        except Conflict as exc:
            outcomes.append(exc.code)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=accept, args=pair)
        for pair in zip(lines, (officer, second_officer), strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["accepted", "document_already_used"]
    assert ClaimLine.objects.filter(state="accepted").count() == 1
    assert COUNTERPARTY_INN and CostClaim.objects.count() == 2
