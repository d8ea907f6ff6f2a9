"""The auditor's report: money figures grouped by round, firm, priority area or period, at any date.

The figures are SQL aggregates (GROUP BY) over the money rollups (`trials.models.rollups`): the sums
of the ledger (committed, released, paid, recovered), of the accepted amounts of claim lines (verified
costs) and of approved payouts, kept by database triggers in the same transaction as those rows. The
whole months of the window come from `MoneyMonth` (per round, firm, area, month and kind: a few
thousand rows at a million entries), its partial months, at `since` and `as_of`, from `MoneyRollup`
(per agreement, day and kind). A day is the unit of every filter (as of the end of a day, since the
start of one), so the rollups answer exactly what the rows themselves would (`detail_groups`); the
arithmetic of the figures (active commitments, net paid, remaining) is `trials.balances`'s, so a
report row and `round_balances()` can never disagree. Drill-downs (`drill`, `figure_total`) read the
rows themselves.

A report runs a fixed number of queries whatever its size: one aggregate over the whole months and
one over each partial month's days (at most two, only when the window cuts a month), one for the
groups' names (and budgets), the same for the charts (and one for the areas' names).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import BigIntegerField, DateField, DateTimeField, F, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce, Trunc
from django.utils.translation import gettext as _

from accounts.models import Organisation
from core.money import from_kopecks
from grants.models import PriorityArea, Round
from trials.balances import KIND_FIGURES, MOSCOW, NEGATIVE_KINDS, ZERO, RoundBalances, Totals, as_of_q
from trials.enums import ACCEPTED_LINE_STATES, PayoutState
from trials.models.rollups import APPROVED, VERIFIED
from trials.reports import scoping
from trials.reports.filters import NO_AREA, PERIODS, ReportFilters

LEDGER, LINES, PAYOUTS, AGREEMENTS = "ledger", "lines", "payouts", "agreements"
ROLLUP, MONTHS = "rollup", "months"  # MoneyRollup (agreement, day), MoneyMonth (round, firm, area, month)
# From each source table to its agreement, and the moment that places a row in time.
AGREEMENT_PATH = {
    LEDGER: "agreement__",
    LINES: "claim__agreement__",
    PAYOUTS: "agreement__",
    AGREEMENTS: "",
    ROLLUP: "agreement__",
}
TIME_FIELD = {LEDGER: "created_at", LINES: "verified_at", PAYOUTS: "approved_at"}
GROUP_FIELD = {"round": "round_id", "firm": "organisation_id", "area": "application__priority_area_id"}
MONTH_GROUP_FIELD = {"round": "round_id", "firm": "organisation_id", "area": "area_id"}
APPROVED_STATES = (PayoutState.APPROVED, PayoutState.PAID)
# Figures a report cell can drill into (the others are derived from these).
DRILL_FIGURES = ("committed", "released", "verified", "approved", "paid", "recovered")


def window_q(filters: ReportFilters, source: str) -> Q:
    """Rows of `source` recorded by the end of `as_of` and, for a period, from the start of `since`."""
    moment = TIME_FIELD[source]
    window = as_of_q(filters.as_of, moment)
    if filters.since is not None:
        window &= ~as_of_q(filters.since - dt.timedelta(days=1), moment)
    return window


def scope_q(filters: ReportFilters, source: str) -> Q:
    """The round, firm and priority-area filters, reached from `source` (through its agreement but for
    the monthly rollup, which holds them itself)."""
    path = "" if source == MONTHS else AGREEMENT_PATH[source]
    fields = MONTH_GROUP_FIELD if source == MONTHS else GROUP_FIELD
    q = Q()
    if filters.round_id:
        q &= Q(**{f"{path}round_id": filters.round_id})
    if filters.organisation_id:
        q &= Q(**{f"{path}organisation_id": filters.organisation_id})
    if filters.area == NO_AREA:
        q &= Q(**{f"{path}{fields['area']}__isnull": True})
    elif filters.area:
        q &= Q(**{f"{path}{fields['area']}": filters.area})
    return q


def group_expression(source: str, by: str) -> Any:
    if by in PERIODS:
        return Trunc(TIME_FIELD[source], by, output_field=DateTimeField(), tzinfo=MOSCOW)
    if source == LEDGER and by == "round":
        return F("round_id")  # the ledger repeats the round: no join
    return F(AGREEMENT_PATH[source] + GROUP_FIELD[by])


def _key(value: Any) -> Any:
    """Period keys are the period's first day (a date); other keys are ids (None: no area)."""
    return value.astimezone(MOSCOW).date() if isinstance(value, dt.datetime) else value


def _kopecks_sum(expression: str, **filter_kwargs: Any) -> Coalesce:
    condition = Q(**filter_kwargs) if filter_kwargs else None
    return Coalesce(Sum(expression, filter=condition), Value(0), output_field=BigIntegerField())


def totals_from_kopecks(row: dict[str, int]) -> Totals:
    """A `Totals` from signed kopeck sums named like `KIND_FIGURES` (negative kinds turned positive)."""
    values = {
        name: from_kopecks(-row[name] if kind in NEGATIVE_KINDS else row[name])
        for name, kind in KIND_FIGURES.items()
    }
    return Totals(**values)


def source_rows(user: Any, filters: ReportFilters, source: str) -> QuerySet:
    """The rows of one source that count in the report: visible to the user, in the window and scope;
    for lines only accepted (or reduced) ones, for payouts only approved (or paid) ones."""
    if source == LEDGER:
        rows = scoping.ledger_visible_to(user)
    elif source == LINES:
        rows = scoping.lines_visible_to(user).filter(state__in=ACCEPTED_LINE_STATES)
    else:
        rows = scoping.payouts_visible_to(user).filter(state__in=APPROVED_STATES)
    return rows.filter(window_q(filters, source), scope_q(filters, source)).order_by()


def _month_after(day: dt.date) -> dt.date:
    return (day.replace(day=1) + dt.timedelta(days=32)).replace(day=1)


def _whole_months_end(as_of: dt.date) -> dt.date:
    """The first day after the whole months up to `as_of` (its own month counts if it ends there)."""
    after = _month_after(as_of)
    return after if after == as_of + dt.timedelta(days=1) else as_of.replace(day=1)


def split_window(filters: ReportFilters) -> tuple[Q | None, list[Q]]:
    """The window (`since` to `as_of`, Moscow days) as (months, days): a filter on `MoneyMonth` for
    the months it holds whole (None: none) and a filter on `MoneyRollup` for each run of days of the
    months it cuts (at most two). Together they count every day of the window once."""
    since, as_of = filters.since, filters.as_of
    # Whole months run from `first` (inclusive) to `end` (exclusive); None: unbounded.
    first = None if since is None else since if since.day == 1 else _month_after(since)
    end = None if as_of is None else _whole_months_end(as_of)
    if first is not None and end is not None and first >= end:
        return None, [Q(day__gte=since, day__lte=as_of)]
    months = Q()
    days = []
    if first is not None:
        months &= Q(month__gte=first)
        if since < first:
            days.append(Q(day__gte=since, day__lt=first))
    if end is not None:
        months &= Q(month__lt=end)
        if end <= as_of:
            days.append(Q(day__gte=end, day__lte=as_of))
    return months, days


def rollup_parts(user: Any, filters: ReportFilters) -> list[tuple[QuerySet, Any]]:
    """The rollup rows that count in the report, as (rows, group expression for a `by`) for whole
    months and for each run of partial months' days: visible to the user, in the window and scope,
    standing for at least one source row (a cancelled approval leaves a row of nothing). A run of
    days is a query of its own: one range reads the rollup's (day, kind, ...) index alone, where two
    ORed ranges would read the table."""
    months, days = split_window(filters)
    parts = []
    if months is not None:
        rows = scoping.months_visible_to(user).filter(months, scope_q(filters, MONTHS), entries__gt=0)
        parts.append((rows.order_by(), month_group_expression))
    for run in days:
        rows = scoping.rollups_visible_to(user).filter(run, scope_q(filters, ROLLUP), entries__gt=0)
        parts.append((rows.order_by(), rollup_group_expression))
    return parts


def month_group_expression(by: str) -> Any:
    if by in PERIODS:
        return Trunc("month", by, output_field=DateField())
    return F(MONTH_GROUP_FIELD[by])


def rollup_group_expression(by: str) -> Any:
    if by in PERIODS:
        return Trunc("day", by, output_field=DateField())
    return F("agreement__" + GROUP_FIELD[by])


FIGURE_KINDS = {**KIND_FIGURES, "verified": VERIFIED, "approved": APPROVED}


def rollup_sums(
    user: Any, filters: ReportFilters, by: tuple[str, ...], figures: Iterable[str] = tuple(FIGURE_KINDS)
) -> dict[tuple, dict[str, int]]:
    """Signed kopeck sums of `figures` per group, a group being a tuple of keys (one per name in
    `by`): one GROUP BY per part of the window, added up here; a group is there when any of its rows
    is in the window."""
    figures = tuple(figures)
    kinds = [FIGURE_KINDS[name] for name in figures]
    sums = {name: _kopecks_sum("amount", kind=FIGURE_KINDS[name]) for name in figures}
    totals: dict[tuple, dict[str, int]] = defaultdict(lambda: dict.fromkeys(figures, 0))
    for rows, expression in rollup_parts(user, filters):
        groups = {f"group_{index}": expression(name) for index, name in enumerate(by)}
        for row in rows.filter(kind__in=kinds).values(**groups).annotate(**sums):
            key = tuple(_key(row[name]) for name in groups)
            for name in figures:
                totals[key][name] += row[name]
    return totals


def report_groups(user: Any, filters: ReportFilters, by: str | None = None) -> dict[Any, dict[str, Any]]:
    """Every figure per group, from the rollups: {key: {"ledger": Totals, "verified": Decimal,
    "approved": Decimal}}; a group is there when any of its rows is in the window."""
    return {
        key: {
            "ledger": totals_from_kopecks(row),
            "verified": from_kopecks(row["verified"]),
            "approved": from_kopecks(row["approved"]),
        }
        for (key,), row in rollup_sums(user, filters, (by or filters.by,)).items()
    }


def detail_groups(user: Any, filters: ReportFilters, by: str | None = None) -> dict[Any, dict[str, Any]]:
    """`report_groups` computed from the rows themselves (three aggregates: the ledger, accepted claim
    lines, approved payouts): what the rollup must always agree with. Slow on a big ledger; the
    reconciliation tests and checks use it, the report does not."""
    by = by or filters.by
    groups: dict[Any, dict[str, Any]] = defaultdict(
        lambda: {"ledger": Totals(), "verified": ZERO, "approved": ZERO}
    )
    ledger = (
        source_rows(user, filters, LEDGER)
        .values(group=group_expression(LEDGER, by))
        .annotate(**{name: _kopecks_sum("amount", kind=kind) for name, kind in KIND_FIGURES.items()})
    )
    for row in ledger:
        groups[_key(row["group"])]["ledger"] = totals_from_kopecks(row)
    for source, figure, column in ((LINES, "verified", "accepted_amount"), (PAYOUTS, "approved", "amount")):
        rows = (
            source_rows(user, filters, source)
            .values(group=group_expression(source, by))
            .annotate(total=_kopecks_sum(column))
        )
        for row in rows:
            groups[_key(row["group"])][figure] = from_kopecks(row["total"])
    return dict(groups)


@dataclass(frozen=True)
class ReportRow:
    key: Any
    label: str
    detail: str = ""
    ledger: Totals = field(default_factory=Totals)
    verified: Decimal = ZERO
    approved: Decimal = ZERO
    budget: Decimal | None = None  # rounds only: the round's budget (its current value)
    # The filter that narrows a drill-down to this row: {"round": "3"}, {"since": ..., "as_of": ...}.
    drill: dict[str, str] = field(default_factory=dict)

    committed = property(lambda self: self.ledger.committed)
    released = property(lambda self: self.ledger.released)
    active_commitments = property(lambda self: self.ledger.active_commitments)
    paid = property(lambda self: self.ledger.paid)
    recovered = property(lambda self: self.ledger.recovered)
    net_paid = property(lambda self: self.ledger.net_paid)
    remaining_cap = property(lambda self: self.ledger.unpaid_commitments)

    @property
    def uncommitted_budget(self) -> Decimal | None:
        """What is left of the budget to commit (the round balances' `remaining`)."""
        if self.budget is None:
            return None
        return RoundBalances(budget=self.budget, **vars(self.ledger)).remaining

    def figure(self, name: str) -> Decimal | None:
        return getattr(self, name)


@dataclass(frozen=True)
class Report:
    filters: ReportFilters
    rows: list[ReportRow]
    total: ReportRow


def _sum_totals(items: list[Totals]) -> Totals:
    return Totals(**{name: sum((getattr(t, name) for t in items), ZERO) for name in KIND_FIGURES})


def _period_end(start: dt.date, by: str) -> dt.date:
    months = {"month": 1, "quarter": 3, "year": 12}[by]
    index = start.month - 1 + months
    return dt.date(start.year + index // 12, index % 12 + 1, 1) - dt.timedelta(days=1)


def period_label(start: dt.date, by: str) -> str:
    if by == "year":
        return str(start.year)
    if by == "quarter":
        return _("Q%(quarter)s %(year)s") % {"quarter": (start.month - 1) // 3 + 1, "year": start.year}
    return start.strftime("%m.%Y")


def _labels(filters: ReportFilters, keys: set) -> dict[Any, dict]:
    """Names (and budgets, for rounds) of the groups, in one query; rounds list every round in scope."""
    by = filters.by
    if by == "round":
        rounds = Round.objects.all() if not filters.round_id else Round.objects.filter(pk=filters.round_id)
        rounds = rounds.filter(Q(pk__in=keys) | Q(budget__gt=0)).order_by("-opens_at", "-id")
        return {
            r["pk"]: {"label": r["title"], "budget": r["budget"], "drill": {"round": str(r["pk"])}}
            for r in rounds.values("pk", "title", "budget")
        }
    if by == "firm":
        firms = Organisation.objects.filter(pk__in=keys).order_by("name", "pk").values("pk", "name", "inn")
        return {
            f["pk"]: {
                "label": f["name"],
                "detail": _("INN %(inn)s") % {"inn": f["inn"]},
                "drill": {"firm": f["inn"]},
            }
            for f in firms
        }
    if by == "area":
        labels = {
            area.pk: {"label": area.name, "drill": {"area": str(area.pk)}}
            for area in PriorityArea.objects.filter(pk__in=[k for k in keys if k is not None])
        }
        if None in keys:
            labels[None] = {"label": _("No priority area"), "drill": {"area": NO_AREA}}
        return labels
    labels = {}
    for start in sorted(keys):
        first = max(start, filters.since) if filters.since else start
        last = min(_period_end(start, by), filters.as_of) if filters.as_of else _period_end(start, by)
        labels[start] = {
            "label": period_label(start, by),
            "drill": {"since": first.isoformat(), "as_of": last.isoformat()},
        }
    return labels


def _total_budget(filters: ReportFilters, rows: list[ReportRow]) -> Decimal | None:
    if filters.is_period:
        return None
    if filters.by == "round":
        return sum((row.budget or ZERO for row in rows), ZERO)
    if filters.round_id:
        return Round.objects.filter(pk=filters.round_id).values_list("budget", flat=True).first()
    return None


def build_report(user: Any, filters: ReportFilters) -> Report:
    """Every group's figures and the totals. Queries: 1 aggregate + 1 for names (+1 for a budget)."""
    groups = report_groups(user, filters)
    labels = _labels(filters, set(groups))
    rows = [
        ReportRow(
            key=key,
            label=info["label"],
            detail=info.get("detail", ""),
            ledger=groups[key]["ledger"] if key in groups else Totals(),
            verified=groups[key]["verified"] if key in groups else ZERO,
            approved=groups[key]["approved"] if key in groups else ZERO,
            # A budget is a stock: beside a period's movements it would make "uncommitted" a sum of
            # unlike things, so a period report has none.
            budget=None if filters.is_period else info.get("budget"),
            drill=info.get("drill", {}),
        )
        for key, info in labels.items()
    ]
    total = ReportRow(
        key="total",
        label=_("Total"),
        ledger=_sum_totals([row.ledger for row in rows]),
        verified=sum((row.verified for row in rows), ZERO),
        approved=sum((row.approved for row in rows), ZERO),
        budget=_total_budget(filters, rows),
    )
    return Report(filters=filters, rows=rows, total=total)


def chart_data(user: Any, filters: ReportFilters) -> dict[str, Any]:
    """Net paid (payouts minus recoveries) per month, cumulative, and per priority area: the rollups
    grouped by month and area (one query per part of the window, and one for the areas' names)."""
    rows = rollup_sums(user, filters, ("month", "area"), figures=("paid", "recovered"))
    by_month: dict[dt.date, int] = defaultdict(int)
    by_area: dict[int | None, int] = defaultdict(int)
    for (month, area), row in rows.items():
        by_month[month] += row["paid"] + row["recovered"]  # recoveries are negative entries
        by_area[area] += row["paid"] + row["recovered"]
    names = {area.pk: area.name for area in PriorityArea.objects.filter(pk__in=[k for k in by_area if k])}
    running = 0
    months = []
    for month in sorted(by_month):
        running += by_month[month]
        months.append(
            {
                "label": month.strftime("%m.%Y"),
                "paid": str(from_kopecks(by_month[month])),
                "cumulative": str(from_kopecks(running)),
            }
        )
    areas = [
        {"label": names.get(area, _("No priority area")), "paid": str(from_kopecks(total))}
        for area, total in sorted(by_area.items(), key=lambda item: -item[1])
    ]
    return {"months": months, "areas": areas}


def figure_total(user: Any, filters: ReportFilters, figure: str) -> Decimal:
    """One report cell on its own (positive, like the report shows it): the drill-down's footer."""
    if figure in KIND_FIGURES:
        rows = source_rows(user, filters, LEDGER).filter(kind=KIND_FIGURES[figure])
        total = from_kopecks(rows.aggregate(total=_kopecks_sum("amount"))["total"])
        return -total if KIND_FIGURES[figure] in NEGATIVE_KINDS else total
    source, column = (LINES, "accepted_amount") if figure == "verified" else (PAYOUTS, "amount")
    return from_kopecks(source_rows(user, filters, source).aggregate(total=_kopecks_sum(column))["total"])
