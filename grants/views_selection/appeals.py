"""The appeals queue and one appeal: officers decide, auditors and administrators read."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from core.errors import DomainError
from core.forms import apply_domain_error
from core.idempotency import run_once
from grants import selectors_selection as sel
from grants.enums import AppealState
from grants.services.appeals import appeal_decide
from grants.views_selection._common import allowed, found, raise_page_error, require
from grants.views_selection.forms import AppealDecisionForm

PAGE_SIZE = 25


@login_required
@require_GET
def appeal_queue(request: HttpRequest) -> HttpResponse:
    require(request, "selection.read")
    state = request.GET.get("state", AppealState.SUBMITTED)
    if state not in AppealState.values:
        state = ""
    appeals = sel.appeal_queue(request.user, state=state)
    page = Paginator(appeals, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "grants/selection/appeals.html",
        {"page_obj": page, "state": state, "states": AppealState.choices},
    )


@login_required
def appeal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require(request, "selection.read")
    appeal = found(sel.appeal_get, request.user, pk)
    can_decide = allowed(request, "selection.manage") and appeal.state == AppealState.SUBMITTED
    form = AppealDecisionForm(request.POST or None)
    if request.method == "POST":
        require(request, "selection.manage")
        if form.is_valid():

            def handle() -> HttpResponse:
                appeal_decide(
                    actor=request.user,
                    appeal=appeal,
                    uphold=form.cleaned_data["decision"] == "uphold",
                    reason=form.cleaned_data["reason"],
                )
                messages.success(request, _("The appeal is decided and the firm is told."))
                return redirect("grants:selection_appeal", pk=appeal.pk)

            try:
                return run_once(request, handle)
            except DomainError as exc:
                raise_page_error(exc)
                apply_domain_error(form, exc)
    return render(
        request,
        "grants/selection/appeal_detail.html",
        {"appeal": appeal, "form": form, "can_decide": can_decide},
        status=400 if form.is_bound and form.errors else 200,
    )
