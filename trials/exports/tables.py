"""The tables an auditor can export — the ledger and the report — as headers and rows of plain
values, shared by the streamed CSV and the XLSX job so both files always hold the same rows.

Rows come from `values_list(...).iterator(chunk_size=2000)`: a server-side cursor, a few thousand
rows in memory at a time, whatever the table's size. Amounts are read as integer kopecks and turned
into text or Decimal here (exact; never a float).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import BigIntegerField, ExpressionWrapper, F, QuerySet
from django.utils.translation import gettext_lazy as _

from trials.balances import MOSCOW
from trials.reports import scoping
from trials.reports.filters import ReportFilters
from trials.reports.queries import LEDGER, build_report, scope_q, window_q

CHUNK_SIZE = 2000
TEXT, MONEY, MOMENT, DATE, NUMBER = "text", "money", "moment", "date", "number"


@dataclass(frozen=True)
class Column:
    source: str  # a values_list path (ledger) or a ReportRow attribute (report)
    header: Any  # lazy translation
    kind: str = TEXT


LEDGER_COLUMNS = (
    Column("pk", _("Entry no."), NUMBER),
    Column("created_at", _("Recorded (Moscow time)"), MOMENT),
    Column("round__title", _("Round")),
    Column("agreement__number", _("Agreement")),
    Column("agreement__organisation__name", _("Firm")),
    Column("agreement__organisation__inn", _("Firm INN")),
    Column("kind", _("Kind")),
    Column("amount_kopecks", _("Amount, ₽"), MONEY),
    Column("payout_id", _("Payout no."), NUMBER),
    Column("payout__payment_order_number", _("Payment order no.")),
    Column("payout__payment_order_date", _("Payment order date"), DATE),
    Column("recovery_id", _("Recovery no."), NUMBER),
    Column("reason", _("Reason")),
    Column("created_by__username", _("Recorded by")),
)

REPORT_COLUMNS = (
    Column("label", _("Group")),
    Column("detail", _("Details")),
    Column("budget", _("Budget, ₽"), MONEY),
    Column("committed", _("Committed, ₽"), MONEY),
    Column("released", _("Released, ₽"), MONEY),
    Column("active_commitments", _("Active commitments, ₽"), MONEY),
    Column("verified", _("Verified costs, ₽"), MONEY),
    Column("approved", _("Approved, ₽"), MONEY),
    Column("paid", _("Paid, ₽"), MONEY),
    Column("recovered", _("Recovered, ₽"), MONEY),
    Column("net_paid", _("Net paid, ₽"), MONEY),
    Column("remaining_cap", _("Remaining cap, ₽"), MONEY),
    Column("uncommitted_budget", _("Uncommitted budget, ₽"), MONEY),
)

TABLES = {"ledger": LEDGER_COLUMNS, "report": REPORT_COLUMNS}
TABLE_TITLES = {"ledger": _("Ledger"), "report": _("Report")}


def headers(table: str, filters: ReportFilters) -> list[str]:
    """Column titles; over a period the remaining cap is a change, not a balance (as on the page)."""
    names = [str(column.header) for column in TABLES[table]]
    if table == "report" and filters.is_period:
        names[[c.source for c in REPORT_COLUMNS].index("remaining_cap")] = str(
            _("Change in remaining cap, ₽")
        )
    return names


def ledger_rows_queryset(user: Any, filters: ReportFilters) -> QuerySet:
    """The ledger entries the user may read, in the report's window and scope, oldest first."""
    return (
        scoping.ledger_visible_to(user)
        .filter(window_q(filters, LEDGER), scope_q(filters, LEDGER))
        # The same column without MoneyField's converter: kopecks as int, formatted exactly below.
        .annotate(amount_kopecks=ExpressionWrapper(F("amount"), output_field=BigIntegerField()))
        .order_by("created_at", "pk")
    )


def ledger_count(user: Any, filters: ReportFilters) -> int:
    return (
        scoping.ledger_visible_to(user)
        .filter(window_q(filters, LEDGER), scope_q(filters, LEDGER))
        .order_by()
        .count()
    )


def ledger_raw_rows(user: Any, filters: ReportFilters) -> Iterator[tuple]:
    """Raw ledger rows (amounts in kopecks, moments in UTC), streamed through a server-side cursor."""
    columns = [column.source for column in LEDGER_COLUMNS]
    return ledger_rows_queryset(user, filters).values_list(*columns).iterator(chunk_size=CHUNK_SIZE)


def report_raw_rows(user: Any, filters: ReportFilters) -> Iterator[tuple]:
    """The report's rows, then its total row (a few hundred rows at most: built in memory)."""
    report = build_report(user, filters)
    for row in [*report.rows, report.total]:
        yield tuple(_report_value(row, column) for column in REPORT_COLUMNS)


def _report_value(row: Any, column: Column) -> Any:
    value = getattr(row, column.source)
    if column.kind == MONEY and isinstance(value, Decimal):
        return int(value * 100)  # the same kopeck form as the ledger's rows
    return value


def raw_rows(table: str, user: Any, filters: ReportFilters) -> Iterator[tuple]:
    return ledger_raw_rows(user, filters) if table == "ledger" else report_raw_rows(user, filters)


def kopecks_text(kopecks: int | None) -> str:
    """12345 -> "123.45", -5 -> "-0.05": exact, without building a Decimal per cell."""
    if kopecks is None:
        return ""
    sign = "-" if kopecks < 0 else ""
    whole, cents = divmod(abs(kopecks), 100)
    return f"{sign}{whole}.{cents:02d}"


def kopecks_decimal(kopecks: int | None) -> Decimal | None:
    return None if kopecks is None else Decimal(kopecks).scaleb(-2)


def moscow_naive(moment: dt.datetime | None) -> dt.datetime | None:
    """A stored moment as Moscow wall-clock time without a zone (what a spreadsheet cell holds)."""
    return None if moment is None else moment.astimezone(MOSCOW).replace(tzinfo=None)


def moscow_text(moment: dt.datetime | None) -> str:
    return "" if moment is None else moment.astimezone(MOSCOW).isoformat(timespec="seconds")
