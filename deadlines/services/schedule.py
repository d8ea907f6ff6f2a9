"""Scheduling, moving, cancelling and retrying deadlines.

Domain services call these whenever a date is set or changed, inside their own transaction:

    deadline_schedule(kind="round.close", target=round, due_at=round.closes_at)

Calling it again with the same date changes nothing; with another date it moves the row.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.services import record_event
from core import policy
from core.errors import Conflict
from deadlines.models import Deadline, DeadlineState
from deadlines.registry import registration_for

logger = logging.getLogger(__name__)

SYSTEM_ACTOR = "system:deadlines"


def _audit_state(deadline: Deadline) -> dict:
    return {"kind": deadline.kind, "state": deadline.state, "due_at": deadline.due_at}


def deadline_schedule(
    *,
    kind: str,
    target: models.Model,
    due_at: datetime,
    payload: dict | None = None,
    actor: Any = None,
) -> Deadline:
    """Make sure `kind` falls due for `target` at `due_at`: create the row, or move the live one.

    Scheduling the same date twice is one row and no change. A row that already fired for this
    exact date is returned as it is, so calling this again after the event never fires it twice.
    """
    if registration_for(kind) is None:
        raise ValueError(f"No deadline handler is registered for {kind!r}.")
    if timezone.is_naive(due_at):
        raise ValueError("due_at must be an aware datetime.")
    if target.pk is None:
        raise ValueError("Save the target before scheduling a deadline for it.")
    payload = payload or {}
    target_type = ContentType.objects.get_for_model(target)
    rows = Deadline.objects.filter(kind=kind, target_type=target_type, target_id=target.pk)
    with transaction.atomic():
        live = rows.select_for_update().live().first()
        if live is not None:
            return _move(live, due_at=due_at, payload=payload, actor=actor)
        fired = rows.filter(state=DeadlineState.FIRED, due_at=due_at).order_by("-id").first()
        if fired is not None:
            return fired
        now = timezone.now()
        try:
            with transaction.atomic():  # savepoint: a racing scheduler may insert the row first
                deadline = Deadline.objects.create(
                    kind=kind,
                    target_type=target_type,
                    target_id=target.pk,
                    due_at=due_at,
                    run_after=due_at,
                    payload=payload,
                    created_at=now,
                    updated_at=now,
                )
        except IntegrityError:
            live = rows.select_for_update().live().get()
            return _move(live, due_at=due_at, payload=payload, actor=actor)
        record_event(
            actor=actor or SYSTEM_ACTOR,
            action="deadline.scheduled",
            obj=deadline,
            after=_audit_state(deadline),
        )
        return deadline


def _move(deadline: Deadline, *, due_at: datetime, payload: dict, actor: Any) -> Deadline:
    if deadline.due_at == due_at and deadline.payload == payload:
        return deadline
    before = _audit_state(deadline)
    deadline.due_at = due_at
    deadline.payload = payload
    deadline.updated_at = timezone.now()
    fields = ["due_at", "payload", "updated_at"]
    if deadline.state == DeadlineState.SCHEDULED:
        # A parked row stays parked: a new date does not mend a failing handler; retry does.
        deadline.run_after = due_at
        fields.append("run_after")
    deadline.save(update_fields=fields)
    record_event(
        actor=actor or SYSTEM_ACTOR,
        action="deadline.rescheduled",
        obj=deadline,
        before=before,
        after=_audit_state(deadline),
    )
    return deadline


def _cancel_rows(rows: models.QuerySet, actor: Any) -> int:
    with transaction.atomic():
        live = list(rows.select_for_update().live().order_by("id"))
        now = timezone.now()
        for deadline in live:
            before = _audit_state(deadline)
            deadline.state = DeadlineState.CANCELLED
            deadline.updated_at = now
            deadline.save(update_fields=["state", "updated_at"])
            record_event(
                actor=actor or SYSTEM_ACTOR,
                action="deadline.cancelled",
                obj=deadline,
                before=before,
                after=_audit_state(deadline),
            )
        return len(live)


def deadline_cancel(*, kind: str, target: models.Model, actor: Any = None) -> int:
    """Cancel the pending `kind` deadline of `target`; returns how many rows were cancelled (0 or 1)."""
    return _cancel_rows(Deadline.objects.for_target(target).filter(kind=kind), actor)


def deadlines_cancel_for(target: models.Model, *, actor: Any = None, prefix: str = "") -> int:
    """Cancel every pending deadline of `target` (those whose kind starts with `prefix`, if given)."""
    rows = Deadline.objects.for_target(target)
    if prefix:
        rows = rows.filter(kind__startswith=prefix)
    return _cancel_rows(rows, actor)


def deadline_retry(*, deadline: Deadline, actor: Any) -> Deadline:
    """Put a parked deadline back in the queue: the next sweep tries it again from attempt one."""
    policy.require(actor, "deadline.retry", deadline)
    with transaction.atomic():
        now = timezone.now()
        changed = Deadline.objects.filter(pk=deadline.pk, state=DeadlineState.PARKED).update(
            state=DeadlineState.SCHEDULED, attempts=0, run_after=now, updated_at=now
        )
        if not changed:
            raise Conflict(
                "deadline_not_parked",
                _("Only a parked deadline can be retried; this one has changed. Reload the page."),
            )
        deadline.refresh_from_db()
        record_event(
            actor=actor,
            action="deadline.retried",
            obj=deadline,
            before={"state": DeadlineState.PARKED, "last_error": deadline.last_error},
            after=_audit_state(deadline),
        )
        return deadline
