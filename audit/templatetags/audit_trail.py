"""Showing events: `{% load audit_trail %}`.

Filters: `audit_time` (Moscow time to the second), `role_label`, `event_changes` (before→after rows),
`pretty_json`, `short_hash`.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any
from zoneinfo import ZoneInfo

from django import template
from django.utils import timezone

from audit.filters import ROLE_CHOICES

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
