"""Rule 35: the ledger is append-only and every balance is derived from it, reconciling at any date."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import DatabaseError, IntegrityError, connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.trials.conftest import make_selected_many, record_success, sign, verified_claim
from trials import services
from trials.balances import agreement_balances, as_of_q, round_balances, with_balances
from trials.enums import AgreementState, LedgerKind
from trials.models import Agreement, LedgerEntry

pytestmark = pytest.mark.django_db
MOSCOW = ZoneInfo("Europe/Moscow")


@pytest.mark.rule(35)
def test_entries_cannot_be_changed_or_deleted(officer, signed_agreement):
    entry = LedgerEntry.objects.get()
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()
    with pytest.raises(PermissionError):
        LedgerEntry.objects.filter(pk=entry.pk).update(reason="edited")
    with pytest.raises(PermissionError):
        LedgerEntry.objects.all().delete()
    for sql in ("UPDATE trials_ledgerentry SET amount = 1", "DELETE FROM trials_ledgerentry"):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql)
    entry.refresh_from_db()
    assert entry.amount == signed_agreement.cap


@pytest.mark.rule(35)
@pytest.mark.parametrize(
    ("kind", "amount"),
    [
        (LedgerKind.COMMITMENT, Decimal("-1.00")),
        (LedgerKind.RELEASE, Decimal("1.00")),
        (LedgerKind.PAYOUT, Decimal("1.00")),  # a payout entry without its payout
        (LedgerKind.RECOVERY, Decimal("-1.00")),  # a recovery entry without its recovery
        ("gift", Decimal("1.00")),
    ],
)
def test_the_database_refuses_wrong_signs_and_missing_references(draft_agreement, kind, amount):
    with pytest.raises(IntegrityError), transaction.atomic():
        LedgerEntry(
            round_id=draft_agreement.round_id, agreement=draft_agreement, kind=kind, amount=amount
        ).save()


@pytest.mark.rule(35)
def test_a_second_commitment_for_one_agreement_is_refused(officer, signed_agreement):
    with pytest.raises(IntegrityError), transaction.atomic():
        LedgerEntry(
            round_id=signed_agreement.round_id,
            agreement=signed_agreement,
            kind="commitment",
            amount=Decimal("1"),
        ).save()


@pytest.mark.rule(35)
def test_as_of_a_date_means_up_to_the_end_of_that_moscow_day(officer, draft_agreement):
    # 23:30 Moscow on 1 March is 20:30 UTC: it belongs to 1 March, not 2 March.
    with time_machine.travel(dt.datetime(2026, 3, 1, 23, 30, tzinfo=MOSCOW), tick=False):
        sign(draft_agreement, officer)
    cap = draft_agreement.cap
    assert round_balances(draft_agreement.round, as_of=dt.date(2026, 2, 28)).active_commitments == 0
    assert round_balances(draft_agreement.round, as_of=dt.date(2026, 3, 1)).active_commitments == cap
    moment = dt.datetime(2026, 3, 1, 23, 29, tzinfo=MOSCOW)
    assert agreement_balances(draft_agreement, as_of=moment).committed == 0
    assert agreement_balances(draft_agreement, as_of=moment + dt.timedelta(minutes=1)).committed == cap
    assert as_of_q(None) == as_of_q(None)  # None: everything recorded so far


# --- reconciliation over random histories ------------------------------------------------------------
START = dt.datetime(2026, 1, 10, 12, 0, tzinfo=MOSCOW)
operations = st.lists(
    st.tuples(
        st.sampled_from(["pay", "pay", "recover", "close"]),
        st.integers(min_value=0, max_value=1),  # which agreement
        st.integers(min_value=1, max_value=4_000_000_00),  # kopecks
        st.integers(min_value=0, max_value=3),  # days until the next operation
    ),
    min_size=1,
    max_size=6,
)


class Rollback(Exception):
    """Undo one generated history so the next starts from the same agreements."""


@pytest.mark.rule(35)
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(history=operations)
def test_balances_reconcile_with_the_history_at_every_date(officer, second_officer, applicant, history):
    """Random histories of payouts, recoveries and closings through the real services: at the end of
    every day, the derived balances equal what the history says happened — and the ledger's sums."""
    try:
        with transaction.atomic():
            _run_history(officer, second_officer, applicant, history)
            raise Rollback
    except Rollback:
        pass


def _run_history(officer, second_officer, applicant, history):
    caps = [Decimal("10000000.00"), Decimal("6000000.00")]
    expected: dict[dt.date, dict] = {}
    shadow = {
        i: {"cap": Decimal(0), "paid": Decimal(0), "recovered": Decimal(0), "released": Decimal(0)}
        for i in (0, 1)
    }
    closed = set()
    moment = START
    with time_machine.travel(moment, tick=False):
        agreements = []
        applications = make_selected_many(
            officer=officer,
            amounts=caps,
            firms=[applicant.organisation] * 2,
            program={"rate": Decimal("0.7500")},
        )
        round_ = applications[0].round
        for application in applications:
            agreement = services.agreement_create(actor=officer, application=application)
            agreement = services.agreement_activate(actor=officer, agreement=sign(agreement, officer))
            record_success(officer, agreement)
            agreements.append(agreement)
        for i, cap in enumerate(caps):
            shadow[i]["cap"] = cap
    expected[moment.date()] = {i: dict(s) for i, s in shadow.items()}
    for step, (op, index, kopecks, gap) in enumerate(history):
        moment = moment + dt.timedelta(days=gap, minutes=1)
        agreement, state = agreements[index], shadow[index]
        amount = Decimal(kopecks) / 100
        with time_machine.travel(moment, tick=False):
            if index in closed:
                pass
            elif op == "pay":
                claim = verified_claim(
                    applicant, officer, agreement, amounts=(amount,), number_prefix=f"H{step}"
                )
                headroom = state["cap"] - (state["paid"] - state["recovered"])
                due = min((amount * Decimal("0.75")).quantize(Decimal("0.01"), "ROUND_HALF_UP"), headroom)
                if due > 0:
                    payout = services.payout_propose(actor=officer, claim=claim)
                    assert payout.amount == due
                    payout = services.payout_approve(actor=second_officer, payout=payout)
                    services.payout_mark_paid(
                        actor=officer,
                        payout=payout,
                        payment_order_number=f"{step}",
                        payment_order_date=moment.date(),
                    )
                    state["paid"] += due
            elif op == "recover":
                net = state["paid"] - state["recovered"]
                take = min(amount, net)
                if take > 0:
                    services.recovery_record(
                        actor=officer, agreement=agreement, amount=take, reason="Audit finding",
                        due_date=moment.date() + dt.timedelta(days=10),
                    )  # fmt: skip
                    state["recovered"] += take
            else:
                services.agreement_close(actor=officer, agreement=agreement, reason="Programme ended")
                state["released"] += state["cap"] - (state["paid"] - state["recovered"])
                closed.add(index)
        expected[moment.date()] = {i: dict(s) for i, s in shadow.items()}

    days = sorted(expected)
    day, last = days[0] - dt.timedelta(days=1), None
    while day <= days[-1]:
        last = expected.get(day, last)
        _check_day(round_, agreements, day, last)
        day += dt.timedelta(days=1)


def _check_day(round_, agreements, day, shadow):
    listed = {a.pk: a for a in with_balances(Agreement.objects.filter(round=round_), as_of=day)}
    totals = {"committed": Decimal(0), "released": Decimal(0), "paid": Decimal(0), "recovered": Decimal(0)}
    for i, agreement in enumerate(agreements):
        want = shadow[i] if shadow else {"cap": 0, "paid": 0, "recovered": 0, "released": 0}
        got = agreement_balances(agreement, as_of=day)
        assert (got.committed, got.paid, got.recovered, got.released) == (
            want["cap"], want["paid"], want["recovered"], want["released"]
        ), day  # fmt: skip
        row = listed[agreement.pk]
        assert (row.ledger_committed, row.ledger_paid, -row.ledger_recovered, -row.ledger_released) == (
            want["cap"], want["paid"], want["recovered"], want["released"]
        )  # fmt: skip
        assert 0 <= got.net_paid <= got.cap
        assert got.remaining_cap >= 0
        for name in totals:
            totals[name] += getattr(got, name)
        entries = LedgerEntry.objects.filter(as_of_q(day), agreement=agreement)
        assert sum((e.amount for e in entries), Decimal(0)) == got.committed - got.released + got.net_paid
    balances = round_balances(round_, as_of=day)
    assert (balances.committed, balances.released, balances.paid, balances.recovered) == tuple(
        totals.values()
    )
    assert balances.active_commitments <= balances.budget
    assert balances.remaining == balances.budget - balances.active_commitments


@pytest.mark.rule(35)
def test_a_closed_agreement_keeps_exactly_what_it_paid(
    officer, second_officer, applicant, successful_agreement
):
    claim = verified_claim(applicant, officer, successful_agreement, amounts=(Decimal("2000000.00"),))
    payout = services.payout_propose(actor=officer, claim=claim)
    payout = services.payout_approve(actor=second_officer, payout=payout)
    services.payout_mark_paid(
        actor=officer, payout=payout, payment_order_number="77", payment_order_date=dt.date.today()
    )
    closed = services.agreement_close(actor=officer, agreement=successful_agreement, reason="Done")
    balances = agreement_balances(closed)
    assert closed.state == AgreementState.CLOSED
    assert (balances.paid, balances.active_commitments, balances.remaining_cap) == (
        Decimal("1600000.00"), Decimal("1600000.00"), 0
    )  # fmt: skip
    services.recovery_record(
        actor=officer, agreement=closed, amount="600000", reason="Ineligible VAT", due_date=dt.date.today()
    )
    balances = agreement_balances(closed)
    # The recovered money leaves the commitment too: the round's budget gets it back.
    assert (balances.net_paid, balances.active_commitments) == (Decimal("1000000.00"), Decimal("1000000.00"))
    assert round_balances(closed.round).remaining == closed.round.budget - Decimal("1000000.00")
