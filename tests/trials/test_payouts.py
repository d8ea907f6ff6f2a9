"""Rules 33-34: payouts by the one formula, approved by a second officer, marked paid with the payment
order; paid money never edited; recoveries as new negative entries, at most the net paid."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import DatabaseError, connection, transaction

from core.errors import Conflict, DomainError, Forbidden
from tests import factories
from tests.trials.conftest import CAP, make_selected, race, record_success, sign, verified_claim
from trials import services
from trials.balances import agreement_balances
from trials.enums import LedgerKind, PayoutState
from trials.models import LedgerEntry, Payout, Recovery

pytestmark = pytest.mark.django_db
TODAY = dt.date.today


def pay(payout, approver, payer, number="1001"):
    payout = services.payout_approve(actor=approver, payout=payout)
    return services.payout_mark_paid(
        actor=payer, payout=payout, payment_order_number=number, payment_order_date=TODAY()
    )


@pytest.mark.rule(33)
def test_the_payout_is_rate_times_accepted_rounded_half_up(
    officer, second_officer, applicant, successful_agreement
):
    # rate 0.8; 1 234 567.89 + 0.01 accepted -> 0.8 × 1 234 567.90 = 987 654.32
    claim = verified_claim(
        applicant, officer, successful_agreement, amounts=(Decimal("1234567.89"), Decimal("0.01"))
    )
    payout = services.payout_propose(actor=officer, claim=claim)
    assert (payout.accepted_total, payout.rate, payout.amount, payout.state) == (
        Decimal("1234567.90"), Decimal("0.8000"), Decimal("987654.32"), PayoutState.PROPOSED
    )  # fmt: skip
    assert not LedgerEntry.objects.filter(kind=LedgerKind.PAYOUT).exists()  # nothing moves before payment
    paid = pay(payout, second_officer, officer)
    entry = LedgerEntry.objects.get(kind=LedgerKind.PAYOUT)
    assert (entry.amount, entry.payout, paid.payment_order_number) == (Decimal("987654.32"), paid, "1001")
    assert agreement_balances(successful_agreement).net_paid == Decimal("987654.32")


@pytest.mark.rule(33)
def test_reduced_and_rejected_lines_count_by_their_accepted_amount(officer, applicant, successful_agreement):
    from tests.trials.conftest import add_line

    claim = services.claim_create(actor=applicant, agreement=successful_agreement)
    lines = [add_line(applicant, claim, document_number=str(n)) for n in range(3)]
    services.claim_submit(actor=applicant, claim=claim)
    services.line_verify(actor=officer, line=lines[0], decision="accept")
    services.line_verify(
        actor=officer, line=lines[1], decision="reduce", accepted_amount="250000", reason="VAT"
    )
    services.line_verify(actor=officer, line=lines[2], decision="reject", reason="Duplicate")
    services.claim_complete_verification(actor=officer, claim=claim)
    payout = services.payout_propose(actor=officer, claim=claim)
    assert (payout.accepted_total, payout.amount) == (Decimal("1250000.00"), Decimal("1000000.00"))


@pytest.mark.rule(33)
def test_payouts_stop_at_the_cap(officer, second_officer, applicant, successful_agreement):
    # cap 10 000 000; each claim 5 000 000 accepted -> 4 000 000 at rate 0.8
    amounts = []
    for n in range(3):
        claim = verified_claim(
            applicant, officer, successful_agreement, amounts=(Decimal("5000000"),), number_prefix=f"C{n}"
        )
        payout = services.payout_propose(actor=officer, claim=claim)  # the third is held to what is left
        amounts.append(payout.amount)
        if n == 1:
            pay(payout, second_officer, officer, number=f"{n}")
    assert amounts == [Decimal("4000000.00"), Decimal("4000000.00"), Decimal("2000000.00")]
    fourth = verified_claim(
        applicant, officer, successful_agreement, amounts=(Decimal("1"),), number_prefix="D"
    )
    with pytest.raises(Conflict) as refused:
        services.payout_propose(actor=officer, claim=fourth)
    assert refused.value.code == "cap_reached"
    # Cancelling an unpaid proposal frees its share of the cap.
    first = Payout.objects.order_by("pk").first()
    services.payout_cancel(actor=officer, payout=first, reason="Bank details wrong")
    assert services.payout_propose(actor=officer, claim=fourth).amount == Decimal("0.80")


@pytest.mark.rule(33)
def test_one_live_payout_per_claim_and_nothing_for_unverified_claims(
    officer, applicant, successful_agreement
):
    from tests.trials.conftest import add_line

    claim = services.claim_create(actor=applicant, agreement=successful_agreement)
    add_line(applicant, claim)
    with pytest.raises(Conflict) as refused:
        services.payout_propose(actor=officer, claim=claim)
    assert refused.value.code == "claim_not_verified"
    verified = verified_claim(applicant, officer, successful_agreement, number_prefix="V")
    services.payout_propose(actor=officer, claim=verified)
    with pytest.raises(Conflict) as refused:
        services.payout_propose(actor=officer, claim=verified)
    assert refused.value.code == "payout_exists"


@pytest.mark.rule(34)
def test_a_second_officer_approves(officer, second_officer, applicant, successful_agreement):
    claim = verified_claim(applicant, officer, successful_agreement)
    proposed_by_other = services.payout_propose(actor=second_officer, claim=claim)
    with pytest.raises(DomainError) as refused:  # officer verified the claim's lines
        services.payout_approve(actor=officer, payout=proposed_by_other)
    assert refused.value.message == "A second officer approves: you verified this claim."
    with pytest.raises(DomainError) as refused:
        services.payout_approve(actor=second_officer, payout=proposed_by_other)
    assert refused.value.message == "A second officer approves: you proposed this payout."
    third = factories.OfficerFactory(organisation=officer.organisation)
    approved = services.payout_approve(actor=third, payout=proposed_by_other)
    assert (approved.state, approved.approved_by) == (PayoutState.APPROVED, third)


@pytest.mark.rule(34)
def test_marking_paid_needs_the_payment_order(officer, second_officer, applicant, successful_agreement):
    payout = services.payout_propose(
        actor=officer, claim=verified_claim(applicant, officer, successful_agreement)
    )
    with pytest.raises(DomainError) as refused:  # not approved yet
        services.payout_mark_paid(
            actor=officer, payout=payout, payment_order_number="1", payment_order_date=TODAY()
        )
    assert refused.value.code == "invalid_transition"
    payout = services.payout_approve(actor=second_officer, payout=payout)
    with pytest.raises(DomainError) as refused:
        services.payout_mark_paid(
            actor=officer, payout=payout, payment_order_number=" ", payment_order_date=None
        )
    assert set(refused.value.details) == {"payment_order_number", "payment_order_date"}
    assert not LedgerEntry.objects.filter(kind=LedgerKind.PAYOUT).exists()


@pytest.mark.rule(34)
def test_money_already_paid_is_never_edited(officer, second_officer, applicant, successful_agreement):
    paid = pay(services.payout_propose(actor=officer, claim=verified_claim(applicant, officer, successful_agreement)),
               second_officer, officer)  # fmt: skip
    with pytest.raises(DatabaseError, match="never edited"), transaction.atomic():
        Payout.objects.filter(pk=paid.pk).update(amount=Decimal("1"))
    with (
        pytest.raises(DatabaseError, match="never deleted"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM trials_payout")
    with pytest.raises(DomainError):
        services.payout_cancel(actor=officer, payout=paid, reason="Oops")
    paid.refresh_from_db()
    assert (paid.state, paid.amount) == (PayoutState.PAID, Decimal("800000.00"))


@pytest.mark.rule(34)
def test_a_recovery_is_a_new_negative_entry_at_most_the_net_paid(
    officer, second_officer, applicant, successful_agreement
):
    paid = pay(services.payout_propose(actor=officer, claim=verified_claim(applicant, officer, successful_agreement)),
               second_officer, officer)  # fmt: skip
    with pytest.raises(DomainError) as refused:
        services.recovery_record(
            actor=officer, agreement=successful_agreement, amount="800000.01", reason="x", due_date=TODAY()
        )
    assert refused.value.code == "recovery_exceeds_paid"
    with pytest.raises(DomainError) as refused:
        services.recovery_record(
            actor=officer, agreement=successful_agreement, amount="1", reason="", due_date=None
        )
    assert set(refused.value.details) == {"reason", "due_date"}
    due = TODAY() + dt.timedelta(days=10)
    recovery = services.recovery_record(
        actor=officer,
        agreement=successful_agreement,
        amount="300000",
        reason="Ineligible VAT",
        due_date=due,
        payout=paid,
    )
    entry = LedgerEntry.objects.get(kind=LedgerKind.RECOVERY)
    assert (entry.amount, entry.recovery, entry.reason) == (Decimal("-300000.00"), recovery, "Ineligible VAT")
    assert recovery.due_date == due
    balances = agreement_balances(successful_agreement)
    assert (balances.paid, balances.recovered, balances.net_paid) == (
        Decimal("800000.00"), Decimal("300000.00"), Decimal("500000.00")
    )  # fmt: skip
    paid.refresh_from_db()
    assert paid.amount == Decimal("800000.00")  # the payout itself is untouched
    with pytest.raises(DomainError):
        services.recovery_record(
            actor=officer, agreement=successful_agreement, amount="500000.01", reason="x", due_date=due
        )
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        Recovery.objects.filter(pk=recovery.pk).update(amount=Decimal("1"))


def test_only_officers_move_money(officer, applicant, auditor, successful_agreement):
    claim = verified_claim(applicant, officer, successful_agreement)
    for user in (applicant, auditor):
        with pytest.raises(Forbidden):
            services.payout_propose(actor=user, claim=claim)
        with pytest.raises(Forbidden):
            services.recovery_record(
                actor=user, agreement=successful_agreement, amount="1", reason="x", due_date=TODAY()
            )


# --- concurrency on PostgreSQL ------------------------------------------------------------------------
def _successful(officer, firm):
    agreement = services.agreement_create(
        actor=officer, application=make_selected(officer=officer, firm=firm)
    )
    agreement = services.agreement_activate(actor=officer, agreement=sign(agreement, officer))
    record_success(officer, agreement)
    agreement.refresh_from_db()
    return agreement


@pytest.mark.rule(34)
@pytest.mark.django_db(transaction=True)
def test_two_officers_approving_one_payout_one_wins(officer, applicant, ministry):
    agreement = _successful(officer, applicant.organisation)
    payout = services.payout_propose(actor=officer, claim=verified_claim(applicant, officer, agreement))
    approvers = [factories.OfficerFactory(organisation=ministry) for _ in range(2)]
    outcomes = race([lambda who=who: services.payout_approve(actor=who, payout=payout) for who in approvers])
    assert outcomes == ["409:stale_state", "ok"]
    payout.refresh_from_db()
    assert payout.state == PayoutState.APPROVED and payout.approved_by in approvers


@pytest.mark.rule(33)
@pytest.mark.django_db(transaction=True)
def test_parallel_payouts_on_one_agreement_never_pass_the_cap(officer, applicant, ministry):
    agreement = _successful(officer, applicant.organisation)
    claims = [
        verified_claim(applicant, officer, agreement, amounts=(Decimal("3000000"),), number_prefix=f"P{n}")
        for n in range(6)
    ]  # 6 × 2 400 000 wanted against a cap of 10 000 000
    proposers = [factories.OfficerFactory(organisation=ministry) for _ in claims]
    race(
        [
            lambda c=c, who=who: services.payout_propose(actor=who, claim=c)
            for c, who in zip(claims, proposers, strict=True)
        ]
    )
    payouts = list(Payout.objects.filter(agreement=agreement).order_by("pk"))
    assert sum(p.amount for p in payouts) == CAP  # 2.4M × 4 + 0.4M, then cap reached
    approver, payer = (factories.OfficerFactory(organisation=ministry) for _ in range(2))
    for payout in payouts:
        services.payout_approve(actor=approver, payout=payout)

    def mark(payout, n):
        payout.refresh_from_db()
        services.payout_mark_paid(
            actor=payer, payout=payout, payment_order_number=str(n), payment_order_date=TODAY()
        )

    assert race([lambda p=p, n=n: mark(p, n) for n, p in enumerate(payouts)]) == ["ok"] * len(payouts)
    balances = agreement_balances(agreement)
    assert balances.paid == CAP and balances.remaining_cap == 0
