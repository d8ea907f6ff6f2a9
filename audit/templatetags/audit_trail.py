"""Showing events: `{% load audit_trail %}`.

Filters: `audit_time` (Moscow time to the second), `role_label`, `event_changes` (before→after rows),
`pretty_json`, `short_hash`. Tag: `{% history_rows events as rows %}` (the object-history panel's rows,
values shown for people: money, Moscow time, names).
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from django import template
from django.contrib.auth import get_user_model
from django.utils import timezone

from audit.filters import ROLE_CHOICES
from core.money import format_roubles, from_kopecks
from core.templatetags.ui import msk

register = template.Library()

MOSCOW = ZoneInfo("Europe/Moscow")
_ROLE_LABELS = dict(ROLE_CHOICES)
_MISSING = object()


@register.filter
def audit_time(value: dt.datetime | None) -> str:
    """ "23.11.2026 14:05:07" in Moscow time; the trail needs seconds to order what happened."""
    if not isinstance(value, dt.datetime):
        return ""
    if timezone.is_naive(value):
        value = timezone.make_aware(value, MOSCOW)
    return value.astimezone(MOSCOW).strftime("%d.%m.%Y %H:%M:%S")


@register.filter
def role_label(value: str) -> str:
    return str(_ROLE_LABELS.get(value, value or "—"))


def _show(value: Any) -> str:
    if value is _MISSING:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


@register.filter
def event_changes(event: Any) -> list[dict[str, str]]:
    """One row per field named in `before` or `after`: its old and new value ("" where absent)."""
    before = event.before if isinstance(event.before, dict) else {"value": event.before}
    after = event.after if isinstance(event.after, dict) else {"value": event.after}
    rows = []
    for key in sorted(set(before) | set(after)):
        old, new = before.get(key, _MISSING), after.get(key, _MISSING)
        rows.append({"field": key, "before": _show(old), "after": _show(new), "changed": old != new})
    return rows


@register.filter
def pretty_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, indent=2)


@register.filter
def short_hash(value: str) -> str:
    return f"{value[:12]}…" if value else ""


# --- the object-history panel: values as people read them ----------------------------------------
# Money in payloads is a decimal string of roubles ("4000000.00", see audit.hashing) or, for a
# "_kopecks" field, an integer; these names carry money besides any "...amount" field.
MONEY_FIELDS = frozenset(
    {"accepted_total", "budget", "cap", "committed", "net_paid", "project_cap", "promised", "quota"}
)
# Fields holding a user's id: "...by" (approved_by, submitted_by) and these.
USER_FIELDS = frozenset({"user", "reviewer", "officer", "approver", "verifier"})


def _is_money(field: str) -> bool:
    return field.endswith(("amount", "_kopecks")) or field in MONEY_FIELDS


def _is_user(field: str) -> bool:
    return field.endswith("_by") or field in USER_FIELDS


def _user_id(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None


def _money(field: str, value: Any) -> str | None:
    try:
        if field.endswith("_kopecks") and isinstance(value, int) and not isinstance(value, bool):
            return format_roubles(from_kopecks(value))
        if isinstance(value, str | int) and not isinstance(value, bool):
            return format_roubles(Decimal(str(value)))
    except (InvalidOperation, ValueError):
        return None
    return None


def _moment(value: str) -> str | None:
    """An ISO date-time (stored in UTC) -> Moscow time as the site writes it; an ISO date -> 23.11.2026."""
    if not (10 <= len(value) <= 40 and value[:4].isdigit() and value[4:5] == "-" and value[7:8] == "-"):
        return None
    try:
        if len(value) == 10:
            return msk(dt.date.fromisoformat(value))
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    return msk(moment if timezone.is_aware(moment) else moment.replace(tzinfo=dt.UTC))


def _display(field: str, value: Any, names: dict[int, str]) -> str:
    if value is _MISSING or value is None or value == "":
        return ""  # absent or empty: the panel shows only the new value, or "—"
    if _is_money(field):
        shown = _money(field, value)
        if shown is not None:
            return shown
    if _is_user(field):
        pk = _user_id(value)
        if pk is not None:
            return names.get(pk, f"#{pk}")
    if isinstance(value, str):
        return _moment(value) or value
    return _show(value)


def _payload(value: Any) -> dict:
    return value if isinstance(value, dict) else {"value": value}


@register.simple_tag
def history_rows(events: Any) -> list[dict[str, Any]]:
    """Each event with its actor's name and its changes shown for people: money as "1 234,50 ₽",
    times in Moscow time, user ids as names. One query for every user the events name."""
    events = list(events)
    ids: set[int] = set()
    for event in events:
        if event.actor_id:
            ids.add(event.actor_id)
        for payload in (_payload(event.before), _payload(event.after)):
            for field, value in payload.items():
                pk = _user_id(value) if _is_user(field) else None
                if pk is not None:
                    ids.add(pk)
    names = {}
    if ids:
        for user in (
            get_user_model().objects.filter(pk__in=ids).only("pk", "username", "first_name", "last_name")
        ):
            names[user.pk] = user.get_full_name() or user.get_username()
    rows = []
    for event in events:
        before, after = _payload(event.before), _payload(event.after)
        changes = []
        for field in sorted(set(before) | set(after)):
            old, new = before.get(field, _MISSING), after.get(field, _MISSING)
            changes.append(
                {"field": field, "before": _display(field, old, names), "after": _display(field, new, names)}
            )
        rows.append(
            {"event": event, "actor": names.get(event.actor_id, event.actor_label), "changes": changes}
        )
    return rows
