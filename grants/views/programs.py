"""Programs: the list (every signed-in user may read them), create and edit (program officers)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from core import policy
from core.errors import DomainError
from core.idempotency import run_once
from grants import selectors, selectors_pages, services
from grants.forms.rounds import PROGRAM_FORM_FIELDS, ProgramForm
from grants.models import DEFAULT_PROJECT_CAP
from grants.views._common import MANAGE, found, refused, require, show_refusal


@login_required
@require_GET
def program_list(request: HttpRequest) -> HttpResponse:
    programs = selectors_pages.programs_page_list(request.user)
    return render(
        request,
        "grants/program_list.html",
        {"programs": programs, "can_manage": bool(policy.can(request.user, MANAGE))},
    )


def _values(form: ProgramForm) -> dict:
    return {name: form.cleaned_data[name] for name in PROGRAM_FORM_FIELDS}


@login_required
def program_create(request: HttpRequest) -> HttpResponse:
    require(request, MANAGE)
    initial = {
        "rate": "1",
        "project_cap": DEFAULT_PROJECT_CAP,
        "success_events": ["marketing_authorisation"],
        "cost_categories": [code for code, _name in ProgramForm().fields["cost_categories"].choices],
    }
    form = ProgramForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():

        def create() -> HttpResponse:
            values = _values(form)
            program = services.program_create(
                actor=request.user, cost_categories=values.pop("cost_categories"), **values
            )
            messages.success(request, _("The program “%(name)s” is created.") % {"name": program.name})
            return redirect("grants:programs")

        try:
            return run_once(request, create)
        except DomainError as exc:
            refused(exc)
            show_refusal(form, exc)
    return render(
        request,
        "grants/program_form.html",
        {"form": form, "program": None},
        status=400 if form.is_bound and form.errors else 200,
    )


@login_required
def program_edit(request: HttpRequest, pk: int) -> HttpResponse:
    program = found(selectors.program_get, request.user, pk)
    require(request, MANAGE, program)
    form = ProgramForm(request.POST or None, initial=ProgramForm.initial_from(program))
    if request.method == "POST" and form.is_valid():
        values = {name: value for name, value in _values(form).items() if name in form.changed_data}
        categories = values.pop("cost_categories", None)
        try:
            services.program_update(actor=request.user, program=program, cost_categories=categories, **values)
        except DomainError as exc:
            refused(exc)
            show_refusal(form, exc)
        else:
            messages.success(request, _("The program is saved."))
            return redirect("grants:programs")
    return render(
        request,
        "grants/program_form.html",
        {"form": form, "program": program},
        status=400 if form.is_bound and form.errors else 200,
    )
