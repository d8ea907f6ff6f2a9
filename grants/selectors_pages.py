"""Reads behind the grants pages: filtered, sorted lists and dashboard panels.

Everything starts from the scoped selectors of `grants.selectors`, so another firm's application
never appears and a reviewer sees none; this module only adds the page's filters, sorting and the
fixed set of joins a table needs (the same number of queries for any page length).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from accounts.enums import Role
from grants.enums import ApplicationState, RoundState
from grants.models import Application, Program, Round
from grants.selectors import (
    READ_ALL_ROLES,
    applications_visible_to,
    programs_visible_to,
    round_state_counts,
    rounds_visible_to,
)

# Page sort keys -> ORM ordering (the key a URL may carry; anything else falls back to the default).
APPLICATION_SORTS = {
    "title": ("title", "id"),
    "firm": ("organisation__name", "id"),
    "amount": ("requested_amount", "id"),
    "submitted": ("submitted_at", "id"),
    "state": ("state", "id"),
    "created": ("created_at", "id"),
}
DEFAULT_APPLICATION_SORT = "-created"
PANEL_SIZE = 5


def _role(user: Any) -> str:
    return str(getattr(user, "role", "")) if getattr(user, "is_authenticated", False) else ""


def sort_key(value: str, default: str = DEFAULT_APPLICATION_SORT) -> str:
    """The sort a URL asked for if it is a known key (with an optional leading '-'), else `default`."""
    return value if value.lstrip("-") in APPLICATION_SORTS else default


def _ordered(qs: QuerySet[Application], sort: str) -> QuerySet[Application]:
    sort = sort_key(sort)
    fields = APPLICATION_SORTS[sort.lstrip("-")]
    if sort.startswith("-"):
        fields = tuple(f"-{name}" for name in fields)
    return qs.order_by(*fields)


def _search(qs: QuerySet[Application], query: str) -> QuerySet[Application]:
    """Title, drug, firm name (contains) or the firm's INN (exact or leading digits)."""
    query = (query or "").strip()
    if not query:
        return qs
    condition = (
        Q(title__icontains=query) | Q(drug_name__icontains=query) | Q(organisation__name__icontains=query)
    )
    if query.isdigit():
        condition |= Q(organisation__inn__startswith=query)
    return qs.filter(condition)


def applications_page_list(
    user: Any,
    *,
    query: str = "",
    state: str = "",
    round_id: int | None = None,
    area: str = "",
    sort: str = DEFAULT_APPLICATION_SORT,
) -> QuerySet[Application]:
    """The applications the user may see, filtered and sorted for a table (firms: their own only)."""
    qs = applications_visible_to(user)
    if round_id is not None:
        qs = qs.filter(round_id=round_id)
    if state in ApplicationState.values:
        qs = qs.filter(state=state)
    if area:
        qs = qs.filter(priority_area__code=area)
    return _ordered(_search(qs, query), sort)


def round_table(user: Any, round_: Round, **filters: Any) -> QuerySet[Application]:
    """The officer's application table of one round (filters as in `applications_page_list`)."""
    return applications_page_list(user, round_id=round_.pk, **filters)


def round_counts(round_: Round) -> list[tuple[str, str, int]]:
    """(state, label, count) for every application state, zeros included, in workflow order."""
    counts = round_state_counts(round_)
    return [(value, str(label), counts.get(value, 0)) for value, label in ApplicationState.choices]


def rounds_page_list(user: Any, *, state: str = "", program_id: int | None = None) -> QuerySet[Round]:
    """Rounds the user may see (firms: open and later), newest first, with application counts."""
    qs = rounds_visible_to(user)
    if state in RoundState.values:
        qs = qs.filter(state=state)
    if program_id is not None:
        qs = qs.filter(program_id=program_id)
    if _role(user) in READ_ALL_ROLES:
        qs = qs.annotate(application_count=Count("applications", distinct=True))
    # Spelled out: a query with an aggregate ignores the model's default ordering.
    return qs.order_by("-opens_at", "-id")


def open_rounds(user: Any) -> QuerySet[Round]:
    """Rounds taking submissions right now (by the server's clock), closing soonest first."""
    return (
        rounds_visible_to(user)
        .filter(state=RoundState.OPEN, closes_at__gt=timezone.now())
        .order_by("closes_at", "id")
    )


def programs_page_list(user: Any) -> QuerySet[Program]:
    return (
        programs_visible_to(user)
        .annotate(round_count=Count("rounds", distinct=True))
        .order_by("-created_at", "-id")  # an aggregate query ignores the model's default ordering
    )


# --- dashboard panels (called with the signed-in user) ------------------------------------------
def my_applications_panel(user: Any) -> dict:
    """The firm's latest applications and the rounds it may still apply to."""
    applications = list(applications_page_list(user)[:PANEL_SIZE])
    rounds = list(open_rounds(user)[:PANEL_SIZE]) if _role(user) == Role.APPLICANT else []
    return {"applications": applications, "open_rounds": rounds}


def rounds_panel(user: Any) -> dict:
    """Ministry staff: rounds that are running (open to selection) with their application counts."""
    running = (
        RoundState.DRAFT,
        RoundState.OPEN,
        RoundState.CLOSED,
        RoundState.IN_REVIEW,
        RoundState.SELECTION,
    )
    rounds = rounds_page_list(user).filter(state__in=running).order_by("closes_at", "id")[:PANEL_SIZE]
    submitted = ApplicationState.SUBMITTED
    rounds = rounds.annotate(
        submitted_count=Count("applications", filter=Q(applications__state=submitted), distinct=True)
    )
    return {"rounds": list(rounds)}
