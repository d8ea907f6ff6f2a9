"""Template helpers shared by every page: `{% load ui %}`.

Filters: `roubles` (money), `amount_input` (money in an input), `msk` (Moscow time), `status_tone` (badge colour).
Tags: `{% time_left deadline %}`, `{% optional_url "app:name" as url %}`, `{% page_query n %}`,
`{% page_numbers page_obj as numbers %}` (used by `includes/pagination.html`).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

from django import template
from django.core.paginator import Page
from django.http import QueryDict
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext, ngettext

from core.money import format_roubles

register = template.Library()

MOSCOW = ZoneInfo("Europe/Moscow")

# Colours for status badges, by the status words the apps use. A page can pass `tone=` instead.
STATUS_TONES = {
    "draft": "secondary",
    "submitted": "primary",
    "open": "primary",
    "screening": "info",
    "in_review": "info",
    "under_review": "info",
    "assigned": "info",
    "pending": "warning",
    "awaiting_approval": "warning",
    "changes_requested": "warning",
    "appealed": "warning",
    "accepted": "success",
    "approved": "success",
    "selected": "success",
    "funded": "success",
    "paid": "success",
    "completed": "success",
    "verified": "success",
    "rejected": "danger",
    "refused": "danger",
    "cancelled": "danger",
    "withdrawn": "secondary",
    "closed": "dark",
    "expired": "dark",
}


@register.filter
def roubles(value: Decimal | int | None) -> str:
    """Decimal roubles -> "1 234 567,80 ₽". Empty for None; a float is refused like everywhere else."""
    if value is None or value == "":
        return ""
    if isinstance(value, int):
        value = Decimal(value)
    return format_roubles(value)


@register.filter
def amount_input(value: Decimal | int | str | None) -> str:
    """The value of an amount input: Decimal roubles -> "1 234 567,80" (as `roubles`, without the
    sign), which `parse_roubles` reads back; text a person typed is shown as typed."""
    if value is None or value == "":
        return ""
    if isinstance(value, int | Decimal):
        return format_roubles(Decimal(value)).removesuffix("\u00a0₽")
    return str(value)


@register.filter
def msk(value: dt.datetime | dt.date | None) -> str:
    """A moment in Moscow time: "23.11.2026 14:05 МСК"; a date alone: "23.11.2026"."""
    if value is None or value == "":
        return ""
    if isinstance(value, dt.datetime):
        if timezone.is_naive(value):
            # Django's convention: a naive value is in the current time zone, which is Moscow.
            value = timezone.make_aware(value, MOSCOW)
        return value.astimezone(MOSCOW).strftime("%d.%m.%Y %H:%M") + " МСК"
    if isinstance(value, dt.date):
        return value.strftime("%d.%m.%Y")
    return str(value)


def _duration_parts(seconds: int) -> list[str]:
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        parts = [ngettext("%(count)d day", "%(count)d days", days) % {"count": days}]
        if hours:
            parts.append(ngettext("%(count)d hour", "%(count)d hours", hours) % {"count": hours})
        return parts
    if hours:
        parts = [ngettext("%(count)d hour", "%(count)d hours", hours) % {"count": hours}]
        if minutes:
            parts.append(ngettext("%(count)d minute", "%(count)d minutes", minutes) % {"count": minutes})
        return parts
    return [ngettext("%(count)d minute", "%(count)d minutes", minutes) % {"count": minutes}]


@register.simple_tag
def time_left(deadline: dt.datetime | None) -> str:
    """ "3 days 4 hours left", "2 hours 5 minutes left", "less than a minute left" or "closed".

    Counts down (never rounds up), so the page never promises more time than there is.
    """
    if deadline is None or deadline == "":
        return ""
    seconds = int((deadline - timezone.now()).total_seconds())
    if seconds <= 0:
        return gettext("closed")
    if seconds < 60:
        return gettext("less than a minute left")
    return gettext("%(duration)s left") % {"duration": " ".join(_duration_parts(seconds))}


@register.filter
def status_tone(status: str, tone: str = "") -> str:
    """The Bootstrap colour for a status badge: `tone` when given, else by status word, else grey."""
    return tone or STATUS_TONES.get(str(status), "secondary")


@register.simple_tag
def optional_url(url_name: str, *args: object) -> str:
    """Like `{% url %}` but "" when the name does not resolve (a page another app adds later)."""
    try:
        return reverse(url_name, args=args or None)
    except NoReverseMatch:
        return ""


@register.simple_tag(takes_context=True)
def page_query(context: template.Context, number: int, param: str = "page") -> str:
    """The current query string with `param` set to `number`, so filters survive paging."""
    request = context.get("request")
    query = request.GET.copy() if request is not None else QueryDict(mutable=True)
    query[param] = str(number)
    return "?" + query.urlencode()


@register.simple_tag
def page_numbers(page: Page) -> list:
    """Page numbers around the current one with `Paginator.ELLIPSIS` gaps: 1 2 … 9 10 11 … 40 41."""
    return list(page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1))
