"""`/healthz`: is the database reachable, is the broker reachable, is the worker alive?

Load balancers and docker-compose health checks read the HTTP status: 200 when the database and the
broker answer, 503 otherwise. The worker's heartbeat (written by the beat-scheduled `core.heartbeat`
task) is reported but does not fail the check, so a web container is not restarted because a worker is.
Failures are logged with their cause; the public body only names what is down.
"""

from __future__ import annotations

import logging
import os
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from kombu import Connection

logger = logging.getLogger(__name__)

HEARTBEAT_CACHE_KEY = "celery:heartbeat"
BROKER_TIMEOUT_SECONDS = 2.0


def check_database() -> bool:
    """True when the default database answers `SELECT 1`."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:
        logger.exception("healthz: database check failed")
        return False


def check_broker() -> bool:
    """True when a kombu connection to the Celery broker opens within a couple of seconds."""
    options = dict(getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", {}) or {})
    options.setdefault("socket_connect_timeout", BROKER_TIMEOUT_SECONDS)
    options.setdefault("socket_timeout", BROKER_TIMEOUT_SECONDS)
    broker = Connection(
        settings.CELERY_BROKER_URL, connect_timeout=BROKER_TIMEOUT_SECONDS, transport_options=options
    )
    try:
        broker.ensure_connection(
            max_retries=1, interval_start=0.1, interval_step=0.1, timeout=BROKER_TIMEOUT_SECONDS * 2
        )
        if broker.transport_cls == "filesystem":
            # The filesystem transport "connects" to anything; a missing queue folder only shows
            # when the first message is published, so look at the folders themselves.
            return _filesystem_folders_writable(options)
        return True
    except Exception:
        logger.exception("healthz: broker check failed")
        return False
    finally:
        broker.release()


def _filesystem_folders_writable(options: dict[str, Any]) -> bool:
    folders = {options.get("data_folder_in"), options.get("data_folder_out")} - {None}
    missing = [f for f in folders if not (os.path.isdir(f) and os.access(f, os.W_OK))]
    if missing:
        logger.error("healthz: broker folders missing or read-only: %s", missing)
    return not missing


def heartbeat_interval() -> float:
    """Seconds between `core.heartbeat` runs, as configured in the beat schedule."""
    entry = getattr(settings, "CELERY_BEAT_SCHEDULE", {}).get("heartbeat", {})
    schedule = entry.get("schedule", 30.0)
    return float(schedule) if isinstance(schedule, int | float) else 30.0


def worker_status() -> dict[str, Any]:
    """The last heartbeat the worker wrote, and whether it is recent (three intervals, 30 s minimum)."""
    try:
        raw = cache.get(HEARTBEAT_CACHE_KEY)
    except Exception:
        logger.exception("healthz: cache read failed")
        raw = None
    last = _parse_time(raw)
    if last is None:
        return {"last_heartbeat": None, "fresh": False}
    window = timedelta(seconds=max(3 * heartbeat_interval(), 30.0))
    return {"last_heartbeat": last.isoformat(), "fresh": timezone.now() - last <= window}


def _parse_time(raw: object) -> datetime | None:
    if isinstance(raw, datetime):
        value = raw
    elif isinstance(raw, str):
        try:
            value = datetime.fromisoformat(raw)
        except ValueError:
            return None
    else:
        return None
    return value if timezone.is_aware(value) else value.replace(tzinfo=UTC)


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Report database, broker and worker status; 503 when the database or the broker is down."""
    database_ok = check_database()
    broker_ok = check_broker()
    worker = worker_status()
    failing = [name for name, ok in (("database", database_ok), ("broker", broker_ok)) if not ok]
    body = {
        "status": "ok" if not failing and worker["fresh"] else "degraded",
        "database": "ok" if database_ok else "down",
        "broker": "ok" if broker_ok else "down",
        "worker": worker,
        "failing": failing,
    }
    return JsonResponse(body, status=503 if failing else 200)
