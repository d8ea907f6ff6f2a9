"""Periodic tasks of the core mechanisms (scheduled in settings.CELERY_BEAT_SCHEDULE)."""

from __future__ import annotations

from celery import shared_task
from django.core.cache import cache
from django.utils import timezone

from core import idempotency, outbox

HEARTBEAT_KEY = "celery:heartbeat"  # /healthz reads this key to tell whether workers and beat run


@shared_task(name="core.heartbeat")
def heartbeat() -> str:
    """Record that beat scheduled and a worker ran a task just now."""
    now = timezone.now().isoformat()
    cache.set(HEARTBEAT_KEY, now, None)
    return now


@shared_task(name="core.dispatch_outbox")
def dispatch_outbox() -> int:
    """Publish pending outbox messages (those whose on-commit publish failed). Safe to run twice."""
    return outbox.dispatch_pending()


@shared_task(name="core.purge_idempotency_keys")
def purge_idempotency_keys() -> int:
    """Delete idempotency keys older than 7 days."""
    return idempotency.purge_expired()
