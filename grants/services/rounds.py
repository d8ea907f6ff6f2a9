"""Rounds: create and edit, the workflow (open, close, ...) and date extensions (rule 3)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.services import record_event
from core.errors import DomainError
from core.workflow import perform
from grants.deadlines import round_deadlines_schedule
from grants.enums import NonFitPolicy, RankingBasis, RoundState, TieBreak
from grants.models import Program, Round
from grants.policy import require_officer
from grants.services._common import Problems, decimal_value, lock_round, money, snapshot
from grants.services.rubric import check_quotas, check_tie_break, default_rubric, quotas_of, write_criteria
from grants.workflow import ROUND_WORKFLOW

ROUND_DATE_FIELDS = ("opens_at", "closes_at", "review_due_at", "decision_at")
# Settings frozen once the round opens (rule 4: rubric, thresholds, ranking basis) ...
RUBRIC_FIELDS = ("total_threshold", "ranking_basis", "tie_break", "non_fit_policy")
# ... and settings an officer may still change while the round is open or being reviewed.
LIVE_FIELDS = ("title", "description", "budget", "reviewers_per_application", "min_load", "max_load")
ROUND_FIELDS = (*LIVE_FIELDS, *ROUND_DATE_FIELDS, *RUBRIC_FIELDS, "appeal_window_days")


def _clean_round(values: dict, problems: Problems) -> dict:
    clean = dict(values)
    if "title" in values:
        clean["title"] = " ".join(str(values["title"] or "").split())
        if not clean["title"]:
            problems.add("title", _("This field is required."))
    for name in ROUND_DATE_FIELDS:
        if name in values and not isinstance(values[name], dt.datetime):
            problems.add(name, _("Enter a date and time."))
        elif name in values and timezone.is_naive(values[name]):
            clean[name] = timezone.make_aware(values[name])  # entered in Moscow time (TIME_ZONE)
    dates = [clean.get(name) for name in ROUND_DATE_FIELDS]
    if all(isinstance(d, dt.datetime) for d in dates):
        for earlier, later, name in zip(dates, dates[1:], ROUND_DATE_FIELDS[1:], strict=False):
            if not earlier < later:
                problems.add(name, _("Dates must be ordered: opens, closes, reviews due, decision."))
    if "budget" in values:
        budget = money(values["budget"], "budget", problems)
        if budget is not None and budget < 0:
            problems.add("budget", _("The budget cannot be negative."))
        clean["budget"] = budget
    if "total_threshold" in values:
        clean["total_threshold"] = decimal_value(values["total_threshold"], "total_threshold", problems)
        if clean["total_threshold"] is not None and clean["total_threshold"] < 0:
            problems.add("total_threshold", _("The threshold cannot be negative."))
    for name, minimum in (("appeal_window_days", 1), ("reviewers_per_application", 1), ("min_load", 0)):
        if name in values and (not isinstance(values[name], int) or values[name] < minimum):
            problems.add(name, _("Enter a whole number of at least %(min)s.") % {"min": minimum})
    if "max_load" in values and (not isinstance(values["max_load"], int) or values["max_load"] < 1):
        problems.add("max_load", _("Enter a whole number of at least %(min)s.") % {"min": 1})
    low, high = clean.get("min_load"), clean.get("max_load")
    if isinstance(low, int) and isinstance(high, int) and low > high:
        problems.add("max_load", _("The maximum load cannot be below the minimum."))
    if "ranking_basis" in values and values["ranking_basis"] not in RankingBasis.values:
        problems.add("ranking_basis", _("Choose raw or calibrated scores."))
    if "non_fit_policy" in values and values["non_fit_policy"] not in NonFitPolicy.values:
        problems.add("non_fit_policy", _("Choose a policy from the list."))
    if "tie_break" in values:
        keys = values["tie_break"]
        if not isinstance(keys, list) or any(
            not isinstance(k, dict)
            or k.get("key") not in TieBreak.values
            or (k["key"] == TieBreak.CRITERION and not k.get("criterion"))
            for k in keys
        ):
            problems.add(
                "tie_break", _("Each tie-break key is one of the listed keys (a criterion key names it).")
            )
    return clean


def round_create(
    *, actor: Any, program: Program, title: str, with_default_rubric: bool = True, **values: Any
) -> Round:
    """Create a draft round; with the default rubric unless told otherwise."""
    require_officer(actor)
    unknown = set(values) - set(ROUND_FIELDS)
    if unknown:
        raise TypeError(f"Unknown round fields: {sorted(unknown)}")
    problems = Problems()
    for name in ROUND_DATE_FIELDS:
        if values.get(name) is None:
            problems.add(name, _("This field is required."))
            values.pop(name, None)
    clean = _clean_round({"title": title, **values}, problems)
    problems.raise_if_any()
    with transaction.atomic():
        round_ = Round.objects.create(program=program, **clean)
        if with_default_rubric:
            write_criteria(round_, default_rubric())
        record_event(actor=actor, action="round.create", obj=round_, after=snapshot(round_, ROUND_FIELDS))
        round_deadlines_schedule(round_, actor=actor)
    return round_


def round_update(*, actor: Any, round: Round, **values: Any) -> Round:
    """Edit a round. Drafts: anything. Once open: title, budget and reviewer settings only; the rubric
    and ranking settings are frozen (rule 4) and dates move only through `round_extend_dates` (rule 3)."""
    require_officer(actor)
    unknown = set(values) - set(ROUND_FIELDS)
    if unknown:
        raise TypeError(f"Unknown round fields: {sorted(unknown)}")
    with transaction.atomic():
        round_ = lock_round(round)
        if round_.state in (RoundState.PUBLISHED, RoundState.ARCHIVED):
            raise DomainError("round_finished", _("A published round can no longer be changed."))
        if round_.state != RoundState.DRAFT:
            frozen = [name for name in values if name in RUBRIC_FIELDS]
            if frozen:
                raise DomainError(
                    "rubric_frozen",
                    _("The rubric and ranking settings are fixed once the round opens."),
                    frozen[0],
                )
            dated = [name for name in values if name in (*ROUND_DATE_FIELDS, "appeal_window_days")]
            if dated:
                raise DomainError(
                    "dates_fixed",
                    _("Once the round is open, dates can only be extended, with a reason."),
                    dated[0],
                )
        problems = Problems()
        merged = {**snapshot(round_, (*ROUND_DATE_FIELDS, "min_load", "max_load")), **values}
        clean = _clean_round(merged, problems)
        problems.raise_if_any()
        if "budget" in values:
            check_quotas(round_, clean["budget"], quotas_of(round_), problems, field="budget")
            problems.raise_if_any(code="quota_exceeds_budget")
        before = snapshot(round_, tuple(values))
        for name in values:
            setattr(round_, name, clean[name])
        round_.save(update_fields=[*values, "updated_at"])
        record_event(
            actor=actor,
            action="round.update",
            obj=round_,
            before=before,
            after=snapshot(round_, tuple(values)),
        )
        if set(values) & set(ROUND_DATE_FIELDS):
            round_deadlines_schedule(round_, actor=actor)
    return round_


def round_transition(*, actor: Any, round: Round, action: str, reason: str = "") -> Round:
    """Move a round along its table: open (guards: rubric, budget, areas, dates), close, start_review, ..."""
    with transaction.atomic():
        round_ = lock_round(round)
        if action == "open":
            problems = Problems()
            check_tie_break(round_, problems)
            problems.raise_if_any(code="guard_failed")
        round_ = perform(ROUND_WORKFLOW, round_, action, actor=actor, reason=reason)
        if action == "open":
            round_deadlines_schedule(round_, actor=actor)  # announce to firms at the opening time
        return round_


def round_open(*, actor: Any, round: Round) -> Round:
    return round_transition(actor=actor, round=round, action="open")


def round_close(*, actor: Any, round: Round) -> Round:
    return round_transition(actor=actor, round=round, action="close")


EXTENDABLE = {
    RoundState.OPEN: ("closes_at", "review_due_at", "decision_at"),
    RoundState.CLOSED: ("review_due_at", "decision_at"),
    RoundState.IN_REVIEW: ("review_due_at", "decision_at"),
    RoundState.SELECTION: ("decision_at",),
}


def round_extend_dates(*, actor: Any, round: Round, reason: str, **dates: dt.datetime) -> Round:
    """Rule 3: once open, dates only move later, each change with a reason in the audit trail.

    The close can be extended only while it is still ahead: firms already refused at the close
    would otherwise be treated unequally.
    """
    require_officer(actor)
    unknown = set(dates) - {"closes_at", "review_due_at", "decision_at"}
    if unknown:
        raise TypeError(f"Unknown round dates: {sorted(unknown)}")
    reason = (reason or "").strip()
    with transaction.atomic():
        round_ = lock_round(round)
        allowed = EXTENDABLE.get(round_.state)
        if allowed is None:
            raise DomainError(
                "not_extendable",
                _("Edit the dates of a draft round directly; a finished round's dates are final."),
                details={"state": round_.state},
            )
        problems = Problems()
        if not reason:
            problems.add("reason", _("Give a reason for changing the dates."))
        changed = {}
        for name, value in dates.items():
            if value is None:
                continue
            if timezone.is_naive(value):
                value = timezone.make_aware(value)
            current = getattr(round_, name)
            if name not in allowed:
                problems.add(name, _("This date can no longer be changed."))
            elif value < current:
                problems.add(name, _("Once the round is open a date can only be moved later."))
            elif name == "closes_at" and timezone.now() >= current:
                problems.add(
                    name, _("The round has already closed; its closing time can no longer be extended.")
                )
            elif value != current:
                changed[name] = value
        if not changed and not problems:
            problems.add("dates", _("Choose at least one later date."))
        merged = [changed.get(n, getattr(round_, n)) for n in ROUND_DATE_FIELDS]
        for earlier, later, name in zip(merged, merged[1:], ROUND_DATE_FIELDS[1:], strict=False):
            if not earlier < later:
                problems.add(name, _("Dates must be ordered: opens, closes, reviews due, decision."))
        problems.raise_if_any()
        before = {name: getattr(round_, name) for name in changed}
        for name, value in changed.items():
            setattr(round_, name, value)
        round_.save(update_fields=[*changed, "updated_at"])
        record_event(
            actor=actor, action="round.extend_dates", obj=round_, before=before, after=changed, reason=reason
        )
        round_deadlines_schedule(round_, actor=actor)
    return round_
