"""The nightly `audit.checkpoint` task verifies the chain and keeps the result as an anchor."""

from __future__ import annotations

import pytest

from audit.models import AuditCheckpoint, AuditEvent
from audit.tasks import checkpoint
from config.celery import app
from tests.audit.conftest import raw_sql, trigger_disabled

pytestmark = [pytest.mark.django_db, pytest.mark.rule(36)]


def test_task_is_registered_under_the_beat_schedule_name(settings):
    assert settings.CELERY_BEAT_SCHEDULE["audit-checkpoint"]["task"] == "audit.checkpoint"
    app.loader.import_default_modules()
    assert "audit.checkpoint" in app.tasks


def test_checkpoint_of_an_intact_chain(chain):
    checkpoint_id = checkpoint()  # the task body, run in this process

    saved = AuditCheckpoint.objects.get(id=checkpoint_id)
    assert (saved.ok, saved.last_event_id, saved.last_hash, saved.events_checked) == (
        True,
        chain[-1].id,
        chain[-1].hash,
        5,
    )
    assert (saved.broken_event_id, saved.problem) == (None, "")
    # The checkpoint itself is in the trail, by the system.
    event = AuditEvent.objects.order_by("-id").first()
    assert (event.action, event.actor_label, event.actor_role) == (
        "audit.checkpoint",
        "system:audit.checkpoint",
        "system",
    )
    assert event.object_id == str(saved.id)
    assert event.after["last_event_id"] == chain[-1].id


def test_checkpoint_of_a_broken_chain_records_where_it_broke(chain):
    with trigger_disabled():
        raw_sql("UPDATE audit_auditevent SET reason = 'x' WHERE id = %s", [chain[3].id])

    saved = AuditCheckpoint.objects.get(id=checkpoint())

    assert (saved.ok, saved.broken_event_id, saved.problem, saved.last_event_id) == (
        False,
        chain[3].id,
        "edited",
        chain[2].id,
    )


def test_running_twice_adds_two_consistent_checkpoints(chain):
    first = AuditCheckpoint.objects.get(id=checkpoint())
    second = AuditCheckpoint.objects.get(id=checkpoint())
    # The second walk also covers the event the first checkpoint appended, and still verifies.
    assert second.ok and second.last_event_id == first.last_event_id + 1
