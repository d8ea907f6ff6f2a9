"""Agreement pages: the list, drawing one up from a selected application, and the agreement's page
with its actions (sign, start, success or failure, close), money and history."""

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
from core import policy
from core.workflow import available_actions
from trials import selectors, services
from trials.balances import balances_of
from trials.enums import DECISION_EVIDENCE_KINDS, AgreementState
from trials.forms import ActionForm, AgreementCreateForm, EvidenceForm, ReasonForm, SignForm, SuccessForm
from trials.views._common import MANAGE, READ, READ_ALL, button, found, paginate, require, submit
from trials.workflow import AGREEMENT_WORKFLOW

STATE_FILTERS = [value for value, _label in AgreementState.choices]


def _agreement_url(agreement: Any) -> str:
    return reverse("trials:agreement", args=[agreement.pk])


@login_required
@require_GET
def agreement_list(request: HttpRequest) -> HttpResponse:
    """Firms: their agreements. Ministry: all, with what is waiting to be drawn up."""
    require(request, READ)
    agreements = selectors.agreements_visible_to(request.user).order_by("-created_at", "-id")
    state = request.GET.get("state", "")
    if state in STATE_FILTERS:
        agreements = agreements.filter(state=state)
    page = paginate(request, agreements)
    for agreement in page.object_list:
        agreement.balances = balances_of(agreement)
    context = {
        "page_obj": page,
        "state": state,
        "states": AgreementState.choices,
        "can_manage": bool(policy.can(request.user, MANAGE)),
        "to_draw_up": list(selectors.selected_without_agreement(request.user)[:50])
        if policy.can(request.user, MANAGE)
        else [],
    }
    return render(request, "trials/agreement_list.html", context)


@login_required
def agreement_create(request: HttpRequest, application_pk: int) -> HttpResponse:
    require(request, MANAGE)
    application = found(selectors.selected_application_get, request, application_pk)
    form = AgreementCreateForm(
        request.POST or None, initial={"cap": application.funding_decision.approved_amount}
    )

    def page() -> HttpResponse:
        return render(request, "trials/agreement_create.html", {"form": form, "application": application})

    if request.method != "POST":
        return page()
    return submit(
        request,
        form,
        lambda data: services.agreement_create(
            actor=request.user,
            application=application,
            cap=data["cap"],
            reporting_interval_months=data["reporting_interval_months"],
        ),
        success=_("The agreement is drawn up. Record the signature when both parties have signed."),
        to=_agreement_url,
        page=page,
    )


def detail_page(request: HttpRequest, agreement: Any, status: int = 200, **forms: Any) -> HttpResponse:
    """The agreement page; `forms` replace the blank ones (a refused form shown with its errors)."""
    user = request.user
    can_manage = bool(policy.can(user, MANAGE))
    actions = {info.action: info for info in available_actions(AGREEMENT_WORKFLOW, agreement, user)}
    context = {
        "agreement": agreement,
        "balances": balances_of(agreement),
        "actions": actions,
        "can_manage": can_manage,
        "is_firm": bool(policy.can(user, "trials.firm_edit", agreement)),
        "reads_all": bool(policy.can(user, READ_ALL)),
        "history": events_for_object(agreement, user=user) if reads_trail(user) else [],
        "trail_link": reads_trail(user),
        "sign_form": forms.get("sign_form") or SignForm(initial={"signed_on": timezone.localdate()}),
        "reason_form": forms.get("reason_form") or ReasonForm(),
        "action_form": ActionForm(),
        "evidence_form": forms.get("evidence_form") or EvidenceForm(kinds=DECISION_EVIDENCE_KINDS),
    }
    if can_manage and agreement.state == AgreementState.ACTIVE:
        context["success_form"] = forms.get("success_form") or SuccessForm(agreement=agreement)
    return render(request, "trials/agreement_detail.html", context, status=status)


@login_required
@require_GET
def agreement_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return detail_page(request, found(selectors.agreement_get, request, pk))


def _manage_form(request: HttpRequest, pk: int, form_class: type, name: str, call: Any, success: Any):
    """An officer's form on the agreement page: one service call, or the page with the form's errors."""
    agreement = found(selectors.agreement_get, request, pk)
    require(request, MANAGE)
    form = form_class(request.POST)
    return submit(
        request,
        form,
        lambda data: call(agreement, data),
        success=success,
        to=lambda _result: _agreement_url(agreement),
        page=lambda: detail_page(request, found(selectors.agreement_get, request, pk), **{name: form}),
    )


@login_required
@require_POST
def agreement_sign(request: HttpRequest, pk: int) -> HttpResponse:
    return _manage_form(
        request,
        pk,
        SignForm,
        "sign_form",
        lambda agreement, data: services.agreement_sign(
            actor=request.user, agreement=agreement, **data_without_token(data)
        ),
        _("The signature is recorded and the cap is committed against the round's budget."),
    )


def data_without_token(data: dict) -> dict:
    return {key: value for key, value in data.items() if key != "idempotency_token"}


@login_required
@require_POST
def agreement_activate(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = found(selectors.agreement_get, request, pk)
    require(request, MANAGE)
    return button(
        request,
        lambda: services.agreement_activate(actor=request.user, agreement=agreement),
        success=_("The agreement is active; the first progress report is scheduled."),
        back=_agreement_url(agreement),
    )


@login_required
@require_POST
def agreement_close(request: HttpRequest, pk: int) -> HttpResponse:
    return _manage_form(
        request,
        pk,
        ReasonForm,
        "reason_form",
        lambda agreement, data: services.agreement_close(
            actor=request.user, agreement=agreement, reason=data["reason"]
        ),
        _("The agreement is closed; what was not paid is released to the round's budget."),
    )


@login_required
@require_POST
def agreement_failure(request: HttpRequest, pk: int) -> HttpResponse:
    return _manage_form(
        request,
        pk,
        ReasonForm,
        "reason_form",
        lambda agreement, data: services.failure_record(
            actor=request.user, agreement=agreement, reason=data["reason"]
        ),
        _("The failure is recorded; the agreement is closed with no payout."),
    )


@login_required
@require_POST
def agreement_evidence(request: HttpRequest, pk: int) -> HttpResponse:
    """The officer's success evidence (authorisation, endpoint result, expert opinion)."""
    agreement = found(selectors.agreement_get, request, pk)
    require(request, MANAGE)
    form = EvidenceForm(request.POST, request.FILES, kinds=DECISION_EVIDENCE_KINDS)
    return submit(
        request,
        form,
        lambda data: services.evidence_upload(
            actor=request.user, agreement=agreement, upload=data["file"], kind=data["kind"]
        ),
        success=_("The document is uploaded."),
        to=lambda _result: _agreement_url(agreement) + "#decision",
        page=lambda: detail_page(request, found(selectors.agreement_get, request, pk), evidence_form=form),
    )


@login_required
@require_POST
def agreement_success(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = found(selectors.agreement_get, request, pk)
    require(request, MANAGE)
    form = SuccessForm(request.POST, agreement=agreement)
    return submit(
        request,
        form,
        lambda data: services.success_record(
            actor=request.user, agreement=agreement, **data_without_token(data)
        ),
        success=_("Success is recorded. The firm may now file cost claims."),
        to=lambda _result: _agreement_url(agreement),
        page=lambda: detail_page(request, found(selectors.agreement_get, request, pk), success_form=form),
    )
