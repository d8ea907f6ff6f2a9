"""Reads of the audit trail a user can trigger, scoped by role (rule 37: auditors read everything)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import models
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from accounts.enums import Role
from audit.models import AuditCheckpoint, AuditEvent, ChainHead
from audit.verify import ChainReport

# Auditors and administrators control the trail; officers read it because they run the process.
# Applicants and reviewers see none of it: events of every firm and every review sit in one table.
TRAIL_READERS = frozenset({Role.AUDITOR, Role.ADMIN, Role.OFFICER})


def reads_trail(user: Any) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return bool(user.is_superuser or user.role in TRAIL_READERS)


def events_visible_to(user: Any) -> QuerySet[AuditEvent]:
    """Every event for auditors, administrators and officers; none for anyone else."""
    if not reads_trail(user):
        return AuditEvent.objects.none()
    return AuditEvent.objects.all()


def event_get(user: Any, pk: int | str) -> AuditEvent:
    """One event the user may read, or 404."""
    return get_object_or_404(events_visible_to(user), pk=pk)


def events_for_object(
    obj: models.Model, *, user: Any = None, object_type: str = "", limit: int | None = None
) -> QuerySet[AuditEvent] | list[AuditEvent]:
    """The history of one object, oldest first, for the `audit/_object_history.html` panel.

    Pass `user` to scope it like the trail (an applicant then gets no rows); without it the caller has
    already decided the viewer may see this history. `limit` keeps the latest `limit` events.
    """
    qs = events_visible_to(user) if user is not None else AuditEvent.objects.all()
    qs = qs.filter(object_type=object_type or obj._meta.label_lower, object_id=str(obj.pk))
    if limit is None:
        return qs.order_by("id")
    return list(reversed(qs.order_by("-id")[:limit]))


def latest_checkpoint() -> AuditCheckpoint | None:
    return AuditCheckpoint.objects.order_by("-id").first()


def chain_head() -> ChainHead | None:
    return ChainHead.objects.filter(id=1).first()


@dataclass(frozen=True)
class KeysetPage:
    """One page of events, newest first, with the cursors of the neighbouring pages."""

    events: list[AuditEvent]
    newer_than: int | None  # pass as `after` to get the newer page
    older_than: int | None  # pass as `before` to get the older page


def keyset_page(
    qs: QuerySet[AuditEvent], *, before: int | None = None, after: int | None = None, size: int = 50
) -> KeysetPage:
    """Page by id instead of OFFSET: one query per page, as fast on page 10 000 as on page 1, no COUNT.

    `before=N`: the `size` newest events older than N. `after=N`: the `size` oldest events newer than N,
    shown newest first. Neither: the newest events.
    """
    if after is not None:
        rows = list(qs.filter(id__gt=after).order_by("id")[: size + 1])
        has_newer = len(rows) > size
        events = list(reversed(rows[:size]))
        has_older = qs.filter(id__lte=after).exists() if events else False
        older = events[-1].id if events and has_older else None
        newer = events[0].id if has_newer else None
        return KeysetPage(events=events, newer_than=newer, older_than=older)
    qs_page = qs.filter(id__lt=before) if before is not None else qs
    rows = list(qs_page.order_by("-id")[: size + 1])
    events = rows[:size]
    older = events[-1].id if len(rows) > size else None
    newer = events[0].id if before is not None and events else None
    return KeysetPage(events=events, newer_than=newer, older_than=older)


@dataclass(frozen=True)
class ChainStatus:
    """What the chain-status panel shows: a fresh walk or the latest checkpoint, and the head."""

    verified: bool  # False: no walk has ever been recorded
    fresh: bool  # True: walked just now; False: from the latest checkpoint
    ok: bool = False
    last_verified_id: int = 0
    first_broken_id: int | None = None
    problem_label: str = ""
    detail: str = ""
    events_checked: int = 0
    checked_at: Any = None
    head_event_id: int = 0

    @property
    def appended_since(self) -> int:
        return max(self.head_event_id - self.last_verified_id, 0) if self.ok else 0


def chain_status(report: ChainReport | None = None) -> ChainStatus:
    """The status from `report` when the user just walked the chain, else from the latest checkpoint."""
    head = chain_head()
    head_id = head.last_event_id if head else 0
    if report is not None:
        return ChainStatus(
            verified=True,
            fresh=True,
            ok=report.ok,
            last_verified_id=report.last_verified_id,
            first_broken_id=report.first_broken_id,
            problem_label=report.problem_label,
            detail=report.detail,
            events_checked=report.events_checked,
            checked_at=report.checked_at,
            head_event_id=max(head_id, report.head_event_id),
        )
    checkpoint = latest_checkpoint()
    if checkpoint is None:
        return ChainStatus(verified=False, fresh=False, head_event_id=head_id)
    return ChainStatus(
        verified=True,
        fresh=False,
        ok=checkpoint.ok,
        last_verified_id=checkpoint.last_event_id,
        first_broken_id=checkpoint.broken_event_id,
        problem_label=checkpoint.problem_label,
        events_checked=checkpoint.events_checked,
        checked_at=checkpoint.created_at,
        head_event_id=head_id,
    )


def chain_panel(user: Any) -> dict:
    """Context of the dashboard's audit panel: the chain's status and the number of events."""
    return {"status": chain_status()}
