"""The money rollups are derived state: at every date they equal the sums of the rows they stand for.

Random histories are written through the real services (payouts proposed, approved, paid and
cancelled; claim lines accepted, reduced, rejected and decided again on a later day; recoveries,
closings). Then the rollup is compared with the ledger entries, accepted claim lines and approved
payouts themselves: row by row (agreement, Moscow day, kind; and round, firm, area, month, kind for
the monthly rollup), cumulatively at the end of every day, and through the report, whose figures must
be those the rows give (`queries.detail_groups`) for windows that start and end inside months, on
their first and last days, and across them.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from decimal import Decimal

import pytest
import time_machine
from django.db import connection, transaction
from django.db.models import Sum
from django.utils import timezone

from core.errors import DomainError
from grants.models import Application
from tests import factories
from tests.trials.conftest import add_line, race
from tests.trials.reports.conftest import MOSCOW, moscow
from trials import services
from trials.balances import ZERO
from trials.enums import ACCEPTED_LINE_STATES, PayoutState
from trials.models import Agreement, ClaimLine, LedgerEntry, MoneyMonth, MoneyRollup, Payout
from trials.reports.filters import NO_AREA, ReportFilters
from trials.reports.queries import build_report, chart_data, detail_groups, report_groups

pytestmark = pytest.mark.django_db
APPROVED_STATES = (PayoutState.APPROVED, PayoutState.PAID)


def _day(moment: dt.datetime) -> dt.date:
    return moment.astimezone(MOSCOW).date()


def expected_rollup() -> dict[tuple[int, dt.date, str], tuple[Decimal, int]]:
    """{(agreement, Moscow day, kind): (Σ amount, rows)} summed in Python from the source rows."""
    sums: dict = defaultdict(lambda: [ZERO, 0])

    def add(key, amount):
        sums[key][0] += amount
        sums[key][1] += 1

    for entry in LedgerEntry.objects.all():
        add((entry.agreement_id, _day(entry.created_at), entry.kind), entry.amount)
    for line in ClaimLine.objects.select_related("claim"):
        if line.state in ACCEPTED_LINE_STATES:
            add((line.claim.agreement_id, _day(line.verified_at), "verified"), line.accepted_amount)
    for payout in Payout.objects.all():
        if payout.state in APPROVED_STATES:
            add((payout.agreement_id, _day(payout.approved_at), "approved"), payout.amount)
    return {key: (amount, count) for key, (amount, count) in sums.items()}


def expected_months() -> dict[tuple, tuple[Decimal, int]]:
    """{(round, firm, area, month, kind): (Σ amount, rows)}: the expected daily rollup summed again by
    each agreement's current round, firm and area and by month."""
    groups = {
        a.pk: (a.round_id, a.organisation_id, a.application.priority_area_id)
        for a in Agreement.objects.select_related("application")
    }
    sums: dict = defaultdict(lambda: [ZERO, 0])
    for (agreement, day, kind), (amount, count) in expected_rollup().items():
        key = (*groups[agreement], day.replace(day=1), kind)
        sums[key][0] += amount
        sums[key][1] += count
    return {key: (amount, count) for key, (amount, count) in sums.items()}


def _stored(rows, key) -> dict[tuple, tuple[Decimal, int]]:
    """{key(row): (amount, entries)} of the rows that stand for something; a row of nothing must hold
    nothing."""
    stored = {}
    for row in rows:
        if row.entries == 0:
            assert row.amount == ZERO, row
            continue
        stored[key(row)] = (row.amount, row.entries)
    return stored


def stored_months() -> dict[tuple, tuple[Decimal, int]]:
    return _stored(
        MoneyMonth.objects.all(), lambda r: (r.round_id, r.organisation_id, r.area_id, r.month, r.kind)
    )


def stored_rollup() -> dict[tuple[int, dt.date, str], tuple[Decimal, int]]:
    return _stored(MoneyRollup.objects.all(), lambda r: (r.agreement_id, r.day, r.kind))


class History:
    """A random money history through the services, one step per (advancing) moment."""

    def __init__(self, book, seed: int, firms, areas) -> None:
        self.book = book
        self.rng = random.Random(seed)
        self.moment = moscow(2026, 1, 5, hour=1)  # early Moscow morning: the UTC day is the day before
        self.documents = 0
        caps = [Decimal(self.rng.choice([5_000_000, 8_000_000, 12_000_000])) for _ in range(4)]
        selected = book.select(at=self.moment, firms=firms[:2], caps=caps[:2], budget=Decimal("60000000.00"))
        selected += book.select(
            at=self.moment, firms=[firms[2], firms[0]], caps=caps[2:], budget=Decimal("40000000.00")
        )
        self.agreements = []
        for index, application in enumerate(selected):
            self.tick(days=(0, 10))
            area = [*areas, None][index % 3]
            self.agreements.append(book.start(at=self.moment, application=application, area=area))
        self.closed: set[int] = set()
        self.pending_lines: list[ClaimLine] = []  # decided lines of claims still under verification
        self.approved: list[Payout] = []

    def tick(self, days=(1, 12)) -> None:
        self.moment += dt.timedelta(days=self.rng.randint(*days), hours=self.rng.choice([0, 5, 11, 22]))

    def at(self):
        return time_machine.travel(self.moment, tick=False)

    def submitted_claim(self, agreement, amounts):
        applicant = self.book.applicant_of(agreement.organisation)
        claim = services.claim_create(actor=applicant, agreement=agreement)
        lines = []
        for amount in amounts:
            self.documents += 1
            lines.append(add_line(applicant, claim, amount=amount, document_number=f"R-{self.documents}"))
        services.claim_submit(actor=applicant, claim=claim)
        return claim, lines

    def decide(self, line) -> None:
        decision = self.rng.choice(["accept", "accept", "reduce", "reject"])
        extra = {}
        if decision == "reduce":
            extra = {
                "accepted_amount": (line.amount / 3).quantize(Decimal("0.01")),
                "reason": "Partly eligible",
            }
        elif decision == "reject":
            extra = {"reason": "Not eligible"}
        services.line_verify(actor=self.book.officer, line=line, decision=decision, **extra)

    def step(self) -> None:
        self.tick()
        agreement = self.rng.choice(self.agreements)
        op = self.rng.choice(["pay", "pay", "lines", "redecide", "approve", "cancel", "recover", "close"])
        amount = Decimal(self.rng.randint(100_000_00, 2_000_000_00)) / 100
        if agreement.pk in self.closed and op not in ("redecide", "cancel"):
            return
        if op == "pay":
            self.book.pay(at=self.moment, agreement=agreement, amount=amount)
        elif op == "lines":
            with self.at():
                _claim, lines = self.submitted_claim(
                    agreement, (amount, (amount / 2).quantize(Decimal("0.01")))
                )
                for line in lines:
                    self.decide(line)
            self.pending_lines += lines
        elif op == "redecide" and self.pending_lines:
            with self.at():
                self.decide(self.rng.choice(self.pending_lines))  # a later day: the line moves
        elif op == "approve":
            claim = self.book.claim(at=self.moment, agreement=agreement, amounts=(amount,))
            payout = self.book.propose(at=self.moment, claim=claim)
            self.tick(days=(0, 2))
            self.approved.append(self.book.approve(at=self.moment, payout=payout))
        elif op == "cancel" and self.approved:
            payout = self.approved.pop(self.rng.randrange(len(self.approved)))
            with self.at():
                services.payout_cancel(actor=self.book.officer, payout=payout, reason="Wrong bank details")
        elif op == "recover":
            paid = sum(
                (e.amount for e in agreement.ledger_entries.filter(kind__in=["payout", "recovery"])), ZERO
            )
            if paid > 0:
                self.book.recover(at=self.moment, agreement=agreement, amount=min(amount, paid))
        elif op == "close":
            try:
                self.book.close(at=self.moment, agreement=agreement)
            except DomainError:
                return  # a payout or a claim is still on its way
            self.closed.add(agreement.pk)


def _history(book, seed, firms, areas, steps=16) -> tuple[dt.date, dt.date]:
    history = History(book, seed, firms, areas)
    first = _day(history.moment)
    for _ in range(steps):
        history.step()
    return first, _day(history.moment) + dt.timedelta(days=1)


def _end_of(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, tzinfo=MOSCOW)


def source_sums_by(day: dt.date) -> dict[tuple[int, str], Decimal]:
    """{(agreement, kind): Σ} of the rows recorded (verified, approved) by the end of `day`."""
    end = _end_of(day)
    sums: dict = defaultdict(lambda: ZERO)
    for entry in LedgerEntry.objects.filter(created_at__lt=end):
        sums[(entry.agreement_id, entry.kind)] += entry.amount
    for line in ClaimLine.objects.filter(state__in=ACCEPTED_LINE_STATES, verified_at__lt=end).select_related(
        "claim"
    ):
        sums[(line.claim.agreement_id, "verified")] += line.accepted_amount
    for payout in Payout.objects.filter(state__in=APPROVED_STATES, approved_at__lt=end):
        sums[(payout.agreement_id, "approved")] += payout.amount
    return {key: total for key, total in sums.items() if total}


def rollup_sums_by(day: dt.date) -> dict[tuple[int, str], Decimal]:
    rows = (
        MoneyRollup.objects.filter(day__lte=day).values("agreement_id", "kind").annotate(total=Sum("amount"))
    )
    totals = {(row["agreement_id"], row["kind"]): row["total"] for row in rows}  # roubles (MoneyField)
    return {key: total for key, total in totals.items() if total}


@pytest.mark.rule(35)
@pytest.mark.parametrize("seed", [3, 5, 11, 2026])
def test_the_rollup_equals_the_sums_of_its_rows_at_every_date(book, auditor, areas, seed):
    firms = [factories.OrganisationFactory() for _ in range(3)]
    first, last = _history(book, seed, firms, areas)
    assert LedgerEntry.objects.filter(kind="payout").exists()
    # Row by row: each agreement's money of each kind on each Moscow day, and each group's in a month.
    assert stored_rollup() == expected_rollup()
    assert stored_months() == expected_months()
    day = first - dt.timedelta(days=1)
    while day <= last:
        assert rollup_sums_by(day) == source_sums_by(day), day
        for by in ("round", "firm", "area", "month", "quarter", "year"):
            for filters in (
                ReportFilters(by=by, as_of=day),
                ReportFilters(by=by, as_of=day, since=day - dt.timedelta(days=20)),
                ReportFilters(by=by, as_of=day, since=day - dt.timedelta(days=75)),
                ReportFilters(by=by, since=day),
            ):
                assert report_groups(auditor, filters) == detail_groups(auditor, filters), filters
        day += dt.timedelta(days=3)
    # Now (no as-of date), scoped by round, firm and area.
    for filters in (
        ReportFilters(),
        ReportFilters(by="firm", organisation_id=firms[0].pk),
        ReportFilters(by="month", area=NO_AREA),
        ReportFilters(by="round", area=areas[0].pk),
    ):
        assert report_groups(auditor, filters) == detail_groups(auditor, filters), filters


@pytest.mark.rule(35)
def test_report_figures_and_charts_are_those_of_the_rows(book, auditor, areas):
    firms = [factories.OrganisationFactory() for _ in range(3)]
    _first, last = _history(book, 5, firms, areas, steps=12)
    for by in ("round", "firm", "area", "month"):
        filters = ReportFilters(by=by, as_of=last)
        report = build_report(auditor, filters)
        detail = detail_groups(auditor, filters)
        for row in report.rows:
            want = detail.get(row.key)
            if want is None:  # a round listed for its budget, with nothing recorded yet
                assert not any(row.figure(n) for n in ("committed", "paid", "verified", "approved"))
                continue
            assert (row.ledger, row.verified, row.approved) == (
                want["ledger"],
                want["verified"],
                want["approved"],
            )
        assert {row.key for row in report.rows} >= set(detail)
    # The chart: net paid per month is the month grouping's net paid, computed from the rows.
    months = detail_groups(auditor, ReportFilters(by="month"))
    charts = chart_data(auditor, ReportFilters())
    assert [(m["label"], Decimal(m["paid"])) for m in charts["months"]] == [
        (key.strftime("%m.%Y"), figures["ledger"].net_paid)
        for key, figures in sorted(months.items())
        if figures["ledger"].paid or figures["ledger"].recovered
    ]
    by_area = detail_groups(auditor, ReportFilters(by="area"))
    assert sorted(Decimal(a["paid"]) for a in charts["areas"]) == sorted(
        figures["ledger"].net_paid
        for figures in by_area.values()
        if figures["ledger"].paid or figures["ledger"].recovered
    )


def test_a_cancelled_approval_leaves_the_rollup_and_the_report(book, auditor, firm, areas):
    agreement = book.agreement(at=moscow(2026, 1, 10), firm=firm, area=areas[0])
    amounts = (Decimal("1000000.00"), Decimal("250000.00"))
    claim = book.claim(at=moscow(2026, 2, 1), agreement=agreement, amounts=amounts)
    verified = MoneyRollup.objects.get(kind="verified")
    assert (verified.day, verified.amount, verified.entries) == (
        dt.date(2026, 2, 1),
        Decimal("1250000.00"),
        2,
    )
    payout = book.approve(at=moscow(2026, 2, 2), payout=book.propose(at=moscow(2026, 2, 1), claim=claim))
    assert MoneyRollup.objects.get(kind="approved").entries == 1
    with time_machine.travel(moscow(2026, 2, 5), tick=False):
        services.payout_cancel(actor=book.officer, payout=payout, reason="Wrong bank details")
    row = MoneyRollup.objects.get(kind="approved")
    assert (row.amount, row.entries) == (ZERO, 0)
    report = build_report(auditor, ReportFilters(by="month", since=dt.date(2026, 2, 1)))
    assert [(r.label, r.verified, r.approved) for r in report.rows] == [
        ("02.2026", Decimal("1250000.00"), ZERO)
    ]
    # A payout approved and cancelled in a month of its own leaves no row for that month.
    claim = book.claim(at=moscow(2026, 3, 1), agreement=agreement, amounts=(Decimal("10000.00"),))
    payout = book.approve(at=moscow(2026, 4, 2), payout=book.propose(at=moscow(2026, 4, 1), claim=claim))
    with time_machine.travel(moscow(2026, 4, 5), tick=False):
        services.payout_cancel(actor=book.officer, payout=payout, reason="Duplicate")
    report = build_report(auditor, ReportFilters(by="month", since=dt.date(2026, 4, 1)))
    assert report.rows == []
    assert stored_rollup() == expected_rollup()


def test_a_rolled_back_transaction_leaves_the_rollup_as_it_was(book, firm, areas):
    agreement = book.agreement(at=moscow(2026, 1, 10), firm=firm, area=areas[0])
    before = stored_rollup()

    class Abort(Exception):
        pass

    with pytest.raises(Abort), transaction.atomic():
        book.pay(at=moscow(2026, 2, 1), agreement=agreement, amount=Decimal("500000.00"))
        assert {kind for (_a, _d, kind) in stored_rollup()} >= {"payout", "verified", "approved"}
        raise Abort
    assert stored_rollup() == before == expected_rollup()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the rebuild function is PostgreSQL's")
def test_the_migration_backfill_rebuilds_what_the_triggers_kept(book, firm, areas):
    """`trials_rollup_rebuild()` is the migration's backfill (and the bench's, after a bulk load that
    bypasses triggers): from the rows alone it writes the same table the triggers kept."""
    firms = [firm, factories.OrganisationFactory(), factories.OrganisationFactory()]
    _history(book, 8, firms, areas, steps=10)
    kept = stored_rollup()
    with connection.cursor() as cursor:
        cursor.execute("SELECT trials_rollup_rebuild()")
    assert stored_rollup() == kept == expected_rollup()
    assert not MoneyRollup.objects.filter(entries=0).exists()  # the rebuild writes rows of something
    assert stored_months() == expected_months()
    assert not MoneyMonth.objects.filter(entries=0).exists()


@pytest.mark.rule(35)
@pytest.mark.parametrize(
    ("since", "as_of"),
    [
        (None, None),
        (dt.date(2026, 2, 1), dt.date(2026, 2, 28)),  # one whole month: no day of the daily rollup
        (dt.date(2026, 2, 1), dt.date(2026, 2, 27)),
        (dt.date(2026, 2, 2), dt.date(2026, 2, 28)),
        (dt.date(2026, 2, 10), dt.date(2026, 2, 20)),  # inside one month
        (dt.date(2026, 1, 31), dt.date(2026, 2, 1)),  # across a boundary, no whole month
        (dt.date(2026, 1, 15), dt.date(2026, 3, 15)),  # a whole month between two partial ones
        (dt.date(2026, 1, 1), dt.date(2026, 3, 31)),
        (None, dt.date(2026, 2, 14)),
        (None, dt.date(2026, 2, 28)),
        (dt.date(2026, 2, 14), None),
        (dt.date(2026, 2, 1), None),
    ],
)
def test_a_window_is_counted_day_by_day_across_month_boundaries(book, auditor, firm, areas, since, as_of):
    """One agreement with money on the first, middle and last day of each month: every window counts
    exactly the days inside it, whether they come from whole months or from partial ones."""
    agreement = book.agreement(at=moscow(2025, 12, 20), firm=firm, area=areas[0])
    for month in (1, 2, 3):
        last = (dt.date(2026, month, 1) + dt.timedelta(days=31)).replace(day=1) - dt.timedelta(days=1)
        for day in (1, 14, last.day):
            book.pay(
                at=moscow(2026, month, day), agreement=agreement, amount=Decimal(f"{month}{day:02d}000.00")
            )
    for by in ("round", "month", "area"):
        filters = ReportFilters(by=by, since=since, as_of=as_of)
        assert report_groups(auditor, filters) == detail_groups(auditor, filters), filters
    chart = chart_data(auditor, ReportFilters(since=since, as_of=as_of))
    months = detail_groups(auditor, ReportFilters(by="month", since=since, as_of=as_of))
    assert [Decimal(m["paid"]) for m in chart["months"]] == [
        figures["ledger"].net_paid for _key, figures in sorted(months.items()) if figures["ledger"].paid
    ]


@pytest.mark.rule(35)
def test_a_corrected_area_or_firm_moves_the_monthly_sums(book, auditor, firm, areas):
    """The monthly rollup groups by each agreement's round, firm and area: correcting one (in the
    admin, say) moves that agreement's sums to its new group in the same transaction."""
    agreement = book.agreement(at=moscow(2026, 1, 10), firm=firm, area=areas[0])
    book.pay(at=moscow(2026, 2, 3), agreement=agreement, amount=Decimal("400000.00"))
    Application.objects.filter(pk=agreement.application_id).update(priority_area=areas[1])
    assert stored_months() == expected_months()
    assert {key[2] for key in stored_months()} == {areas[1].pk}
    Application.objects.filter(pk=agreement.application_id).update(priority_area=None)
    other = factories.OrganisationFactory()
    Agreement.objects.filter(pk=agreement.pk).update(organisation=other)
    assert stored_months() == expected_months()
    assert {key[1:3] for key in stored_months()} == {(other.pk, None)}
    for by in ("firm", "area"):
        filters = ReportFilters(by=by)
        assert report_groups(auditor, filters) == detail_groups(auditor, filters)


@pytest.mark.rule(35)
@pytest.mark.django_db(transaction=True)
def test_payouts_of_one_group_paid_at_once_all_reach_its_month(book, auditor, firm, areas):
    """Agreements of one round, firm and area share their monthly rows: payouts of four of them marked
    paid at the same moment queue on the row, and every one is counted, none lost, none deadlocked."""
    caps = [Decimal("5000000.00")] * 4
    applications = book.select(at=moscow(2026, 1, 5), firms=[firm] * 4, caps=caps, budget=Decimal("40000000"))
    payouts = []
    for application in applications:
        agreement = book.start(at=moscow(2026, 1, 6), application=application, area=areas[0])
        claim = book.claim(at=moscow(2026, 2, 1), agreement=agreement, amounts=(Decimal("1000000.00"),))
        payouts.append(
            book.approve(at=moscow(2026, 2, 2), payout=book.propose(at=moscow(2026, 2, 1), claim=claim))
        )
    today = timezone.localdate()

    def mark(payout):
        services.payout_mark_paid(
            actor=book.officer,
            payout=payout,
            payment_order_number=f"PO-{payout.pk}",
            payment_order_date=today,
        )

    assert race([lambda p=p: mark(p) for p in payouts]) == ["ok"] * 4
    paid = MoneyMonth.objects.get(kind="payout")
    assert (paid.area_id, paid.month, paid.entries) == (areas[0].pk, today.replace(day=1), 4)
    assert paid.amount == sum(p.amount for p in payouts)
    assert stored_months() == expected_months()
    for filters in (ReportFilters(by="firm"), ReportFilters(by="month", since=today)):
        assert report_groups(auditor, filters) == detail_groups(auditor, filters)
