"""Officers: the screening page of a submitted application, and clarification requests."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _

from core.errors import DomainError
from core.idempotency import run_once
from core.workflow import available_actions
from grants import services
from grants.forms.screening import ClarificationRequestForm, ScreeningForm
from grants.models import Application
from grants.views._common import MANAGE, application_for, refused, require, show_refusal
from grants.workflow import APPLICATION_WORKFLOW


def _page(request: HttpRequest, application: Application, status: int = 200, **forms: object) -> HttpResponse:
    actions = [
        a
        for a in available_actions(APPLICATION_WORKFLOW, application, request.user)
        if a.action.startswith("screen_")
    ]
    versions = list(application.versions.all())
    context = {
        "application": application,
        "latest_version": versions[-1] if versions else None,
        "screen_actions": actions,
        "may_screen": any(a.allowed for a in actions),
        "screen_refusal": next((a.reason for a in actions if not a.allowed), ""),
        "form": forms.get("form") or ScreeningForm(),
        "clarify_form": forms.get("clarify_form") or ClarificationRequestForm(),
    }
    return render(request, "grants/screening.html", context, status=status)


@login_required
def application_screen(request: HttpRequest, pk: int) -> HttpResponse:
    """Checklist and the eligible/ineligible decision with a reason (rule 12), after the close."""
    application = application_for(request, pk)
    require(request, MANAGE, application)
    if request.method != "POST":
        return _page(request, application)
    form = ScreeningForm(request.POST)
    if form.is_valid():

        def screen() -> HttpResponse:
            decision = services.application_screen(
                actor=request.user,
                application=application,
                outcome=form.cleaned_data["outcome"],
                reason=form.cleaned_data["reason"],
                checklist=form.checklist(),
            )
            messages.success(
                request,
                _("The application is marked %(outcome)s.")
                % {"outcome": decision.get_outcome_display().lower()},
            )
            return redirect("grants:round_detail", pk=application.round_id)

        try:
            return run_once(request, screen)
        except DomainError as exc:
            refused(exc)
            show_refusal(form, exc)
    return _page(request, application, status=400, form=form)


@login_required
def clarification_request(request: HttpRequest, pk: int) -> HttpResponse:
    """Ask the firm a question with a due time; the frozen version is not touched."""
    application = application_for(request, pk)
    require(request, MANAGE, application)
    if request.method != "POST":
        return redirect("grants:application_screen", pk=application.pk)
    form = ClarificationRequestForm(request.POST)
    if form.is_valid():

        def ask() -> HttpResponse:
            clarification = services.clarification_request(
                actor=request.user,
                application=application,
                question=form.cleaned_data["question"],
                due_at=form.cleaned_data["due_at"],
            )
            messages.success(request, _("The question is sent to the firm."))
            return redirect("grants:clarification_detail", pk=clarification.pk)

        try:
            return run_once(request, ask)
        except DomainError as exc:
            refused(exc)
            show_refusal(form, exc)
    return _page(request, application, status=400, clarify_form=form)
