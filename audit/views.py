"""The auditors' trail pages: the list with filters and chain status, one event, verify now (a
background walk with its progress and certificate), CSV."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from audit import jobs, selectors
from audit.exports import MOSCOW, csv_lines
from audit.filters import AuditEventFilter
from audit.models import AuditEvent
from audit.verify import stored_hash_matches
from core import policy
from core.jobs import job_file_response
from core.models_jobs import Job

PAGE_SIZE = 50
FILTER_KEYS = tuple(AuditEventFilter.base_filters)


def _require_reader(request: HttpRequest) -> None:
    decision = policy.can(request.user, "audit.read_trail")
    if not decision:
        raise PermissionDenied(decision.reason)


def _cursor(request: HttpRequest, name: str) -> int | None:
    value = request.GET.get(name, "")
    return int(value) if value.isdigit() else None


def _filter_query(request: HttpRequest) -> str:
    """The active filters as a query string, for the pager and the export link."""
    params = request.GET.copy()
    for key in list(params):
        if key not in FILTER_KEYS or not params.get(key):
            del params[key]
    return params.urlencode()


@login_required
@require_GET
def events(request: HttpRequest) -> HttpResponse:
    """The trail, newest first, filtered, one keyset page at a time, with the chain's status."""
    _require_reader(request)
    filterset = AuditEventFilter(request.GET or None, queryset=selectors.events_visible_to(request.user))
    valid = filterset.is_valid() if filterset.is_bound else True
    queryset = filterset.qs if valid else AuditEvent.objects.none()
    page = selectors.keyset_page(
        queryset, before=_cursor(request, "before"), after=_cursor(request, "after"), size=PAGE_SIZE
    )
    return render(
        request,
        "audit/events.html",
        {
            "filter": filterset,
            "filters_active": bool(_filter_query(request)),
            "filter_query": _filter_query(request),
            "page": page,
            "status": selectors.chain_status(),
        },
    )


@login_required
@require_GET
def event_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One event with every field, its hashes and whether its own hash still checks out."""
    _require_reader(request)
    event = selectors.event_get(request.user, pk)
    context = {
        "event": event,
        "hash_ok": stored_hash_matches(event),
        "has_next": selectors.events_visible_to(request.user).filter(pk=event.pk + 1).exists(),
    }
    return render(request, "audit/event_detail.html", context)


@login_required
@require_POST
def verify(request: HttpRequest) -> HttpResponse:
    """Ask a worker to walk the whole chain (see audit.jobs); the panel then follows its progress."""
    _require_reader(request)
    job = jobs.verify_request(actor=request.user)
    if request.htmx:
        return render(request, "audit/_verify_job.html", _job_context(job))
    return redirect("audit:verify_job", pk=job.pk)


def _verify_job(request: HttpRequest, pk: int) -> Job:
    _require_reader(request)
    job = jobs.verify_jobs_visible_to(request.user).filter(pk=pk).first()
    if job is None:
        raise Http404
    return job


def _job_context(job: Job) -> dict:
    report = jobs.report_of(job)
    return {"job": job, "status": selectors.chain_status(report) if report else None}


@login_required
@require_GET
def verify_job(request: HttpRequest, pk: int) -> HttpResponse:
    """One walk: its progress (htmx polls the panel until it ends), then the verdict and certificate."""
    job = _verify_job(request, pk)
    template = "audit/_verify_job.html" if request.htmx else "audit/verify.html"
    return render(request, template, _job_context(job))


@login_required
@require_GET
def verify_certificate(request: HttpRequest, pk: int) -> HttpResponse:
    """The finished walk's certificate (JSON), with its SHA-256 in a header."""
    return job_file_response(_verify_job(request, pk))


@login_required
@require_GET
def export(request: HttpRequest) -> HttpResponse:
    """The filtered trail as CSV, streamed row by row."""
    _require_reader(request)
    filterset = AuditEventFilter(request.GET, queryset=selectors.events_visible_to(request.user))
    if not filterset.is_valid():
        return render(request, "audit/events.html", _invalid_export_context(filterset), status=400)
    stamp = timezone.now().astimezone(MOSCOW).strftime("%Y%m%d-%H%M")
    response = StreamingHttpResponse(csv_lines(filterset.qs), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="audit-trail-{stamp}.csv"'
    return response


def _invalid_export_context(filterset: AuditEventFilter) -> dict:
    return {
        "filter": filterset,
        "filters_active": True,
        "filter_query": "",
        "page": selectors.KeysetPage(events=[], newer_than=None, older_than=None),
        "status": selectors.chain_status(),
    }
