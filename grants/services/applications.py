"""The firm's working copy: create and edit a draft, its budget lines and covered trials.

Drafts may be incomplete, but a value that is given must be well-formed (rules 8-10); submission
then checks completeness (`grants.services.submission`). Every change locks the application row,
so an edit and a submission of the same application never interleave.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.enums import OrganisationKind
from audit.services import record_event
from core.errors import DomainError, Forbidden
from grants import validators as v
from grants.enums import ClaimKind, DevelopmentStage, Modality, RoundState
from grants.models import (
    Application,
    BudgetLine,
    CostCategory,
    PriorityArea,
    Round,
)
from grants.policy import can_create_application
from grants.services._common import (
    Problems,
    lock_application,
    money,
    note_edit,
    require_editable,
    round_closed,
)

TEXT_FIELDS = {
    "title": 300,
    "drug_name": 200,
    "mechanism": 5000,
    "indication": 300,
    "novelty_statement": 10000,
    "comparator_name": 200,
    "superiority_endpoint": 300,
    "superiority_result": 10000,
    "superiority_trial": 300,
}
CHOICE_FIELDS = {"modality": Modality, "claim_kind": ClaimKind, "development_stage": DevelopmentStage}
CODE_FIELDS = ("icd10_code", "atc_code", "comparator_atc")
APPLICATION_FIELDS = (*TEXT_FIELDS, *CHOICE_FIELDS, *CODE_FIELDS, "priority_area")


def _clean_application(values: dict, round_: Round, problems: Problems) -> dict:
    """Normalise the given fields and note every malformed one; empty values are fine in a draft."""
    unknown = set(values) - set(APPLICATION_FIELDS)
    if unknown:
        raise TypeError(f"Unknown application fields: {sorted(unknown)}")
    clean: dict[str, Any] = {}
    for name, limit in TEXT_FIELDS.items():
        if name in values:
            text = str(values[name] or "").strip()
            if len(text) > limit:
                problems.add(name, _("At most %(n)s characters.") % {"n": limit})
            clean[name] = text
    for name, choices in CHOICE_FIELDS.items():
        if name in values:
            value = values[name] or ""
            if value and value not in choices.values:
                problems.add(name, _("Choose a value from the list."))
            clean[name] = value
    if "icd10_code" in values:
        code = v.normalise_icd10(values["icd10_code"] or "")
        if code and (message := v.check_icd10(code)):
            problems.add("icd10_code", message)
        clean["icd10_code"] = code
    for name in ("atc_code", "comparator_atc"):
        if name in values:
            code = v.normalise_atc(values[name] or "")
            if code and (message := v.check_atc(code)):
                problems.add(name, message)
            clean[name] = code
    if "priority_area" in values:
        clean["priority_area"] = _admitted_area(values["priority_area"], round_, problems)
    return clean


def _admitted_area(value: Any, round_: Round, problems: Problems) -> PriorityArea | None:
    if value in (None, ""):
        return None
    code = value.code if isinstance(value, PriorityArea) else str(value)
    area = round_.priority_areas.filter(code=code).first()
    if area is None:
        problems.add("priority_area", _("This priority area is not admitted in the round."))
    return area


def _check_applicant_admitted(organisation: Any, round_: Round) -> None:
    """Rule 1 remark: an individual entrepreneur (12-digit INN) only where the program admits them."""
    if organisation.kind != OrganisationKind.FIRM:
        raise Forbidden("role_not_allowed", _("Only a pharmaceutical firm may apply."))
    if organisation.is_individual_entrepreneur and not round_.program.admits_individual_entrepreneurs:
        raise DomainError(
            "applicant_not_admitted",
            _("This program does not admit individual entrepreneurs."),
            "organisation",
        )


def application_create(*, actor: Any, round: Round, title: str, **fields: Any) -> Application:
    """Start a draft in an open round for the actor's firm."""
    if not can_create_application(actor):
        raise Forbidden("role_not_allowed", _("Only an applicant firm's member may start an application."))
    round_ = Round.objects.select_related("program").get(pk=round.pk)
    if round_.state != RoundState.OPEN or timezone.now() >= round_.closes_at:
        raise round_closed(_("The round is not open for applications."))
    organisation = actor.organisation
    _check_applicant_admitted(organisation, round_)
    problems = Problems()
    clean = _clean_application({"title": title, **fields}, round_, problems)
    if not clean["title"]:
        problems.add("title", _("This field is required."))
    problems.raise_if_any()
    with transaction.atomic():
        application = Application.objects.create(
            organisation=organisation, round=round_, created_by=actor, **clean
        )
        record_event(actor=actor, action="application.create", obj=application, after={"round": round_.pk})
    return application


def application_update(*, actor: Any, application: Application, **fields: Any) -> Application:
    """Save draft fields. After a submission this edits the working copy only (rule 11)."""
    with transaction.atomic():
        application = lock_application(application)
        require_editable(actor, application)
        problems = Problems()
        clean = _clean_application(fields, application.round, problems)
        if "title" in clean and not clean["title"]:
            problems.add("title", _("This field is required."))
        problems.raise_if_any()
        changed = [name for name, value in clean.items() if getattr(application, name) != value]
        if not changed:
            return application
        before = {name: _audit_value(getattr(application, name)) for name in changed}
        for name in changed:
            setattr(application, name, clean[name])
        application.save(update_fields=[*changed, "updated_at"])
        note_edit(application)
        after = {name: _audit_value(getattr(application, name)) for name in changed}
        record_event(actor=actor, action="application.update", obj=application, before=before, after=after)
    return application


def _audit_value(value: Any) -> Any:
    return value.code if isinstance(value, PriorityArea) else value


# --- budget lines (rule 10) ----------------------------------------------------------------------
def _eligible_category(application: Application, value: Any, problems: Problems) -> CostCategory | None:
    code = value.code if isinstance(value, CostCategory) else str(value or "")
    category = CostCategory.objects.filter(code=code).first()
    if category is None:
        problems.add("category", _("Choose a cost category."))
    elif (
        not category.is_eligible
        or not application.round.program.cost_categories.filter(pk=category.pk).exists()
    ):
        problems.add("category", _("This cost category is not eligible under the program."))
        return None
    return category


def _clean_line(application: Application, values: dict, problems: Problems) -> dict:
    clean: dict[str, Any] = {}
    if "category" in values:
        clean["category"] = _eligible_category(application, values["category"], problems)
    if "description" in values:
        clean["description"] = str(values["description"] or "").strip()
        if not clean["description"]:
            problems.add("description", _("Describe what the cost is for."))
        elif len(clean["description"]) > 500:
            problems.add("description", _("At most %(n)s characters.") % {"n": 500})
    if "amount" in values:
        amount = money(values["amount"], "amount", problems)
        if amount is not None and amount <= 0:
            problems.add("amount", _("The amount must be above zero."))
        clean["amount"] = amount
    return clean


def budget_line_add(
    *, actor: Any, application: Application, category: Any, description: str, amount: Any
) -> BudgetLine:
    """Add a budget line in an eligible category (rule 10); the requested amount is their sum."""
    with transaction.atomic():
        application = lock_application(application)
        require_editable(actor, application)
        problems = Problems()
        clean = _clean_line(
            application, {"category": category, "description": description, "amount": amount}, problems
        )
        problems.raise_if_any()
        line = BudgetLine.objects.create(application=application, **clean)
        note_edit(application)
        record_event(
            actor=actor,
            action="application.budget_line_add",
            obj=application,
            after={"line": line.pk, "category": line.category.code, "amount": line.amount},
        )
    return line


def budget_line_update(*, actor: Any, line: BudgetLine, **values: Any) -> BudgetLine:
    unknown = set(values) - {"category", "description", "amount"}
    if unknown:
        raise TypeError(f"Unknown budget line fields: {sorted(unknown)}")
    with transaction.atomic():
        application = lock_application(line.application_id)
        require_editable(actor, application)
        line = BudgetLine.objects.select_related("category").get(pk=line.pk, application=application)
        problems = Problems()
        clean = _clean_line(application, values, problems)
        problems.raise_if_any()
        before = {"category": line.category.code, "description": line.description, "amount": line.amount}
        for name, value in clean.items():
            setattr(line, name, value)
        line.save(update_fields=list(clean))
        note_edit(application)
        after = {"category": line.category.code, "description": line.description, "amount": line.amount}
        record_event(
            actor=actor, action="application.budget_line_update", obj=application, before=before, after=after
        )
    return line


def budget_line_delete(*, actor: Any, line: BudgetLine) -> None:
    with transaction.atomic():
        application = lock_application(line.application_id)
        require_editable(actor, application)
        line = BudgetLine.objects.select_related("category").get(pk=line.pk, application=application)
        before = {"line": line.pk, "category": line.category.code, "amount": line.amount}
        line.delete()
        note_edit(application)
        record_event(actor=actor, action="application.budget_line_delete", obj=application, before=before)
