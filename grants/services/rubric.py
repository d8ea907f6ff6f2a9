"""A round's rubric (rule 4: frozen once open) and its priority areas with quotas (rule 5)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from audit.services import record_event
from core.errors import DomainError
from grants.enums import RoundState, TieBreak
from grants.models import Criterion, PriorityArea, Round, RoundPriorityArea
from grants.policy import require_officer
from grants.services._common import Problems, decimal_value, lock_round, money


def default_rubric() -> list[dict]:
    """A sensible starting rubric; weights sum to 1 so the total is on the criteria's 0-5 scale."""
    return [
        {"code": "novelty", "name": str(_("Novelty of the first/best-in-class claim")), "weight": "0.30"},
        {"code": "unmet_need", "name": str(_("Unmet clinical need")), "weight": "0.25"},
        {"code": "evidence", "name": str(_("Strength of evidence and trial design")), "weight": "0.20"},
        {"code": "team", "name": str(_("Team and production capacity")), "weight": "0.15"},
        {"code": "budget", "name": str(_("Budget justification")), "weight": "0.10"},
    ]


def quotas_of(round_: Round) -> list[Decimal]:
    return [q for q in round_.area_links.values_list("quota", flat=True) if q is not None]


def check_quotas(
    round_: Round, budget: Decimal, quotas: list[Decimal], problems: Problems, field: str = "quotas"
) -> None:
    """Rule 5: priority-area quotas together do not exceed the round's budget."""
    if sum(quotas, Decimal(0)) > budget:
        problems.add(field, _("Priority-area quotas together exceed the round's budget."))


def round_set_priority_areas(*, actor: Any, round: Round, areas: list[tuple[str, Any]]) -> Round:
    """Admit priority areas (codes) with optional quotas; draft rounds only. Rule 5 on the quota sum."""
    require_officer(actor)
    with transaction.atomic():
        round_ = lock_round(round)
        if round_.state != RoundState.DRAFT:
            raise DomainError(
                "rubric_frozen", _("Priority areas and quotas are fixed once the round opens."), "areas"
            )
        problems = Problems()
        codes = [code for code, _quota in areas]
        found = {a.code: a for a in PriorityArea.objects.filter(code__in=codes)}
        rows: list[tuple[PriorityArea, Decimal | None]] = []
        for index, (code, quota) in enumerate(areas):
            field = f"areas.{index}"
            if code not in found:
                problems.add(field, _("Unknown priority area."))
                continue
            if codes.count(code) > 1:
                problems.add(field, _("This priority area is listed twice."))
            amount = None
            if quota not in (None, ""):
                amount = money(quota, f"{field}.quota", problems)
                if amount is not None and amount <= 0:
                    problems.add(f"{field}.quota", _("A quota must be above zero; leave it empty for none."))
            rows.append((found[code], amount))
        check_quotas(round_, round_.budget, [q for _a, q in rows if q is not None], problems)
        problems.raise_if_any(code="quota_exceeds_budget" if "quotas" in problems.details else "invalid")
        before = {link.area.code: link.quota for link in round_.area_links.select_related("area")}
        round_.area_links.all().delete()
        RoundPriorityArea.objects.bulk_create(
            RoundPriorityArea(round=round_, area=a, quota=q) for a, q in rows
        )
        record_event(
            actor=actor,
            action="round.set_priority_areas",
            obj=round_,
            before={"areas": before},
            after={"areas": {a.code: q for a, q in rows}},
        )
    return round_


def write_criteria(round_: Round, criteria: list[dict]) -> list[Criterion]:
    problems = Problems()
    rows = []
    codes = [c.get("code") for c in criteria]
    if not criteria:
        problems.add("criteria", _("The rubric needs at least one criterion."))
    for index, item in enumerate(criteria):
        field = f"criteria.{index}"
        code, name = str(item.get("code") or "").strip(), str(item.get("name") or "").strip()
        if not code or not name:
            problems.add(field, _("Each criterion needs a code and a name."))
        if codes.count(item.get("code")) > 1:
            problems.add(f"{field}.code", _("Criterion codes must be unique in the round."))
        numbers = {}
        for key, default in (
            ("weight", None),
            ("scale_min", "0"),
            ("scale_max", "5"),
            ("step", "0.5"),
            ("threshold", "3"),
        ):
            raw = item.get(key, default)
            numbers[key] = decimal_value(raw, f"{field}.{key}", problems) if raw is not None else None
        if numbers["weight"] is None or numbers["weight"] <= 0:
            problems.add(f"{field}.weight", _("The weight must be above zero."))
        low, high, step, threshold = (
            numbers["scale_min"],
            numbers["scale_max"],
            numbers["step"],
            numbers["threshold"],
        )
        if None not in (low, high, step, threshold):
            if not low < high:
                problems.add(f"{field}.scale_max", _("The highest score must be above the lowest."))
            elif step <= 0 or (high - low) % step != 0:
                problems.add(f"{field}.step", _("The step must divide the scale evenly."))
            if not low <= threshold <= high:
                problems.add(f"{field}.threshold", _("The threshold must lie on the scale."))
        rows.append(
            Criterion(
                round=round_,
                code=code,
                name=name,
                description=str(item.get("description") or ""),
                position=index,
                **{k: v for k, v in numbers.items() if v is not None},
            )
        )
    problems.raise_if_any()
    return Criterion.objects.bulk_create(rows)


def round_set_rubric(*, actor: Any, round: Round, criteria: list[dict]) -> Round:
    """Replace the rubric's criteria. Refused once the round has opened (rule 4)."""
    require_officer(actor)
    with transaction.atomic():
        round_ = lock_round(round)
        if round_.state != RoundState.DRAFT:
            raise DomainError("rubric_frozen", _("The rubric is fixed once the round opens."), "criteria")
        before = list(round_.criteria.values("code", "weight", "threshold"))
        round_.criteria.all().delete()
        written = write_criteria(round_, criteria)
        record_event(
            actor=actor,
            action="round.set_rubric",
            obj=round_,
            before={"criteria": before},
            after={
                "criteria": [{"code": c.code, "weight": c.weight, "threshold": c.threshold} for c in written]
            },
        )
    return round_


def check_tie_break(round_: Round, problems: Problems) -> None:
    codes = set(round_.criteria.values_list("code", flat=True))
    for key in round_.tie_break or []:
        if key.get("key") == TieBreak.CRITERION and key.get("criterion") not in codes:
            problems.add("tie_break", _("A tie-break key names a criterion that is not in the rubric."))
