"""Celery tasks of the exports (imported by the trials app at start-up)."""

from __future__ import annotations

from celery import shared_task

from trials.exports.xlsx import xlsx_export_run


@shared_task(name="trials.export_xlsx")
def export_xlsx(job_id: int) -> str:
    """Build one export job's XLSX file. Takes the job's id; safe to run twice."""
    return xlsx_export_run(job_id=job_id)
