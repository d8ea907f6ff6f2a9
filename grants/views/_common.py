"""Helpers shared by the grants pages: policy checks, scoped lookups, section anchors of problems."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.http import Http404, HttpRequest
from django.utils.translation import gettext_lazy as _

from core import policy
from core.errors import DomainError, Forbidden, NotFound
from core.forms import apply_domain_error
from grants import selectors
from grants.models import Application, BudgetLine, CoveredTrial
from grants.services._common import require_editable

MANAGE = "grants.manage"
EDIT = "grants.application.edit"
READ_ALL = "grants.read_all"

# Sections of the firm's application page, in order: (anchor, title).
SECTIONS = (
    ("general", _("General and drug candidate")),
    ("claim", _("First-in-class or best-in-class claim")),
    ("trials", _("Clinical trials")),
    ("budget", _("Budget")),
    ("documents", _("Documents")),
)
SECTION_OF_FIELD = {
    **dict.fromkeys(
        (
            "title",
            "drug_name",
            "modality",
            "mechanism",
            "indication",
            "icd10_code",
            "atc_code",
            "priority_area",
            "development_stage",
        ),
        "general",
    ),
    **dict.fromkeys(
        (
            "claim_kind",
            "novelty_statement",
            "comparator_name",
            "comparator_atc",
            "superiority_endpoint",
            "superiority_result",
            "superiority_trial",
        ),
        "claim",
    ),
    "trials": "trials",
    "budget_lines": "budget",
    "requested_amount": "budget",
    "documents": "documents",
}


def require(request: HttpRequest, name: str, obj: Any = None) -> None:
    """403 with the policy's reason (the error page shows it)."""
    decision = policy.can(request.user, name, obj)
    if not decision:
        raise PermissionDenied(decision.reason)


def found(lookup: Callable[..., Any], *args: Any) -> Any:
    """Call a scoped selector; its NotFound (also for another firm's object) becomes a 404 page."""
    try:
        return lookup(*args)
    except NotFound as exc:
        raise Http404(exc.message) from exc


def refused(exc: DomainError) -> None:
    """A service's Forbidden or NotFound becomes the 403/404 page; other refusals are the caller's."""
    if isinstance(exc, Forbidden):
        raise PermissionDenied(exc.message) from exc
    if isinstance(exc, NotFound):
        raise Http404(exc.message) from exc


def show_refusal(form: forms.BaseForm, exc: DomainError) -> None:
    """A service's refusal on the form: every message of `details` beside its field (or on top when
    the form has no such field); a refusal without details beside `exc.field` or on top."""
    details = {name: msgs for name, msgs in (exc.details or {}).items() if isinstance(msgs, list | tuple)}
    if not details:
        apply_domain_error(form, exc)
        return
    for name, messages in details.items():
        for message in messages:
            form.add_error(name if name in form.fields else None, str(message))


def application_for(request: HttpRequest, pk: int) -> Application:
    return found(selectors.application_get, request.user, pk)


def application_to_edit(request: HttpRequest, pk: int) -> Application:
    """The firm's own application (404 for anyone who cannot see it, 403 for read-only roles)."""
    application = application_for(request, pk)
    require(request, EDIT, application)
    return application


def not_editable_reason(user: Any, application: Application) -> str:
    """Why the firm cannot change its working copy now ("" when it can), by the services' own rule."""
    decision = policy.can(user, EDIT, application)
    if not decision:
        return decision.reason
    try:
        require_editable(user, application)
    except DomainError as exc:
        return exc.message
    return ""


def line_of(application: Application, pk: int) -> BudgetLine:
    line = next((line for line in application.budget_lines.all() if line.pk == pk), None)
    if line is None:
        raise Http404(str(_("Budget line not found.")))
    return line


def trial_of(application: Application, pk: int) -> CoveredTrial:
    trial = next((trial for trial in application.trials.all() if trial.pk == pk), None)
    if trial is None:
        raise Http404(str(_("Trial not found.")))
    return trial


def problem_items(problems: dict[str, list[str]], application: Application) -> list[dict]:
    """Every missing item as {section, anchor, label, message}: a checklist linking to its section.

    Keys are the services' field names: "title", "trials", "trials.<id>.nct_id",
    "budget_lines.<id>.category", "requested_amount", "documents", "organisation".
    """
    trials = {str(t.pk): index for index, t in enumerate(application.trials.all(), start=1)}
    lines = {str(line.pk): line for line in application.budget_lines.all()}
    items = []
    for key, messages in problems.items():
        head, _dot, rest = key.partition(".")
        section = SECTION_OF_FIELD.get(head, "")
        anchor = f"section-{section}" if section else ""
        if section in ("general", "claim"):
            label = field_label(head)
            anchor = f"id_{section}-{head}"  # the field itself (the section forms' prefix)
        elif head == "trials" and rest:
            trial_pk, _dot, field = rest.partition(".")
            label = _("Trial %(n)s: %(field)s") % {
                "n": trials.get(trial_pk, "?"),
                "field": field_label(field, CoveredTrial),
            }
            anchor = f"trial-{trial_pk}"
        elif head == "budget_lines" and rest:
            line_pk, _dot, field = rest.partition(".")
            line = lines.get(line_pk)
            label = _("Budget line “%(line)s”: %(field)s") % {
                "line": line.description if line else line_pk,
                "field": field_label(field, BudgetLine),
            }
            anchor = f"line-{line_pk}"
        else:
            label = field_label(head)
        for message in messages:
            items.append({"section": section, "anchor": anchor, "label": label, "message": message})
    order = [name for name, _title in SECTIONS]
    items.sort(key=lambda item: order.index(item["section"]) if item["section"] in order else -1)
    return items


def field_label(name: str, model: type = Application) -> Any:
    """A readable name for a service's field key (the model's verbose name where there is one)."""
    special = {
        "trials": _("Clinical trials"),
        "requested_amount": _("Requested amount"),
        "documents": _("Documents"),
        "organisation": _("Applicant"),
        "category": _("Cost category"),
    }
    if name in special:
        return special[name]
    try:
        text = model._meta.get_field(name).verbose_name
    except FieldDoesNotExist:  # an unknown key is shown as it is, never a 500
        return name
    return text[:1].upper() + text[1:]
