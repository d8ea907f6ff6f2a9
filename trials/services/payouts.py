"""Payouts (rules 33-34) and recoveries. Every step locks the agreement's row first, so parallel
payouts on one agreement are serial and never pass its cap; the ledger entry is written when the
money is marked paid, and paid money is never edited — a recovery is a new negative entry."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.services import record_event
from core.errors import Conflict, DomainError
from core.money import format_roubles
from core.workflow import perform
from grants.services._common import Problems, money
from trials.balances import agreement_balances
from trials.enums import OUTSTANDING_PAYOUT_STATES, AgreementState, ClaimState, LedgerKind, PayoutState
from trials.formula import payout_amount
from trials.models import Agreement, CostClaim, Payout, Recovery
from trials.policy import require_officer
from trials.services._common import clean_text, ledger_append, lock_agreement, sum_money
from trials.workflow import PAYOUT_WORKFLOW

ZERO = Decimal("0.00")


def _promised(agreement: Agreement, *, states: tuple[str, ...], exclude: Payout | None = None) -> Decimal:
    """What other payouts not yet paid already hold of the cap."""
    qs = Payout.objects.filter(agreement=agreement, state__in=states)
    if exclude is not None:
        qs = qs.exclude(pk=exclude.pk)
    return sum_money(qs, "amount")


def _cap_refusal(amount: Decimal, headroom: Decimal) -> Conflict:
    return Conflict(
        "cap_exceeded",
        _("Paying %(amount)s would take the agreement past its cap: %(headroom)s is left.")
        % {"amount": format_roubles(amount), "headroom": format_roubles(max(headroom, ZERO))},
        details={"amount": str(amount), "headroom": str(headroom)},
    )


def accepted_total(claim: CostClaim) -> Decimal:
    return sum_money(claim.lines.all(), "accepted_amount")


def payout_propose(*, actor: Any, claim: CostClaim) -> Payout:
    """Propose the payout of a verified claim by the one formula (trials.formula)."""
    require_officer(actor)
    with transaction.atomic():
        agreement = lock_agreement(claim.agreement_id)
        claim = CostClaim.objects.select_for_update().get(pk=claim.pk, agreement=agreement)
        if agreement.state != AgreementState.SUCCESS_VERIFIED:
            raise Conflict(
                "not_payable", _("Payouts are made only on an agreement whose success is verified.")
            )
        if claim.state != ClaimState.VERIFIED:
            raise Conflict("claim_not_verified", _("Only a verified claim can be paid."))
        if claim.payouts.exclude(state=PayoutState.CANCELLED).exists():
            raise Conflict("payout_exists", _("This claim already has a payout."))
        total = accepted_total(claim)
        if total <= 0:
            raise Conflict(
                "nothing_accepted", _("No amount of this claim was accepted: there is nothing to pay.")
            )
        balances = agreement_balances(agreement)
        rate = agreement.round.program.rate
        promised = _promised(agreement, states=OUTSTANDING_PAYOUT_STATES)
        amount = payout_amount(
            rate=rate, accepted_total=total, cap=balances.cap, net_paid=balances.net_paid + promised
        )
        if amount <= 0:
            raise Conflict("cap_reached", _("The agreement's cap is reached: nothing more can be paid."))
        payout = Payout.objects.create(
            agreement=agreement,
            claim=claim,
            accepted_total=total,
            rate=rate,
            amount=amount,
            proposed_by=actor,
            proposed_at=timezone.now(),
        )
        record_event(
            actor=actor,
            action="payout.propose",
            obj=payout,
            after={
                "agreement": agreement.pk,
                "claim": claim.pk,
                "accepted_total": total,
                "rate": rate,
                "cap": balances.cap,
                "net_paid": balances.net_paid,
                "promised": promised,
                "amount": amount,
                "state": payout.state,
            },
        )
    return payout


def payout_approve(*, actor: Any, payout: Payout) -> Payout:
    """A second officer (neither the proposer nor the claim's verifier) approves. Of two officers
    approving at once, one wins; the other gets a conflict."""
    require_officer(actor)
    with transaction.atomic():
        agreement = lock_agreement(payout.agreement_id)
        balances = agreement_balances(agreement)
        headroom = balances.remaining_cap - _promised(
            agreement, states=(PayoutState.APPROVED,), exclude=payout
        )
        current = Payout.objects.select_related("claim", "agreement").get(pk=payout.pk)
        if current.state == PayoutState.PROPOSED and current.amount > headroom:
            raise _cap_refusal(current.amount, headroom)
        return perform(
            PAYOUT_WORKFLOW,
            _as_seen(current, payout),
            "approve",
            actor=actor,
            changes={"approved_by": actor, "approved_at": timezone.now()},
        )


def _as_seen(current: Payout, seen: Payout) -> Payout:
    """The fresh row, but in the state the caller saw: a state changed meanwhile is a conflict."""
    current.state = seen.state
    return current


def payout_mark_paid(
    *, actor: Any, payout: Payout, payment_order_number: str, payment_order_date: dt.date
) -> Payout:
    """Record the payment order; the payout entry goes into the ledger (never edited afterwards)."""
    require_officer(actor)
    problems = Problems()
    number = clean_text(payment_order_number, limit=32)
    if not number:
        problems.add("payment_order_number", _("Enter the payment order number."))
    if not isinstance(payment_order_date, dt.date) or isinstance(payment_order_date, dt.datetime):
        problems.add("payment_order_date", _("Enter the payment order date."))
    elif payment_order_date > timezone.localdate():
        problems.add("payment_order_date", _("The payment order date cannot be in the future."))
    problems.raise_if_any()
    with transaction.atomic():
        agreement = lock_agreement(payout.agreement_id)
        current = Payout.objects.select_related("claim", "agreement").get(pk=payout.pk)
        balances = agreement_balances(agreement)
        if current.state == PayoutState.APPROVED and current.amount > balances.remaining_cap:
            raise _cap_refusal(current.amount, balances.remaining_cap)
        paid = perform(
            PAYOUT_WORKFLOW,
            _as_seen(current, payout),
            "mark_paid",
            actor=actor,
            changes={
                "paid_by": actor,
                "paid_at": timezone.now(),
                "payment_order_number": number,
                "payment_order_date": payment_order_date,
            },
        )
        ledger_append(
            kind=LedgerKind.PAYOUT,
            agreement=agreement,
            amount=paid.amount,
            actor=actor,
            payout=paid,
            reason=str(_("Payment order %(number)s of %(date)s"))
            % {"number": number, "date": payment_order_date.strftime("%d.%m.%Y")},
        )
    return paid


def payout_cancel(*, actor: Any, payout: Payout, reason: str) -> Payout:
    """Withdraw a proposal or an approval that was not paid, with a reason."""
    require_officer(actor)
    reason = clean_text(reason)
    with transaction.atomic():
        lock_agreement(payout.agreement_id)
        current = Payout.objects.get(pk=payout.pk)
        return perform(
            PAYOUT_WORKFLOW, _as_seen(current, payout), "cancel", actor=actor, reason=reason,
            changes={"cancel_reason": reason},
        )  # fmt: skip


def recovery_record(
    *,
    actor: Any,
    agreement: Agreement,
    amount: Decimal | str,
    reason: str,
    due_date: dt.date,
    payout: Payout | None = None,
) -> Recovery:
    """Demand money back: a new negative ledger entry, at most the net paid (rule 34). On a closed
    agreement the recovered amount also leaves the commitment, so the round's budget gets it back."""
    require_officer(actor)
    problems = Problems()
    value = money(amount, "amount", problems)
    if value is not None and value <= 0:
        problems.add("amount", _("The amount must be above zero."))
    reason = clean_text(reason)
    if not reason:
        problems.add("reason", _("Give the reason for the recovery."))
    if not isinstance(due_date, dt.date) or isinstance(due_date, dt.datetime):
        problems.add("due_date", _("Enter the date by which the money is to be repaid."))
    elif due_date < timezone.localdate():
        problems.add("due_date", _("The repayment date cannot be in the past."))
    problems.raise_if_any()
    with transaction.atomic():
        agreement = lock_agreement(agreement)
        if payout is not None and (payout.agreement_id != agreement.pk or payout.state != PayoutState.PAID):
            raise DomainError("invalid", _("Choose a paid payout of this agreement."), "payout")
        balances = agreement_balances(agreement)
        if value > balances.net_paid:
            raise DomainError(
                "recovery_exceeds_paid",
                _("A recovery is at most what was paid net of earlier recoveries: %(paid)s.")
                % {"paid": format_roubles(balances.net_paid)},
                "amount",
            )
        recovery = Recovery(
            agreement=agreement,
            payout=payout,
            amount=value,
            reason=reason,
            due_date=due_date,
            created_by=actor,
            created_at=timezone.now(),
        )
        recovery.save(force_insert=True)
        record_event(
            actor=actor,
            action="recovery.record",
            obj=recovery,
            after={
                "agreement": agreement.pk,
                "amount": value,
                "due_date": due_date,
                "payout": recovery.payout_id,
            },
            reason=reason,
        )
        ledger_append(
            kind=LedgerKind.RECOVERY,
            agreement=agreement,
            amount=-value,
            actor=actor,
            recovery=recovery,
            reason=reason,
        )
        if agreement.state == AgreementState.CLOSED:
            ledger_append(
                kind=LedgerKind.RELEASE,
                agreement=agreement,
                amount=-value,
                actor=actor,
                recovery=recovery,
                reason=reason,
            )
    return recovery
