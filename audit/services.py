"""Writing to the audit trail. Call `record_event` (or `record_events` for a batch) inside the transaction
that makes the change."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from audit.hashing import event_hash, fields_of, normalise
from audit.models import AuditCheckpoint, AuditEvent, ChainHead
from audit.verify import ChainReport, verify_chain

logger = logging.getLogger(__name__)

SYSTEM_ROLE = "system"


def _actor_fields(actor: Any) -> dict:
    if actor is None or isinstance(actor, str):
        return {
            "actor": None,
            "actor_label": (actor or SYSTEM_ROLE)[:200],
            "actor_role": SYSTEM_ROLE,
            "organisation_id": None,
        }
    if not getattr(actor, "is_authenticated", False):
        # An anonymous request (a public form, a failed login) is not a user row the FK could hold.
        return {"actor": None, "actor_label": "anonymous", "actor_role": "", "organisation_id": None}
    return {
        "actor": actor,
        "actor_label": actor.get_username()[:200],
        "actor_role": getattr(actor, "role", "") or "",
        "organisation_id": getattr(actor, "organisation_id", None),
    }


def record_event(
    *,
    actor: Any,
    action: str,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str | int = "",
    before: dict | None = None,
    after: dict | None = None,
    reason: str = "",
) -> AuditEvent:
    """Append one hash-chained event. `actor` is a user, or a string like "system:deadlines.sweep".

    `obj` fills `object_type` (app_label.model) and `object_id` unless they are given; it must be saved.
    `before`/`after` hold the changed fields; values are stored as JSON (Decimal and datetime as strings).
    """
    if obj is not None and obj.pk is None:
        raise ValueError("record_event needs a saved object: its id goes into the trail.")
    with transaction.atomic():
        # The lock on the head row serialises appends (a no-op on SQLite, whose writes are serial).
        # Under READ COMMITTED a waiting transaction re-reads the head its predecessor committed.
        head, _created = ChainHead.objects.select_for_update().get_or_create(id=1)
        if obj is not None:
            object_type = object_type or obj._meta.label_lower
            object_id = object_id if object_id not in ("", None) else obj.pk
        event = AuditEvent(
            id=head.last_event_id + 1,
            created_at=timezone.now(),
            action=action,
            object_type=object_type,
            object_id=str(object_id),
            object_repr=str(obj)[:300] if obj is not None else "",
            before=normalise(before or {}),
            after=normalise(after or {}),
            reason=reason,
            prev_hash=head.last_hash,
            **_actor_fields(actor),
        )
        event.hash = event_hash(event.prev_hash, fields_of(event))
        event.save(force_insert=True)
        ChainHead.objects.filter(id=1).update(last_event_id=event.id, last_hash=event.hash)
        return event


@dataclass(frozen=True)
class EventSpec:
    """One event of a `record_events` batch: the same fields as `record_event` takes, less the actor."""

    action: str
    obj: models.Model | None = None
    object_type: str = ""
    object_id: str | int = ""
    before: dict | None = None
    after: dict | None = None
    reason: str = ""


def record_events(*, actor: Any, events: Iterable[EventSpec], batch_size: int = 1000) -> list[AuditEvent]:
    """Append many hash-chained events by one actor in a few queries (one lock of the chain head, the
    INSERTs in batches, one head UPDATE); each event links to the one before it exactly as a sequence
    of `record_event` calls would. For bulk changes (e.g. a round's applications sent to review).
    """
    specs = list(events)
    if not specs:
        return []
    for spec in specs:
        if spec.obj is not None and spec.obj.pk is None:
            raise ValueError("record_events needs saved objects: their ids go into the trail.")
    actor_fields = _actor_fields(actor)
    with transaction.atomic():
        head, _created = ChainHead.objects.select_for_update().get_or_create(id=1)
        now = timezone.now()
        last_id, last_hash = head.last_event_id, head.last_hash
        rows = []
        for spec in specs:
            obj, object_type, object_id = spec.obj, spec.object_type, spec.object_id
            if obj is not None:
                object_type = object_type or obj._meta.label_lower
                object_id = object_id if object_id not in ("", None) else obj.pk
            event = AuditEvent(
                id=last_id + 1,
                created_at=now,
                action=spec.action,
                object_type=object_type,
                object_id=str(object_id),
                object_repr=str(obj)[:300] if obj is not None else "",
                before=normalise(spec.before or {}),
                after=normalise(spec.after or {}),
                reason=spec.reason,
                prev_hash=last_hash,
                **actor_fields,
            )
            event.hash = event_hash(event.prev_hash, fields_of(event))
            last_id, last_hash = event.id, event.hash
            rows.append(event)
        AuditEvent.objects.bulk_create(rows, batch_size=batch_size)
        ChainHead.objects.filter(id=1).update(last_event_id=last_id, last_hash=last_hash)
    return rows


def checkpoint_record(*, report: ChainReport | None = None, chunk_size: int = 2000) -> AuditCheckpoint:
    """Verify the chain (unless a fresh `report` is given) and keep the result as a checkpoint.

    A successful checkpoint becomes an anchor for later walks. The walk runs outside the transaction:
    it is a long read, and only the checkpoint row and its audit event need to commit together.
    """
    if report is None:
        report = verify_chain(chunk_size=chunk_size)
    if not report.ok:
        logger.error(
            "Audit chain broken at event #%s (%s): %s", report.first_broken_id, report.problem, report.detail
        )
    with transaction.atomic():
        checkpoint = AuditCheckpoint(
            created_at=report.checked_at,
            last_event_id=report.last_verified_id,
            last_hash=report.last_verified_hash,
            ok=report.ok,
            events_checked=report.events_checked,
            broken_event_id=report.first_broken_id,
            problem=str(report.problem),
        )
        checkpoint.save(force_insert=True)
        record_event(
            actor="system:audit.checkpoint",
            action="audit.checkpoint",
            obj=checkpoint,
            after={
                "ok": report.ok,
                "last_event_id": report.last_verified_id,
                "last_hash": report.last_verified_hash,
                "events_checked": report.events_checked,
                "broken_event_id": report.first_broken_id,
                "problem": str(report.problem),
            },
        )
    return checkpoint
