"""Money pages: payouts (history, approval, payment), recoveries, the ledger, and evidence files."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from audit.selectors import events_for_object, reads_trail
from core.workflow import available_actions
from grants.downloads import document_response
from trials import selectors, services
from trials.enums import LedgerKind, PayoutState
from trials.forms import ActionForm, MarkPaidForm, ReasonForm, RecoveryForm
from trials.views._common import MANAGE, READ, READ_ALL, button, found, paginate, require, submit
from trials.workflow import PAYOUT_WORKFLOW


def _payout_url(payout: Any) -> str:
    return reverse("trials:payout", args=[payout.pk])


@login_required
@require_GET
def payout_list(request: HttpRequest) -> HttpResponse:
    """The payout history: the firm's own; every payout for the ministry."""
    require(request, READ)
    payouts = selectors.payouts_visible_to(request.user)
    state = request.GET.get("state", "")
    if state in PayoutState.values:
        payouts = payouts.filter(state=state)
    context = {"page_obj": paginate(request, payouts), "state": state, "states": PayoutState.choices}
    return render(request, "trials/payout_list.html", context)


def payout_page(request: HttpRequest, payout: Any, status: int = 200, **forms: Any) -> HttpResponse:
    user = request.user
    context = {
        "payout": payout,
        "agreement": payout.agreement,
        "actions": {info.action: info for info in available_actions(PAYOUT_WORKFLOW, payout, user)},
        "paid_form": forms.get("paid_form")
        or MarkPaidForm(initial={"payment_order_date": timezone.localdate()}),
        "reason_form": forms.get("reason_form") or ReasonForm(),
        "action_form": ActionForm(),
        "history": events_for_object(payout, user=user) if reads_trail(user) else [],
        "trail_link": reads_trail(user),
        "ledger": payout.ledger_entries.all(),
    }
    return render(request, "trials/payout_detail.html", context, status=status)


@login_required
@require_GET
def payout_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return payout_page(request, found(selectors.payout_get, request, pk))


@login_required
@require_POST
def payout_propose(request: HttpRequest, pk: int) -> HttpResponse:
    """Propose the payout of a verified claim (from the verification page)."""
    claim = found(selectors.claim_get, request, pk)
    require(request, MANAGE)
    return button(
        request,
        lambda: services.payout_propose(actor=request.user, claim=claim),
        success=_("The payout is proposed. A second officer approves it."),
        back=reverse("trials:claim_verify", args=[claim.pk]),
    )


@login_required
@require_POST
def payout_approve(request: HttpRequest, pk: int) -> HttpResponse:
    payout = found(selectors.payout_get, request, pk)
    require(request, MANAGE)
    return button(
        request,
        lambda: services.payout_approve(actor=request.user, payout=payout),
        success=_("The payout is approved."),
        back=_payout_url(payout),
    )


@login_required
@require_POST
def payout_mark_paid(request: HttpRequest, pk: int) -> HttpResponse:
    payout = found(selectors.payout_get, request, pk)
    require(request, MANAGE)
    form = MarkPaidForm(request.POST)
    return submit(
        request,
        form,
        lambda data: services.payout_mark_paid(
            actor=request.user,
            payout=payout,
            payment_order_number=data["payment_order_number"],
            payment_order_date=data["payment_order_date"],
        ),
        success=_("The payment is recorded in the ledger."),
        to=_payout_url,
        page=lambda: payout_page(request, found(selectors.payout_get, request, pk), paid_form=form),
    )


@login_required
@require_POST
def payout_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    payout = found(selectors.payout_get, request, pk)
    require(request, MANAGE)
    form = ReasonForm(request.POST)
    return submit(
        request,
        form,
        lambda data: services.payout_cancel(actor=request.user, payout=payout, reason=data["reason"]),
        success=_("The payout is cancelled."),
        to=_payout_url,
        page=lambda: payout_page(request, found(selectors.payout_get, request, pk), reason_form=form),
    )


@login_required
@require_GET
def recovery_list(request: HttpRequest) -> HttpResponse:
    require(request, READ)
    return render(
        request,
        "trials/recovery_list.html",
        {"page_obj": paginate(request, selectors.recoveries_visible_to(request.user))},
    )


@login_required
def recovery_create(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = found(selectors.agreement_get, request, pk)
    require(request, MANAGE)
    form = RecoveryForm(request.POST or None, agreement=agreement)

    def page() -> HttpResponse:
        return render(request, "trials/recovery_form.html", {"form": form, "agreement": agreement})

    if request.method != "POST":
        return page()
    return submit(
        request,
        form,
        lambda data: services.recovery_record(
            actor=request.user,
            agreement=agreement,
            amount=data["amount"],
            reason=data["reason"],
            due_date=data["due_date"],
            payout=data["payout"],
        ),
        success=_("The recovery is recorded as a negative ledger entry."),
        to=lambda _r: reverse("trials:agreement", args=[agreement.pk]) + "#money",
        page=page,
    )


@login_required
@require_GET
def ledger(request: HttpRequest) -> HttpResponse:
    """Every ledger entry, newest first (ministry readers)."""
    require(request, READ_ALL)
    entries = selectors.ledger_visible_to(request.user)
    kind = request.GET.get("kind", "")
    if kind in LedgerKind.values:
        entries = entries.filter(kind=kind)
    context = {"page_obj": paginate(request, entries), "kind": kind, "kinds": LedgerKind.choices}
    return render(request, "trials/ledger.html", context)


@login_required
@require_GET
def evidence_download(request: HttpRequest, pk: int) -> HttpResponse:
    evidence = found(selectors.evidence_get, request, pk)
    return document_response(evidence)


@login_required
@require_POST
def evidence_delete(request: HttpRequest, pk: int) -> HttpResponse:
    evidence = found(selectors.evidence_get, request, pk)
    require(request, "trials.evidence_upload", evidence)
    back = request.POST.get("back", "")
    if not back.startswith("/trials/"):
        back = reverse("trials:agreement", args=[evidence.agreement_id])
    return button(
        request,
        lambda: services.evidence_delete(actor=request.user, evidence=evidence),
        success=_("The file is removed."),
        back=back,
    )
