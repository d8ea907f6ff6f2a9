"""Reads a user can trigger: their own notifications, and the officers' view of deadlines."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from core import policy
from core.errors import NotFound
from deadlines.models import Deadline, DeadlineState, Notification

# Filters of the deadlines page, beyond the plain states.
UPCOMING = "upcoming"  # scheduled and not yet due
FAILING = "failing"  # scheduled again after a failed attempt


def inbox_for(user: Any) -> QuerySet[Notification]:
    """The user's notifications, newest first."""
    return Notification.objects.filter(recipient_id=user.pk).order_by("-created_at", "-id")


def unread_count(user: Any) -> int:
    """How many of the user's notifications are unread (the badge in the top bar)."""
    if not getattr(user, "is_authenticated", False):
        return 0
    return Notification.objects.filter(recipient_id=user.pk, read_at__isnull=True).count()


def notification_for(user: Any, notification_id: int) -> Notification:
    """One of the user's own notifications; anyone else's is "not found"."""
    notification = inbox_for(user).filter(pk=notification_id).first()
    if notification is None:
        raise NotFound("notification_not_found", "No such notification.")
    return notification


def deadlines_for(user: Any, *, state: str = "", kind: str = "") -> QuerySet[Deadline]:
    """Deadlines for the officers' page, filtered by state (or "upcoming"/"failing") and kind.

    Targets are prefetched: one query per kind of target object on the page, whatever its length.
    """
    policy.require(user, "deadline.view")
    rows = Deadline.objects.select_related("target_type").prefetch_related("target")
    if state == UPCOMING:
        rows = rows.filter(state=DeadlineState.SCHEDULED, due_at__gt=timezone.now())
    elif state == FAILING:
        rows = rows.filter(state=DeadlineState.SCHEDULED, attempts__gt=0)
    elif state in DeadlineState.values:
        rows = rows.filter(state=state)
    if kind:
        rows = rows.filter(kind__startswith=kind)
    if state in {DeadlineState.FIRED, DeadlineState.CANCELLED}:
        return rows.order_by("-due_at", "-id")
    return rows.order_by("due_at", "id")


def deadline_for(user: Any, deadline_id: int) -> Deadline:
    deadline = deadlines_for(user).filter(pk=deadline_id).first()
    if deadline is None:
        raise NotFound("deadline_not_found", "No such deadline.")
    return deadline


def state_counts(user: Any) -> dict[str, int]:
    """How many deadlines are upcoming, failing and parked, for the page's summary."""
    rows = deadlines_for(user)
    now = timezone.now()
    return rows.aggregate(
        upcoming=Count("id", filter=Q(state=DeadlineState.SCHEDULED, due_at__gt=now)),
        failing=Count("id", filter=Q(state=DeadlineState.SCHEDULED, attempts__gt=0)),
        parked=Count("id", filter=Q(state=DeadlineState.PARKED)),
    )


def deadlines_panel(user: Any) -> dict:
    """The officers' dashboard panel: counts by state and the next deadline to fire."""
    upcoming = deadlines_for(user, state=UPCOMING).select_related(None).prefetch_related(None)
    return {"counts": state_counts(user), "next_due": upcoming.first()}
