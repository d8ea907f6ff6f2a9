"""Applications: the lists, starting a draft, the application page, versions and receipts, downloads."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from audit.selectors import events_for_object, reads_trail
from core import policy
from core.errors import DomainError
from core.idempotency import run_once
from core.workflow import available_actions
from grants import selectors, selectors_pages, services
from grants.downloads import document_response
from grants.enums import ClaimKind, DevelopmentStage, Modality
from grants.forms.applications import ApplicationFilterForm, StartApplicationForm, WithdrawForm
from grants.models import Application, CostCategory, PriorityArea
from grants.selectors_pages import sort_key
from grants.views._common import (
    EDIT,
    MANAGE,
    application_for,
    field_label,
    found,
    not_editable_reason,
    refused,
    require,
    show_refusal,
)
from grants.views.edit_page import edit_page
from grants.workflow import APPLICATION_WORKFLOW

PAGE_SIZE = 25


@login_required
@require_GET
def application_list(request: HttpRequest) -> HttpResponse:
    """Firms: their own applications. Ministry staff: every application. Reviewers: none yet."""
    form = ApplicationFilterForm(request.GET or None)
    filters = form.filters()
    sort = sort_key(request.GET.get("sort", ""))
    rows = selectors_pages.applications_page_list(request.user, sort=sort, **filters)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    can_start = bool(policy.can(request.user, "grants.application.create"))
    return render(
        request,
        "grants/application_list.html",
        {
            "form": form,
            "page_obj": page,
            "filtered": bool(filters),
            "sort": sort,
            "can_start": can_start,
            "open_rounds": list(selectors_pages.open_rounds(request.user)[:5]) if can_start else [],
            "is_firm": request.user.role == "applicant",
        },
    )


@login_required
def application_start(request: HttpRequest) -> HttpResponse:
    """Start a draft in an open round for the user's firm."""
    require(request, "grants.application.create")
    rounds = selectors_pages.open_rounds(request.user)
    initial = {"round": request.GET.get("round")} if request.GET.get("round", "").isdigit() else {}
    form = StartApplicationForm(request.POST or None, rounds=rounds, initial=initial)
    if request.method == "POST" and form.is_valid():

        def start() -> HttpResponse:
            application = services.application_create(
                actor=request.user, round=form.cleaned_data["round"], title=form.cleaned_data["title"]
            )
            messages.success(request, _("The draft is saved. Fill in each section, then submit."))
            return redirect("grants:application_detail", pk=application.pk)

        try:
            return run_once(request, start)
        except DomainError as exc:
            refused(exc)
            show_refusal(form, exc)
    status = 400 if form.is_bound and form.errors else 200
    return render(
        request, "grants/application_start.html", {"form": form, "has_rounds": rounds.exists()}, status=status
    )


@login_required
@require_GET
def application_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The firm edits its working copy here while it may; everyone else (and the firm after the
    close) reads the application, its versions, clarifications, screening and history."""
    application = application_for(request, pk)
    reason = not_editable_reason(request.user, application)
    if not reason:
        return edit_page(request, application)
    is_owner = bool(policy.can(request.user, EDIT, application))
    actions = available_actions(APPLICATION_WORKFLOW, application, request.user)
    context = {
        "application": application,
        "is_owner": is_owner,
        "locked_reason": reason if is_owner else "",
        "can_manage": bool(policy.can(request.user, MANAGE)),
        "withdraw_action": next((a for a in actions if a.action == "withdraw" and a.allowed), None),
        "withdraw_form": WithdrawForm(auto_id="withdraw_%s"),
        "history": events_for_object(application, user=request.user) if reads_trail(request.user) else [],
    }
    return render(request, "grants/application_detail.html", context)


@login_required
@require_GET
def version_list(request: HttpRequest, pk: int) -> HttpResponse:
    application = application_for(request, pk)
    return render(request, "grants/version_list.html", {"application": application})


@login_required
@require_GET
def version_detail(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    """The submission receipt: version number, time (Moscow), content hash and what was submitted."""
    version = found(selectors.application_version_get, request.user, pk, number)
    snapshot = version.snapshot
    names = {c.code: c.name for c in CostCategory.objects.all()}
    lines = [
        {
            **line,
            "category_name": names.get(line["category"], line["category"]),
            "amount": Decimal(line["amount"]),
        }
        for line in snapshot.get("budget_lines", [])
    ]
    context = {
        "version": version,
        "application": version.application,
        "snapshot": snapshot,
        "fields": _snapshot_fields(snapshot),
        "lines": lines,
        "is_latest": version.number == version.application.current_version,
    }
    return render(request, "grants/version_detail.html", context)


def _snapshot_fields(snapshot: dict) -> list[tuple[str, str]]:
    """(label, value) of the frozen application fields, codes shown by their names."""
    shown = {
        "modality": dict(Modality.choices),
        "claim_kind": dict(ClaimKind.choices),
        "development_stage": dict(DevelopmentStage.choices),
        "priority_area": {a.code: a.name for a in PriorityArea.objects.all()},
    }
    rows = []
    for name in (
        "title", "drug_name", "modality", "mechanism", "indication", "icd10_code", "atc_code", "priority_area",
        "development_stage", "claim_kind", "novelty_statement", "comparator_name", "comparator_atc",
        "superiority_endpoint", "superiority_result", "superiority_trial",
    ):  # fmt: skip
        value = snapshot.get(name) or ""
        if name in shown:
            value = shown[name].get(value, value)
        if value or name in ("title", "claim_kind"):
            rows.append((field_label(name, Application), str(value)))
    return rows


@login_required
@require_GET
def document_download(request: HttpRequest, pk: int) -> HttpResponse:
    """A stored file, only through the scoped selector (another firm's file is a 404)."""
    document = found(selectors.document_get, request.user, pk)
    return document_response(document)
