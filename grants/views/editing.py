"""The firm's section saves, on-blur field checks, budget lines with the live total, trials and files.

Each POST works with htmx (the section comes back to be swapped in, and the problems panel reloads)
and without it (a redirect to the section, or the whole page with the form's errors).
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from core.errors import DomainError
from core.money import parse_roubles, round_kop
from grants import selectors, services
from grants.forms.parts import BudgetLineForm, DocumentUploadForm, TrialForm, category_choices
from grants.models import Application
from grants.views._common import (
    EDIT,
    application_for,
    application_to_edit,
    found,
    line_of,
    refused,
    require,
    show_refusal,
    trial_of,
)
from grants.views.edit_page import claim_form, edit_page, general_form, problems_context, section_response

LOCKING_CODES = frozenset({"round_closed", "not_editable"})
SECTION_FORMS = {"general": general_form, "claim": claim_form}


def _section_url(application: Application | int, section: str) -> str:
    pk = application.pk if isinstance(application, Application) else application
    return reverse("grants:application_detail", args=[pk]) + f"#section-{section}"


def _locked(request: HttpRequest, application: Application, exc: DomainError) -> HttpResponse:
    """The round closed (or the state moved) under the firm: go to the read-only page with the reason."""
    messages.error(request, exc.message)
    url = reverse("grants:application_detail", args=[application.pk])
    if request.htmx:
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


def _save(
    request: HttpRequest,
    application: Application,
    section: str,
    form: Any,
    call: Callable[[], Any],
    done: Any,
    override: dict,
) -> HttpResponse:
    """Run the service when the form is valid; answer the htmx or the plain request either way."""
    if form.is_valid():
        try:
            call()
        except DomainError as exc:
            refused(exc)
            if exc.code in LOCKING_CODES:
                return _locked(request, application, exc)
            show_refusal(form, exc)
        else:
            if request.htmx:
                return section_response(request, application.pk, section)
            messages.success(request, done)
            return redirect(_section_url(application, section))
    if request.htmx:
        return section_response(request, application.pk, section, **override)
    return edit_page(request, application, status=400, **override)


@login_required
@require_POST
def section_save(request: HttpRequest, pk: int, section: str) -> HttpResponse:
    """Save the draft fields of one section (general and drug candidate, or the claim)."""
    if section not in SECTION_FORMS:
        raise Http404
    application = application_to_edit(request, pk)
    form = SECTION_FORMS[section](application, request.POST)

    def call() -> None:
        services.application_update(actor=request.user, application=application, **form.cleaned_data)

    return _save(
        request, application, section, form, call, _("The section is saved."), {f"{section}_form": form}
    )


@login_required
@require_POST
def field_check(request: HttpRequest, pk: int, section: str) -> HttpResponse:
    """Check one field as the person leaves it, with the section form's own validation."""
    if section not in SECTION_FORMS:
        raise Http404
    application = application_to_edit(request, pk)
    form = SECTION_FORMS[section](application, request.POST)
    name = request.headers.get("HX-Trigger-Name", "").removeprefix(f"{form.prefix}-")
    if name not in form.fields:
        return HttpResponse(status=204)
    form.is_valid()
    return render(request, "grants/edit/_field.html", {"field": form[name], "form": form})


@login_required
@require_GET
def problems_panel(request: HttpRequest, pk: int) -> HttpResponse:
    """The side panel: sections with their problems and the checklist before submission."""
    application = application_for(request, pk)
    require(request, EDIT, application)
    return render(
        request, "grants/edit/_problems.html", {"application": application, **problems_context(application)}
    )


# --- budget lines ---------------------------------------------------------------------------------
def _categories(application: Application) -> list[tuple[str, str]]:
    return category_choices(application.round.program)


@login_required
@require_POST
def line_add(request: HttpRequest, pk: int) -> HttpResponse:
    application = application_to_edit(request, pk)
    form = BudgetLineForm(request.POST, prefix="line-new", categories=_categories(application))

    def call() -> None:
        services.budget_line_add(actor=request.user, application=application, **form.service_values())

    return _save(
        request, application, "budget", form, call, _("The budget line is added."), {"new_line_form": form}
    )


@login_required
@require_POST
def line_update(request: HttpRequest, pk: int, line_pk: int) -> HttpResponse:
    application = application_to_edit(request, pk)
    line = line_of(application, line_pk)
    form = BudgetLineForm(request.POST, prefix=f"line-{line.pk}", categories=_categories(application))

    def call() -> None:
        services.budget_line_update(actor=request.user, line=line, **form.service_values())

    return _save(
        request,
        application,
        "budget",
        form,
        call,
        _("The budget line is saved."),
        {"line_form": (line.pk, form)},
    )


@login_required
@require_POST
def line_delete(request: HttpRequest, pk: int, line_pk: int) -> HttpResponse:
    application = application_to_edit(request, pk)
    line = line_of(application, line_pk)
    try:
        services.budget_line_delete(actor=request.user, line=line)
    except DomainError as exc:
        refused(exc)
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The budget line is deleted."))
    return redirect(_section_url(application, "budget"))


@login_required
@require_POST
def budget_total(request: HttpRequest, pk: int) -> HttpResponse:
    """The total of the amounts as typed, summed by the server to the kopeck (what the lines will sum
    to once saved); amounts that cannot be read are counted and named, never guessed."""
    application = application_to_edit(request, pk)
    typed, unreadable = Decimal("0.00"), 0
    for key, values in request.POST.lists():
        if not key.endswith("-amount"):
            continue
        for raw in values:
            if not raw.strip():
                continue
            try:
                typed += parse_roubles(raw)
            except ValidationError:
                unreadable += 1
    return render(
        request,
        "grants/edit/_budget_total.html",
        {"application": application, "typed_total": round_kop(typed), "unreadable": unreadable, "live": True},
    )


# --- covered trials -------------------------------------------------------------------------------
@login_required
@require_POST
def trial_add(request: HttpRequest, pk: int) -> HttpResponse:
    application = application_to_edit(request, pk)
    form = TrialForm(request.POST, prefix="trial-new")

    def call() -> None:
        services.trial_add(actor=request.user, application=application, **form.service_values())

    return _save(
        request, application, "trials", form, call, _("The trial is added."), {"new_trial_form": form}
    )


@login_required
@require_POST
def trial_update(request: HttpRequest, pk: int, trial_pk: int) -> HttpResponse:
    application = application_to_edit(request, pk)
    trial = trial_of(application, trial_pk)
    form = TrialForm(request.POST, prefix=f"trial-{trial.pk}")

    def call() -> None:
        services.trial_update(actor=request.user, trial=trial, **form.service_values())

    return _save(
        request, application, "trials", form, call, _("The trial is saved."), {"trial_form": (trial.pk, form)}
    )


@login_required
@require_POST
def trial_delete(request: HttpRequest, pk: int, trial_pk: int) -> HttpResponse:
    application = application_to_edit(request, pk)
    trial = trial_of(application, trial_pk)
    try:
        services.trial_delete(actor=request.user, trial=trial)
    except DomainError as exc:
        refused(exc)
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The trial is removed."))
    return redirect(_section_url(application, "trials"))


# --- documents ------------------------------------------------------------------------------------
@login_required
@require_POST
def document_upload(request: HttpRequest, pk: int) -> HttpResponse:
    application = application_to_edit(request, pk)
    form = DocumentUploadForm(request.POST, request.FILES, prefix="doc")

    def call() -> None:
        services.document_upload(
            actor=request.user,
            application=application,
            upload=form.cleaned_data["file"],
            kind=form.cleaned_data["kind"],
        )

    return _save(
        request, application, "documents", form, call, _("The file is uploaded."), {"upload_form": form}
    )


@login_required
@require_POST
def document_delete(request: HttpRequest, pk: int, document_pk: int) -> HttpResponse:
    """Remove a file from the working copy (a file of a submitted version stays as evidence)."""
    application = application_to_edit(request, pk)
    document = found(selectors.document_get, request.user, document_pk)
    if document.application_id != application.pk or document.clarification_id:
        raise Http404
    try:
        services.document_delete(actor=request.user, document=document)
    except DomainError as exc:
        refused(exc)
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The file is removed from the application."))
    return redirect(_section_url(application, "documents"))
