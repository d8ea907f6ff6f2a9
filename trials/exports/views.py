"""Export pages: streamed CSV of the ledger and of the report, XLSX jobs with a progress bar, the
permission-checked download and the manifest.

Who may export what: the ledger — anyone who reads agreements, scoped (officers, auditors and
administrators every row, a firm only its own); the report — ministry readers only. Requesting an
XLSX job records a job row and nothing else: auditors may do it (rule 37 forbids changing money,
decisions and the trail, not asking for a file).
"""

from __future__ import annotations

import json

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.views.decorators.http import require_GET, require_POST

from core import jobs
from core.errors import NotFound
from trials.balances import MOSCOW
from trials.exports import EXPORT_KIND, EXPORT_TASK
from trials.exports.streaming import csv_blocks
from trials.exports.xlsx import export_allowed
from trials.reports.filters import ReportFilterForm

JOBS_PER_PAGE = 25


def _require_export(request: HttpRequest, table: str) -> None:
    refusal = export_allowed(request.user, table)
    if refusal:
        raise PermissionDenied(refusal)


def _job(request: HttpRequest, pk: int) -> jobs.Job:
    try:
        return jobs.job_get(request.user, pk)
    except NotFound as exc:
        raise Http404(exc.message) from exc


@login_required
@require_GET
def export_csv(request: HttpRequest, table: str) -> HttpResponse:
    """The ledger or the report as CSV, streamed row by row with a manifest at the end."""
    _require_export(request, table)
    form = ReportFilterForm(request.GET)
    if not form.is_valid():
        return render(request, "trials/reports/export_invalid.html", {"form": form}, status=400)
    stamp = timezone.now().astimezone(MOSCOW).strftime("%Y%m%d-%H%M")
    response = StreamingHttpResponse(
        csv_blocks(table, request.user, form.filters()), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{table}-{stamp}.csv"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_POST
def xlsx_request(request: HttpRequest) -> HttpResponse:
    """Queue an XLSX export of the ledger or the report with the posted filters; show its progress."""
    table = request.POST.get("table", "")
    _require_export(request, table)
    form = ReportFilterForm(request.POST)
    if not form.is_valid():
        return render(request, "trials/reports/export_invalid.html", {"form": form}, status=400)
    job = jobs.job_request(
        kind=EXPORT_KIND,
        # The file speaks the language of the page it was asked from.
        params={"table": table, "filters": form.filters().as_query(), "language": translation.get_language()},
        requested_by=request.user,
        task_name=EXPORT_TASK,
    )
    return redirect("reports:job", pk=job.pk)


@login_required
@require_GET
def job_list(request: HttpRequest) -> HttpResponse:
    """The user's exports, newest first (every export for auditors)."""
    found = jobs.jobs_visible_to(request.user).filter(kind=EXPORT_KIND)
    page = Paginator(found, JOBS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "trials/reports/job_list.html", {"page_obj": page})


@login_required
@require_GET
def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The job's progress bar (htmx polls the fragment until the job ends), then its download link."""
    job = _job(request, pk)
    template = "trials/reports/_job_status.html" if request.htmx else "trials/reports/job.html"
    return render(request, template, {"job": job})


@login_required
@require_GET
def job_download(request: HttpRequest, pk: int) -> HttpResponse:
    """The finished file, for its requester (or an auditor) who may still export that table."""
    job = _job(request, pk)
    _require_export(request, str(job.params.get("table", "")))
    return jobs.job_file_response(job)


@login_required
@require_GET
def job_manifest(request: HttpRequest, pk: int) -> HttpResponse:
    """The job's manifest as JSON, with the SHA-256 of the file."""
    job = _job(request, pk)
    if job.state != jobs.JobState.DONE:
        raise Http404
    body = json.dumps(job.manifest, ensure_ascii=False, indent=2, sort_keys=True)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{job.file_name}.manifest.json"'
    return response
