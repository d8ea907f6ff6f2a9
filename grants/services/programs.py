"""Programs: rate, cap, eligible cost categories, success events, applicants admitted."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from audit.services import record_event
from grants.enums import SuccessEvent
from grants.models import CostCategory, Program
from grants.policy import require_officer
from grants.services._common import Problems, decimal_value, money, snapshot

PROGRAM_FIELDS = (
    "name",
    "description",
    "rate",
    "project_cap",
    "success_events",
    "admits_individual_entrepreneurs",
    "eligible_from",
    "eligible_until",
)


def _clean_program(values: dict, problems: Problems) -> dict:
    clean = dict(values)
    if "name" in values:
        clean["name"] = " ".join(str(values["name"] or "").split())
        if not clean["name"]:
            problems.add("name", _("This field is required."))
    if "rate" in values:
        rate = decimal_value(values["rate"], "rate", problems)
        if rate is not None and not (Decimal(0) < rate <= 1):
            problems.add("rate", _("The compensation rate is a fraction above 0 and at most 1 (e.g. 0.5)."))
        elif rate is not None and rate != rate.quantize(Decimal("0.0001")):
            problems.add("rate", _("The rate has at most four decimal places."))
        clean["rate"] = rate
    if "project_cap" in values:
        cap = money(values["project_cap"], "project_cap", problems)
        if cap is not None and cap <= 0:
            problems.add("project_cap", _("The per-project cap must be above zero."))
        clean["project_cap"] = cap
    if "success_events" in values:
        events = list(values["success_events"] or [])
        if not events or any(e not in SuccessEvent.values for e in events):
            problems.add("success_events", _("Choose at least one success event from the list."))
        clean["success_events"] = sorted(set(events))
    start, end = values.get("eligible_from"), values.get("eligible_until")
    if start and end and start > end:
        problems.add("eligible_until", _("The eligibility window ends before it starts."))
    return clean


def _program_categories(codes: list[str] | None, problems: Problems) -> list[CostCategory]:
    if codes is None:
        return list(CostCategory.objects.filter(is_eligible=True))
    found = {c.code: c for c in CostCategory.objects.filter(code__in=codes)}
    for code in codes:
        category = found.get(code)
        if category is None:
            problems.add("cost_categories", _("Unknown cost category."))
        elif not category.is_eligible:
            problems.add("cost_categories", _("Ineligible costs cannot be made eligible by a program."))
    return list(found.values())


def program_create(
    *, actor: Any, name: str, cost_categories: list[str] | None = None, **values: Any
) -> Program:
    """Create a program. `cost_categories` are category codes (default: every eligible category)."""
    require_officer(actor)
    unknown = set(values) - set(PROGRAM_FIELDS)
    if unknown:
        raise TypeError(f"Unknown program fields: {sorted(unknown)}")
    values.setdefault("success_events", [SuccessEvent.MARKETING_AUTHORISATION])
    problems = Problems()
    clean = _clean_program({"name": name, **values}, problems)
    categories = _program_categories(cost_categories, problems)
    problems.raise_if_any()
    with transaction.atomic():
        program = Program.objects.create(**clean)
        program.cost_categories.set(categories)
        record_event(
            actor=actor,
            action="program.create",
            obj=program,
            after={
                **snapshot(program, PROGRAM_FIELDS),
                "cost_categories": sorted(c.code for c in categories),
            },
        )
    return program


def program_update(
    *, actor: Any, program: Program, cost_categories: list[str] | None = None, **values: Any
) -> Program:
    """Change a program's settings. Rounds already open keep the program's rate and cap as they are now."""
    require_officer(actor)
    unknown = set(values) - set(PROGRAM_FIELDS)
    if unknown:
        raise TypeError(f"Unknown program fields: {sorted(unknown)}")
    problems = Problems()
    merged = {
        "eligible_from": program.eligible_from,
        "eligible_until": program.eligible_until,
        **values,
    }
    clean = _clean_program(merged, problems)
    categories = _program_categories(cost_categories, problems) if cost_categories is not None else None
    problems.raise_if_any()
    with transaction.atomic():
        program = Program.objects.select_for_update().get(pk=program.pk)
        before = snapshot(program, tuple(values))
        for name in values:
            setattr(program, name, clean[name])
        program.save(update_fields=[*values, "updated_at"])
        after = snapshot(program, tuple(values))
        if categories is not None:
            before["cost_categories"] = sorted(program.cost_categories.values_list("code", flat=True))
            program.cost_categories.set(categories)
            after["cost_categories"] = sorted(c.code for c in categories)
        record_event(actor=actor, action="program.update", obj=program, before=before, after=after)
    return program
