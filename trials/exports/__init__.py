"""Exports of the ledger and the report: streamed CSV, XLSX built by a background job."""

EXPORT_KIND = "trials.export"  # core.jobs.Job.kind of every export job
EXPORT_TASK = "trials.export_xlsx"
