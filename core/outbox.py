"""The transactional outbox: tasks that must run even if the broker is down when the change commits.

A service calls `enqueue("app.task_name", object_id=...)` inside its transaction. The row commits (or
rolls back) with the change. After commit we try to publish at once; if the broker is unreachable the
row stays pending and the `core.dispatch_outbox` beat sweep (every 30 s) publishes it later.

Delivery is at least once: the on-commit publish and the sweep, a broker redelivery after a worker
crash (`acks_late`) or a lost acknowledgement can each run a task twice. **Every task that receives
outbox messages must be idempotent** — take ids, re-read the rows, and let a unique constraint or a
conditional update make the second run a no-op.
"""

from __future__ import annotations

import json
import logging
from functools import partial

from celery import current_app
from django.db import transaction
from django.utils import timezone

from core.models import OutboxMessage

logger = logging.getLogger(__name__)

BATCH_SIZE = 100


def enqueue(task_name: str, /, **kwargs: object) -> OutboxMessage:
    """Write an outbox row for `task_name(**kwargs)` in the caller's transaction; publish after commit.

    `kwargs` must be plain JSON (ids, strings, numbers): tasks take ids, never objects. Raises
    RuntimeError outside a transaction, where "publish if and only if the change commits" means nothing.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("outbox.enqueue() must be called inside the service's transaction.atomic().")
    json.dumps(kwargs)  # fail here, not in the sweep, if an argument is not plain JSON
    message = OutboxMessage.objects.create(task_name=task_name, kwargs=kwargs)
    transaction.on_commit(partial(publish_pending, message.pk), robust=True)
    return message


def _send(message: OutboxMessage) -> None:
    # retry=False: a down broker must fail fast here; the sweep is the retry.
    current_app.send_task(
        message.task_name, kwargs=message.kwargs, task_id=f"outbox-{message.pk}", retry=False
    )


def _attempt(message: OutboxMessage) -> bool:
    """Publish one locked row and record the outcome on it. True when published."""
    message.attempts += 1
    try:
        _send(message)
    except Exception as exc:
        message.last_error = f"{type(exc).__name__}: {exc}"[:2000]
        message.save(update_fields=["attempts", "last_error"])
        logger.warning("outbox: publishing #%s %s failed: %s", message.pk, message.task_name, exc)
        return False
    message.published_at = timezone.now()
    message.last_error = ""
    message.save(update_fields=["attempts", "published_at", "last_error"])
    return True


def publish_pending(message_id: int) -> bool:
    """Publish one pending message now (the on-commit path). False if it failed or was already taken."""
    with transaction.atomic():
        # skip_locked: if the sweep holds the row it is publishing it; do not publish twice.
        message = (
            OutboxMessage.objects.select_for_update(skip_locked=True)
            .filter(pk=message_id, published_at__isnull=True)
            .first()
        )
        return message is not None and _attempt(message)


def dispatch_pending(*, batch_size: int = BATCH_SIZE) -> int:
    """Publish up to `batch_size` pending messages, oldest first; returns how many were published.

    Rows are claimed with SELECT ... FOR UPDATE SKIP LOCKED, so two sweeps (or a sweep and an
    on-commit publish) never take the same row. The first failure ends the batch: the broker is
    down, and the rest would only wait for the same timeout.
    """
    published = 0
    with transaction.atomic():
        batch = OutboxMessage.objects.select_for_update(skip_locked=True).filter(published_at__isnull=True)
        for message in batch.order_by("id")[:batch_size]:
            if not _attempt(message):
                break
            published += 1
    return published
