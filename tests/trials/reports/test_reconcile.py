"""Rule 35: the report's figures reconcile with the ledger at every date.

Seeded random histories (two rounds, three firms, two priority areas and "no area"; payouts,
recoveries, closings, claims verified but not yet paid, payouts approved but not yet paid) are written
through the real services over several months. Then, at the end of every day of the history, each
report grouping (round, firm, area, month) is compared with sums computed here in Python from the
ledger rows themselves, and the totals with `trials.balances.round_balances`.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from decimal import Decimal

import pytest

from tests import factories
from tests.trials.reports.conftest import MOSCOW, moscow
from trials.balances import ZERO, round_balances
from trials.enums import ACCEPTED_LINE_STATES, PayoutState
from trials.models import ClaimLine, LedgerEntry, Payout
from trials.reports import drill
from trials.reports.filters import NO_AREA, ReportFilters
from trials.reports.queries import build_report, figure_total

pytestmark = pytest.mark.django_db
LEDGER_FIGURES = {"commitment": "committed", "release": "released", "payout": "paid", "recovery": "recovered"}


def _history(book, seed: int, firms, areas):
    """A random history through the services; returns the rounds and the last day it touched."""
    rng = random.Random(seed)
    moment = moscow(2026, 1, 5)
    caps = [Decimal(rng.choice([5_000_000, 8_000_000, 12_000_000])) for _ in range(4)]
    selected = book.select(at=moment, firms=firms[:2], caps=caps[:2], budget=Decimal("60000000.00"))
    selected += book.select(
        at=moment, firms=[firms[2], firms[0]], caps=caps[2:], budget=Decimal("40000000.00")
    )
    agreements = []
    for index, application in enumerate(selected):
        moment += dt.timedelta(days=rng.randint(0, 20), hours=1)
        agreements.append(book.start(at=moment, application=application, area=[*areas, None][index % 3]))
    closed: set[int] = set()
    for _step in range(9):
        moment += dt.timedelta(days=rng.randint(1, 25), minutes=7)
        agreement = rng.choice(agreements)
        if agreement.pk in closed:
            continue
        op = rng.choice(["pay", "pay", "verify", "approve", "recover", "close"])
        amount = Decimal(rng.randint(100_000_00, 3_000_000_00)) / 100
        if op == "pay":
            book.pay(at=moment, agreement=agreement, amount=amount)
        elif op == "verify":
            book.claim(
                at=moment, agreement=agreement, amounts=(amount, (amount / 2).quantize(Decimal("0.01")))
            )
        elif op == "approve":
            claim = book.claim(at=moment, agreement=agreement, amounts=(amount,))
            book.approve(at=moment + dt.timedelta(days=1), payout=book.propose(at=moment, claim=claim))
        elif op == "recover":
            paid = sum(
                (e.amount for e in agreement.ledger_entries.filter(kind__in=["payout", "recovery"])), ZERO
            )
            if paid > 0:
                book.recover(at=moment, agreement=agreement, amount=min(amount, paid))
        elif not agreement.payouts.filter(state__in=[PayoutState.PROPOSED, PayoutState.APPROVED]).exists():
            book.close(at=moment, agreement=agreement)
            closed.add(agreement.pk)
    rounds = [selected[0].round, selected[2].round]
    return rounds, moment.date() + dt.timedelta(days=1)


def _end_of(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, tzinfo=MOSCOW)


def _group(by: str, agreement, moment: dt.datetime):
    if by == "round":
        return agreement.round_id
    if by == "firm":
        return agreement.organisation_id
    if by == "area":
        return agreement.application.priority_area_id
    local = moment.astimezone(MOSCOW).date()
    return local.replace(day=1)


def expected_figures(by: str, day: dt.date, since: dt.date | None = None) -> dict:
    """Every figure per group, summed in Python from the rows themselves (no SQL aggregate)."""
    end = _end_of(day)
    start = _end_of(since - dt.timedelta(days=1)) if since else None
    groups: dict = defaultdict(lambda: defaultdict(lambda: ZERO))

    def inside(moment):
        return moment is not None and moment < end and (start is None or moment >= start)

    for entry in LedgerEntry.objects.select_related("agreement__application"):
        if inside(entry.created_at):
            groups[_group(by, entry.agreement, entry.created_at)][LEDGER_FIGURES[entry.kind]] += abs(
                entry.amount
            )
    for line in ClaimLine.objects.select_related("claim__agreement__application"):
        if line.state in ACCEPTED_LINE_STATES and inside(line.verified_at):
            groups[_group(by, line.claim.agreement, line.verified_at)]["verified"] += line.accepted_amount
    for payout in Payout.objects.select_related("agreement__application"):
        if payout.state in (PayoutState.APPROVED, PayoutState.PAID) and inside(payout.approved_at):
            groups[_group(by, payout.agreement, payout.approved_at)]["approved"] += payout.amount
    return groups


FIGURES = ("committed", "released", "paid", "recovered", "verified", "approved")


def reported(report) -> dict:
    return {
        row.key: {name: row.figure(name) for name in FIGURES}
        for row in report.rows
        if any(row.figure(name) for name in FIGURES)
    }


@pytest.mark.rule(35)
@pytest.mark.parametrize("seed", [7, 2026])
def test_every_grouping_equals_the_sums_of_its_rows_at_every_date(book, auditor, areas, seed):
    firms = [factories.OrganisationFactory() for _ in range(3)]
    rounds, last = _history(book, seed, firms, areas)
    day = dt.date(2026, 1, 4)
    checked = 0
    while day <= last:
        for by in ("round", "firm", "area", "month"):
            report = build_report(auditor, ReportFilters(by=by, as_of=day))
            want = {
                key: {name: figures[name] for name in FIGURES}
                for key, figures in expected_figures(by, day).items()
            }
            assert reported(report) == want, (by, day)
            for name in FIGURES:
                assert report.total.figure(name) == sum((g[name] for g in want.values()), ZERO), (
                    by,
                    day,
                    name,
                )
        # The totals are the rounds' own balances (trials.balances), and the budget is what remains.
        total = build_report(auditor, ReportFilters(by="round", as_of=day)).total
        balances = [round_balances(round_, as_of=day) for round_ in rounds]
        assert total.committed == sum((b.committed for b in balances), ZERO)
        assert total.net_paid == sum((b.net_paid for b in balances), ZERO)
        assert total.uncommitted_budget == sum((b.remaining for b in balances), ZERO)
        day += dt.timedelta(days=7)
        checked += 1
    assert checked >= 8
    assert LedgerEntry.objects.filter(kind="payout").exists()


@pytest.mark.rule(35)
def test_a_period_is_the_difference_of_the_balances_at_its_ends(book, auditor, firm, areas):
    agreement = book.agreement(at=moscow(2026, 1, 10), firm=firm, area=areas[0])
    book.pay(at=moscow(2026, 2, 3), agreement=agreement, amount=Decimal("1000000.00"))
    book.pay(at=moscow(2026, 3, 15), agreement=agreement, amount=Decimal("2000000.00"))
    book.recover(at=moscow(2026, 3, 20), agreement=agreement, amount=Decimal("300000.00"))
    since, until = dt.date(2026, 2, 1), dt.date(2026, 3, 31)
    period = build_report(auditor, ReportFilters(by="round", since=since, as_of=until)).total
    before = build_report(auditor, ReportFilters(by="round", as_of=since - dt.timedelta(days=1))).total
    after = build_report(auditor, ReportFilters(by="round", as_of=until)).total
    for name in FIGURES:
        assert period.figure(name) == after.figure(name) - before.figure(name), name
    # rate 0.80 of the costs claimed: 800 000 + 1 600 000 paid, 300 000 recovered, nothing committed.
    assert (period.paid, period.recovered, period.committed) == (
        Decimal("2400000.00"), Decimal("300000.00"), ZERO
    )  # fmt: skip
    months = build_report(auditor, ReportFilters(by="month", since=since, as_of=until))
    assert [(row.label, row.paid, row.recovered) for row in months.rows] == [
        ("02.2026", Decimal("800000.00"), ZERO),
        ("03.2026", Decimal("1600000.00"), Decimal("300000.00")),
    ]


@pytest.mark.rule(35)
def test_each_drill_down_adds_up_to_the_cell_it_came_from(book, auditor, areas):
    firms = [factories.OrganisationFactory() for _ in range(2)]
    first = book.agreement(at=moscow(2026, 1, 10), firm=firms[0], area=areas[0])
    second = book.agreement(at=moscow(2026, 1, 11), firm=firms[1], area=None)
    book.pay(at=moscow(2026, 2, 1), agreement=first, amount=Decimal("1000000.00"))
    book.pay(at=moscow(2026, 2, 2), agreement=second, amount=Decimal("500000.00"))
    book.claim(at=moscow(2026, 2, 3), agreement=second, amounts=(Decimal("250000.00"),))
    book.recover(at=moscow(2026, 2, 4), agreement=first, amount=Decimal("100000.00"))
    for by in ("round", "firm", "area", "month"):
        report = build_report(auditor, ReportFilters(by=by))
        for row in report.rows:
            filters = ReportFilters.from_query(row.drill)
            for name in ("committed", "released", "verified", "approved", "paid", "recovered"):
                agreements = drill.agreements_with_figure(auditor, filters, name)
                listed = sum((drill.signed(a, name) for a in agreements), ZERO)
                assert listed == row.figure(name) == figure_total(auditor, filters, name), (
                    by,
                    row.label,
                    name,
                )
    no_area = ReportFilters(area=NO_AREA)
    assert [a.pk for a in drill.agreements_with_figure(auditor, no_area, "paid")] == [second.pk]
