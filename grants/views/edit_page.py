"""The firm's multi-section application page: its context, and each section as an htmx fragment."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse

from core.workflow import available_actions
from grants import selectors, services
from grants.forms.applications import ClaimForm, GeneralForm, SubmitForm, WithdrawForm
from grants.forms.parts import BudgetLineForm, DocumentUploadForm, TrialForm, category_choices
from grants.models import Application
from grants.views._common import SECTIONS, problem_items
from grants.workflow import APPLICATION_WORKFLOW

CHANGED_EVENT = "fc-application-changed"  # the problems panel reloads itself on this htmx event


def general_form(application: Application, data: Any = None) -> GeneralForm:
    return GeneralForm(
        data,
        initial=GeneralForm.initial_from(application),
        round_=application.round,
        check_url=reverse("grants:field_check", args=[application.pk, "general"]),
    )


def claim_form(application: Application, data: Any = None) -> ClaimForm:
    return ClaimForm(
        data,
        initial=ClaimForm.initial_from(application),
        check_url=reverse("grants:field_check", args=[application.pk, "claim"]),
    )


def section_status(items: list[dict]) -> list[dict]:
    """The sections for the page's side menu, each marked complete or with its number of problems."""
    counts: dict[str, int] = {}
    for item in items:
        counts[item["section"]] = counts.get(item["section"], 0) + 1
    return [{"name": name, "title": title, "problems": counts.get(name, 0)} for name, title in SECTIONS]


def problems_context(application: Application) -> dict:
    items = problem_items(services.application_problems(application), application)
    return {"problems": items, "sections": section_status(items)}


def edit_context(application: Application, user: Any, **overrides: Any) -> dict:
    """Everything the page draws; `overrides` replace a bound form with its errors."""
    categories = category_choices(application.round.program)
    context: dict[str, Any] = {
        "application": application,
        "round": application.round,
        "general_form": general_form(application),
        "claim_form": claim_form(application),
        "line_forms": [
            (
                line,
                BudgetLineForm(
                    initial=BudgetLineForm.initial_from(line), prefix=f"line-{line.pk}", categories=categories
                ),
            )
            for line in application.budget_lines.all()
        ],
        "new_line_form": BudgetLineForm(prefix="line-new", categories=categories),
        "trial_forms": [
            (trial, TrialForm(initial=TrialForm.initial_from(trial), prefix=f"trial-{trial.pk}"))
            for trial in application.trials.all()
        ],
        "new_trial_form": TrialForm(prefix="trial-new"),
        "upload_form": DocumentUploadForm(prefix="doc"),
        "submit_form": SubmitForm(),
        "withdraw_form": WithdrawForm(auto_id="withdraw_%s"),
        "best_in_class": application.claim_kind == "best_in_class",
        **problems_context(application),
    }
    actions = {a.action: a for a in available_actions(APPLICATION_WORKFLOW, application, user)}
    context["submit_action"] = actions.get("submit") or actions.get("resubmit")
    context["withdraw_action"] = actions.get("withdraw")
    context["unchanged_since_submission"] = (
        application.state == "submitted" and not application.has_unsubmitted_changes
    )
    for key, value in overrides.items():
        if key == "line_form":  # a bound line form replaces its row's form
            line_pk, form = value
            context["line_forms"] = [
                (line, form if line.pk == line_pk else f) for line, f in context["line_forms"]
            ]
        elif key == "trial_form":
            trial_pk, form = value
            context["trial_forms"] = [
                (trial, form if trial.pk == trial_pk else f) for trial, f in context["trial_forms"]
            ]
        else:
            context[key] = value
    return context


def edit_page(
    request: HttpRequest, application: Application, status: int = 200, **overrides: Any
) -> HttpResponse:
    context = edit_context(application, request.user, **overrides)
    return render(request, "grants/application_edit.html", context, status=status)


def section_response(request: HttpRequest, pk: int, section: str, **overrides: Any) -> HttpResponse:
    """One section re-read and re-drawn (after a save or with a form's errors) for htmx to swap in."""
    application = selectors.application_get(request.user, pk)
    context = edit_context(application, request.user, **overrides)
    # The summary, the submit box and any earlier "not complete" list change with every save: they
    # ride along out of band so the page never shows a stale amount, state or list.
    html = render_to_string(f"grants/edit/_{section}.html", context, request=request)
    html += render_to_string("grants/edit/_out_of_band.html", context, request=request)
    response = HttpResponse(html)
    response["HX-Trigger"] = CHANGED_EVENT
    return response
