"""Deadline handlers used by the tests, registered by the `handlers` fixture (and, for subprocess
workers, by importing this module with `celery worker --include tests.deadlines.handlers`).

Their effect is an audit event "test.effect" per run: nothing in the database stops a second one, so
counting them proves how often a handler's work was committed.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from audit.models import AuditEvent
from audit.services import record_event
from deadlines.registry import register_handler, unregister_handler
from deadlines.services import notify

EFFECT = "test.effect"
KINDS = ("test.effect", "test.fail", "test.flaky", "test.slow")


def effect(deadline) -> None:
    """Record one effect; notify the users listed in the payload; sleep if the payload says so."""
    record_event(
        actor="system:test",
        action=EFFECT,
        object_type="deadlines.deadline",
        object_id=deadline.pk,
        after={"kind": deadline.kind, "target_id": deadline.target_id},
    )
    user_ids = deadline.payload.get("notify", [])
    if user_ids:
        notify(
            recipients=get_user_model().objects.filter(pk__in=user_ids).order_by("pk"),
            kind="test.notice",
            template="generic",
            context={"subject": _("Something is due"), "text": _("Please act."), "due_at": deadline.due_at},
            deadline=deadline,
            url="/notifications/",
        )
    marker = deadline.payload.get("started_marker")
    if marker:
        Path(marker).write_text(str(os.getpid()))
    hold_while = deadline.payload.get("hold_while_exists")
    deadline_at = time.monotonic() + 120
    while hold_while and Path(hold_while).exists() and time.monotonic() < deadline_at:
        time.sleep(0.1)
    time.sleep(float(deadline.payload.get("sleep", 0)))


def fail(deadline) -> None:
    """Write an effect, then fail: the effect must be rolled back with the attempt."""
    effect(deadline)
    raise RuntimeError("the test handler always fails")


def flaky(deadline) -> None:
    """Fail until an effect for this deadline exists outside the handler's transaction."""
    if not AuditEvent.objects.filter(action="test.allow", object_id=str(deadline.pk)).exists():
        raise RuntimeError("not yet")
    effect(deadline)


def register_all() -> None:
    register_handler("test.effect", effect, label=_("Test effect"))
    register_handler("test.fail", fail, max_attempts=3)
    register_handler("test.flaky", flaky, max_attempts=5)
    register_handler("test.slow", effect)


def unregister_all() -> None:
    for kind in KINDS:
        unregister_handler(kind)


def effect_count(**filters) -> int:
    return AuditEvent.objects.filter(action=EFFECT, **filters).count()


# Imported by a subprocess worker (`--include tests.deadlines.handlers`): register on import.
register_all()
