"""Submitting (every missing item listed at once), withdrawing, and the firm's clarification answers."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from core import policy
from core.errors import DomainError, ValidationFailed
from core.idempotency import run_once
from core.workflow import available_actions
from grants import selectors, services
from grants.enums import ClarificationState
from grants.forms.applications import WithdrawForm
from grants.forms.parts import ClarificationAnswerForm, DocumentUploadForm
from grants.models import Clarification
from grants.views._common import (
    EDIT,
    application_to_edit,
    found,
    not_editable_reason,
    problem_items,
    refused,
    require,
    show_refusal,
)
from grants.views.edit_page import edit_page
from grants.workflow import CLARIFICATION_WORKFLOW


@login_required
@require_POST
def application_submit(request: HttpRequest, pk: int) -> HttpResponse:
    """Freeze version n+1 and show its receipt; or show every missing item, or "round closed"."""
    application = application_to_edit(request, pk)

    def submit() -> HttpResponse:
        version = services.application_submit(actor=request.user, application=application)
        messages.success(request, _("Version %(n)s is submitted. Keep this receipt.") % {"n": version.number})
        return redirect("grants:version_detail", pk=application.pk, number=version.number)

    try:
        return run_once(request, submit)
    except ValidationFailed as exc:
        if exc.code != "incomplete":
            return edit_page(request, application, status=400, submit_error=exc.message)
        items = problem_items(exc.details, application)
        return edit_page(request, application, status=400, submit_error=exc.message, submit_problems=items)
    except DomainError as exc:
        refused(exc)
        if not_editable_reason(request.user, application):
            messages.error(request, exc.message)
            return redirect("grants:application_detail", pk=application.pk)
        return edit_page(request, application, status=409, submit_error=exc.message)


@login_required
@require_POST
def application_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    application = application_to_edit(request, pk)
    form = WithdrawForm(request.POST)
    reason = form.cleaned_data.get("reason", "") if form.is_valid() else ""

    def withdraw() -> HttpResponse:
        services.application_withdraw(actor=request.user, application=application, reason=reason)
        messages.success(
            request, _("The application is withdrawn. Until the round closes you may submit it again.")
        )
        return redirect("grants:application_detail", pk=application.pk)

    try:
        return run_once(request, withdraw)
    except DomainError as exc:
        refused(exc)
        messages.error(request, exc.message)
        return redirect("grants:application_detail", pk=application.pk)


# --- clarification requests (the firm answers; everyone who may see the application reads) ---------
def _clarification_page(
    request: HttpRequest, clarification: Clarification, status: int = 200, **forms: object
) -> HttpResponse:
    application = clarification.application
    actions = available_actions(CLARIFICATION_WORKFLOW, clarification, request.user)
    answer_info = next((a for a in actions if a.action == "answer"), None)
    is_owner = bool(policy.can(request.user, EDIT, application))
    context = {
        "clarification": clarification,
        "application": application,
        "may_answer": is_owner and answer_info is not None and answer_info.allowed,
        "answer_refusal": answer_info.reason if answer_info and not answer_info.allowed else "",
        "is_open": clarification.state == ClarificationState.OPEN,
        "answer_form": forms.get("answer_form") or ClarificationAnswerForm(),
        "upload_form": forms.get("upload_form") or DocumentUploadForm(prefix="doc", clarification=True),
    }
    return render(request, "grants/clarification_detail.html", context, status=status)


@login_required
@require_GET
def clarification_detail(request: HttpRequest, pk: int) -> HttpResponse:
    clarification = found(selectors.clarification_get, request.user, pk)
    return _clarification_page(request, clarification)


@login_required
@require_POST
def clarification_answer(request: HttpRequest, pk: int) -> HttpResponse:
    clarification = found(selectors.clarification_get, request.user, pk)
    require(request, EDIT, clarification.application)
    form = ClarificationAnswerForm(request.POST)
    if form.is_valid():

        def answer() -> HttpResponse:
            services.clarification_answer(
                actor=request.user, clarification=clarification, answer=form.cleaned_data["answer"]
            )
            messages.success(request, _("Your answer is sent to the ministry."))
            return redirect("grants:clarification_detail", pk=clarification.pk)

        try:
            return run_once(request, answer)
        except DomainError as exc:
            refused(exc)
            show_refusal(form, exc)
    return _clarification_page(request, clarification, status=400, answer_form=form)


@login_required
@require_POST
def clarification_upload(request: HttpRequest, pk: int) -> HttpResponse:
    """Attach a file to the answer (before answering); with htmx the list of files comes back."""
    clarification = found(selectors.clarification_get, request.user, pk)
    application = clarification.application
    require(request, EDIT, application)
    form = DocumentUploadForm(request.POST, request.FILES, prefix="doc", clarification=True)
    if form.is_valid():
        try:
            services.document_upload(
                actor=request.user,
                application=application,
                upload=form.cleaned_data["file"],
                clarification=clarification,
            )
        except DomainError as exc:
            refused(exc)
            show_refusal(form, exc)
        else:
            if not request.htmx:
                messages.success(request, _("The file is attached to your answer."))
                return redirect("grants:clarification_detail", pk=clarification.pk)
            form = DocumentUploadForm(prefix="doc", clarification=True)
    clarification = selectors.clarification_get(request.user, clarification.pk)
    if request.htmx:
        return render(
            request,
            "grants/_clarification_files.html",
            {"clarification": clarification, "upload_form": form, "may_answer": True},
        )
    return _clarification_page(request, clarification, status=400, upload_form=form)


@login_required
@require_POST
def clarification_file_delete(request: HttpRequest, pk: int, document_pk: int) -> HttpResponse:
    clarification = found(selectors.clarification_get, request.user, pk)
    require(request, EDIT, clarification.application)
    document = next((d for d in clarification.documents.all() if d.pk == document_pk), None)
    if document is None:
        raise Http404
    try:
        services.document_delete(actor=request.user, document=document)
    except DomainError as exc:
        refused(exc)
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The file is removed from your answer."))
    return redirect(reverse("grants:clarification_detail", args=[clarification.pk]))
