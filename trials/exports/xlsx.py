"""The XLSX export, built by a background job (task `trials.export_xlsx`).

XlsxWriter in constant-memory mode writes each row to a temporary file as soon as the next row
starts, so the worker's memory stays flat: rows are written strictly in order, sheet by sheet. A
sheet holds at most 1,048,576 rows (Excel's limit): past 1,048,575 data rows under the header the
table continues on "Ledger (2)", and so on. The first sheet, "Manifest", is filled last (each sheet
has its own temporary file, so that is allowed): table, filters, row count, who, when, and the audit
checkpoint. The file's own SHA-256 cannot be inside it: it is on the job and its download page.

The rows are read outside a transaction on purpose: Django then opens the server-side cursor WITH
HOLD, so PostgreSQL keeps the result (a consistent snapshot) on its side while the progress updates
commit one by one and the progress bar moves. Inside a transaction they would show only at the end.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import xlsxwriter
from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core import policy
from core.jobs import JobSuperseded, job_claim, job_fail, job_finish, job_progress, jobs_root
from core.models_jobs import Job
from trials.exports import tables
from trials.exports.manifest import build_manifest, manifest_lines
from trials.reports.filters import ReportFilters

logger = logging.getLogger(__name__)
EXCEL_MAX_ROWS = 1_048_576
ROWS_PER_SHEET = EXCEL_MAX_ROWS - 1  # one row for the header
PROGRESS_EVERY = 5000
CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _writers(workbook: Any, table: str) -> list[Callable[[Any, int, int, Any], None]]:
    """One cell writer per column, with a number or date format where the column needs one."""
    money = workbook.add_format({"num_format": "#,##0.00"})
    moment = workbook.add_format({"num_format": "dd.mm.yyyy hh:mm:ss"})
    day = workbook.add_format({"num_format": "dd.mm.yyyy"})

    def text(sheet: Any, row: int, col: int, value: Any) -> None:
        if value not in (None, ""):
            sheet.write_string(row, col, str(value))

    def number(sheet: Any, row: int, col: int, value: Any) -> None:
        if value is not None:
            sheet.write_number(row, col, value)

    def amount(sheet: Any, row: int, col: int, value: Any) -> None:
        if value is not None:
            sheet.write_number(row, col, tables.kopecks_decimal(value), money)

    def when(sheet: Any, row: int, col: int, value: Any) -> None:
        if value is not None:
            sheet.write_datetime(row, col, tables.moscow_naive(value), moment)

    def date(sheet: Any, row: int, col: int, value: Any) -> None:
        if value is not None:
            sheet.write_datetime(row, col, value, day)

    by_kind = {
        tables.TEXT: text,
        tables.NUMBER: number,
        tables.MONEY: amount,
        tables.MOMENT: when,
        tables.DATE: date,
    }
    return [by_kind[column.kind] for column in tables.TABLES[table]]


def _new_sheet(workbook: Any, table: str, filters: ReportFilters, number: int, bold: Any) -> Any:
    title = str(tables.TABLE_TITLES[table])
    sheet = workbook.add_worksheet(title if number == 1 else f"{title} ({number})")
    sheet.write_row(0, 0, tables.headers(table, filters), bold)
    sheet.freeze_panes(1, 0)
    return sheet


def _count(table: str, user: Any, filters: ReportFilters) -> int:
    return tables.ledger_count(user, filters) if table == "ledger" else 0


def write_workbook(
    job: Job, *, table: str, filters: ReportFilters, rows_per_sheet: int | None = None
) -> dict:
    """Write the export for `job` to a temporary file under the jobs folder; report progress every
    PROGRESS_EVERY rows. Returns {"path", "rows", "manifest", "file_name"} for `job_finish`."""
    rows_per_sheet = rows_per_sheet or ROWS_PER_SHEET
    user = job.requested_by
    generated_at = timezone.now()
    expected = _count(table, user, filters)
    path = jobs_root() / f"job-{job.pk}-{job.attempts}.xlsx.part"
    workbook = xlsxwriter.Workbook(
        str(path), {"constant_memory": True, "tmpdir": str(jobs_root()), "strings_to_numbers": False}
    )
    try:
        bold = workbook.add_format({"bold": True})
        manifest_sheet = workbook.add_worksheet(_("Manifest"))
        writers = _writers(workbook, table)
        sheet, sheets, row_in_sheet, written = None, 0, rows_per_sheet, 0
        for values in tables.raw_rows(table, user, filters):
            if row_in_sheet >= rows_per_sheet:
                sheets += 1
                sheet, row_in_sheet = _new_sheet(workbook, table, filters, sheets, bold), 0
            row_in_sheet += 1
            for col, (write, value) in enumerate(zip(writers, values, strict=True)):
                write(sheet, row_in_sheet, col, value)
            written += 1
            if written % PROGRESS_EVERY == 0:
                job_progress(job, progress=written * 100 // max(expected, written + 1), rows=written)
        if sheet is None:
            _new_sheet(workbook, table, filters, 1, bold)
        manifest = build_manifest(
            table=table, filters=filters.as_manifest(), user=user, generated_at=generated_at, rows=written
        )
        manifest_sheet.set_column(0, 0, 32)
        manifest_sheet.set_column(1, 1, 100)
        for index, (label, value) in enumerate(manifest_lines(manifest)):
            manifest_sheet.write_string(index, 0, str(label), bold)
            manifest_sheet.write_string(index, 1, str(value))
        workbook.close()
    except BaseException:
        _discard(workbook, path)
        raise
    stamp = generated_at.astimezone(tables.MOSCOW).strftime("%Y%m%d-%H%M")
    return {"path": path, "rows": written, "manifest": manifest, "file_name": f"{table}-{stamp}.xlsx"}


def _discard(workbook: Any, path: Path) -> None:
    """Remove what a failed run left: the workbook's temporary files and the partial file."""
    # Closing a half-written workbook may fail too; the partial file goes either way.
    with contextlib.suppress(Exception):
        workbook.close()
    path.unlink(missing_ok=True)


def export_allowed(user: Any, table: str) -> str | None:
    """None when `user` may export `table`, else the reason: the ledger for anyone who reads agreements
    (firms get their own rows), the report for ministry readers only."""
    if table not in tables.TABLES:
        return str(_("Unknown export."))
    decision = policy.can(user, "trials.read" if table == "ledger" else "trials.read_all")
    return None if decision else decision.reason


def xlsx_export_run(*, job_id: int) -> str:
    """Build the XLSX file of one export job (the body of task `trials.export_xlsx`). Safe to run
    twice: a finished job is left alone; a crashed run is started again from the first row."""
    job = job_claim(job_id)
    if job is None:
        return "skipped"
    user = job.requested_by
    try:
        language = job.params.get("language") or getattr(user, "language", "") or settings.LANGUAGE_CODE
        with translation.override(language):
            table = str(job.params.get("table", ""))
            refusal = export_allowed(user, table) if user.is_active else str(_("The account is inactive."))
            if refusal:
                job_fail(job, error=refusal)
                return "refused"
            filters = ReportFilters.from_query(job.params.get("filters") or {})
            result = write_workbook(job, table=table, filters=filters)
        job_finish(
            job,
            path=result["path"],
            file_name=result["file_name"],
            content_type=CONTENT_TYPE,
            rows=result["rows"],
            manifest=result["manifest"],
        )
    except JobSuperseded:
        return "superseded"
    except Exception as exc:
        logger.exception("export job %s failed", job_id)
        job_fail(job, error=str(_("The export failed: %(error)s")) % {"error": type(exc).__name__})
        return "failed"
    return "done"
