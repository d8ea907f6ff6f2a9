"""Firms' results: the decision, anonymised reviewer comments and the appeal form; and downloads."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from core.errors import DomainError
from core.forms import apply_domain_error
from core.idempotency import run_once
from grants import selectors_selection as sel
from grants.downloads import document_response
from grants.enums import AppealState
from grants.services.appeals import APPEALABLE_OUTCOMES, appeal_submit
from grants.views_selection._common import allowed, found, raise_page_error, require
from grants.views_selection.forms import AppealForm

PAGE_SIZE = 25


@login_required
@require_GET
def results(request: HttpRequest) -> HttpResponse:
    require(request, "selection.results")
    page = Paginator(sel.results_list(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "grants/selection/results.html", {"page_obj": page})


def _appeal_state(decision) -> dict:
    """May the firm appeal now, and if not, why (shown instead of the form)."""
    ledger = getattr(decision.round, "selection", None)
    ends = ledger.appeal_window_ends_at if ledger else None
    appeals = list(decision.application.appeals.all())
    open_appeal = next((a for a in appeals if a.state == AppealState.SUBMITTED), None)
    if decision.outcome not in APPEALABLE_OUTCOMES:
        reason = ""
    elif ends is None or timezone.now() >= ends:
        reason = _("The appeal window has closed.")
    elif open_appeal is not None:
        reason = _("Your appeal is awaiting a decision.")
    else:
        reason = None
    return {"appeal_until": ends, "appeals": appeals, "appeal_refusal": reason}


def _comments(decision) -> list[dict]:
    """Anonymised comments with each criterion's name instead of its code."""
    names = {c.code: c.name for c in decision.round.criteria.all()}
    return [
        {
            "label": comment.label,
            "overall": comment.overall_comment,
            "criteria": [(names.get(code, code), text) for code, text in comment.criterion_comments.items()],
        }
        for comment in sel.reviewer_comments(decision)
    ]


@login_required
def result_detail(request: HttpRequest, application_pk: int) -> HttpResponse:
    require(request, "selection.results")
    decision = found(sel.result_get, request.user, application_pk)
    if decision.published_at is None:  # ministry staff see unpublished decisions on the decision page
        return redirect("grants:selection_decision", pk=decision.round_id)
    context = {
        "decision": decision,
        "application": decision.application,
        "comments": _comments(decision),
        **_appeal_state(decision),
    }
    can_appeal = (
        allowed(request, "selection.appeal", decision.application) and context["appeal_refusal"] is None
    )
    form = AppealForm(request.POST or None, request.FILES or None) if can_appeal else None
    if request.method == "POST":
        require(request, "selection.appeal", decision.application)
        if form is None:
            form = AppealForm(request.POST, request.FILES)
        if form.is_valid():

            def handle() -> HttpResponse:
                appeal_submit(
                    actor=request.user,
                    application=decision.application,
                    grounds=form.cleaned_data["grounds"],
                    text=form.cleaned_data["text"],
                    files=form.cleaned_data["files"],
                )
                messages.success(request, _("Your appeal is submitted; you will be told the decision."))
                return redirect("grants:selection_result", application_pk=decision.application_id)

            try:
                return run_once(request, handle)
            except DomainError as exc:
                raise_page_error(exc)
                apply_domain_error(form, exc)
    return render(
        request,
        "grants/selection/result.html",
        {**context, "form": form},
        status=400 if form is not None and form.is_bound and form.errors else 200,
    )


@login_required
@require_GET
def document_download(request: HttpRequest, pk: int) -> HttpResponse:
    document = found(sel.selection_document_get, request.user, pk)
    return document_response(document)
