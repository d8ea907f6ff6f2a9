"""The sweeper fires each due deadline once, in due order, and a failing handler blocks nobody."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from audit.models import AuditEvent
from audit.services import record_event
from deadlines.models import Deadline, DeadlineState
from deadlines.registry import register_handler, unregister_handler
from deadlines.services import deadline_schedule
from deadlines.sweeper import fire_next, retry_delay, sweep

pytestmark = pytest.mark.django_db


def test_a_due_deadline_fires_once_and_is_marked_fired(make_due, test_handlers):
    row = make_due()
    result = sweep()
    assert result.fired == [row.pk]
    row.refresh_from_db()
    assert row.state == DeadlineState.FIRED
    assert row.fired_at is not None
    assert row.attempts == 1
    assert test_handlers.effect_count() == 1

    assert sweep().processed == 0  # nothing is due any more
    assert test_handlers.effect_count() == 1


def test_each_firing_is_audited_as_the_sweep(make_due):
    row = make_due()
    sweep()
    event = AuditEvent.objects.get(action="deadline.fired")
    assert event.actor_label == "system:deadlines.sweep"
    assert (event.object_type, event.object_id) == ("deadlines.deadline", str(row.pk))
    assert event.after["kind"] == "test.effect"


def test_a_deadline_not_yet_due_waits(target, test_handlers):
    row = deadline_schedule(kind="test.effect", target=target, due_at=timezone.now() + timedelta(minutes=5))
    assert sweep().processed == 0
    with time_machine.travel(timezone.now() + timedelta(minutes=6)):
        assert sweep().fired == [row.pk]
    assert test_handlers.effect_count() == 1


def test_overdue_deadlines_fire_in_due_order(make_due, test_handlers):
    middle = make_due(minutes_ago=20)
    latest = make_due(minutes_ago=5)
    earliest = make_due(minutes_ago=60)
    assert sweep().fired == [earliest.pk, middle.pk, latest.pk]
    effects = (
        AuditEvent.objects.filter(action="test.effect").order_by("id").values_list("object_id", flat=True)
    )
    assert list(effects) == [str(earliest.pk), str(middle.pk), str(latest.pk)]


def test_a_failing_handler_is_rolled_back_and_does_not_block_the_others(make_due, test_handlers):
    broken = make_due(kind="test.fail", minutes_ago=10)  # due first
    fine = make_due(minutes_ago=5)
    result = sweep()
    assert result.failed == [broken.pk]
    assert result.fired == [fine.pk]

    broken.refresh_from_db()
    assert broken.state == DeadlineState.SCHEDULED
    assert broken.attempts == 1
    assert broken.fired_at is None
    assert "the test handler always fails" in broken.last_error
    assert broken.run_after > timezone.now()  # backs off before the next try
    assert broken.is_failing
    # The failed attempt's own effect was rolled back; only the good row's effect remains.
    assert list(AuditEvent.objects.filter(action="test.effect").values_list("object_id", flat=True)) == [
        str(fine.pk)
    ]


def test_a_failing_deadline_is_parked_after_its_max_attempts(make_due, test_handlers):
    broken = make_due(kind="test.fail")  # registered with max_attempts=3
    now = timezone.now()
    outcomes = []
    for attempt in range(1, 5):
        with time_machine.travel(now + timedelta(hours=attempt * 3)):
            outcomes.append(sweep())
    assert [(len(r.failed), len(r.parked)) for r in outcomes] == [(1, 0), (1, 0), (0, 1), (0, 0)]
    broken.refresh_from_db()
    assert broken.state == DeadlineState.PARKED
    assert broken.attempts == 3
    assert test_handlers.effect_count() == 0
    parked = AuditEvent.objects.get(action="deadline.parked")
    assert parked.actor_label == "system:deadlines.sweep"
    assert parked.after["attempts"] == 3


def test_backoff_grows_and_is_capped(settings):
    settings.DEADLINE_RETRY_BASE_SECONDS = 30
    settings.DEADLINE_RETRY_MAX_SECONDS = 3600
    assert [retry_delay(n).total_seconds() for n in (1, 2, 3, 4, 10)] == [30, 60, 120, 240, 3600]


def test_a_flaky_handler_fires_once_it_succeeds(make_due, test_handlers):
    row = make_due(kind="test.flaky")
    assert sweep().failed == [row.pk]
    record_event(actor="system:test", action="test.allow", object_type="deadline", object_id=row.pk)
    with time_machine.travel(timezone.now() + timedelta(hours=1)):
        assert sweep().fired == [row.pk]
    row.refresh_from_db()
    assert (row.state, row.attempts) == (DeadlineState.FIRED, 2)
    assert test_handlers.effect_count() == 1


def test_a_kind_without_handler_is_parked_with_a_clear_error(make_due):
    register_handler("test.orphan", lambda d: None)
    row = make_due(kind="test.orphan")
    unregister_handler("test.orphan")  # the app that scheduled it is gone
    assert sweep().parked == [row.pk]
    row.refresh_from_db()
    assert row.state == DeadlineState.PARKED
    assert "No handler is registered for the kind 'test.orphan'" in row.last_error


def test_kind_variants_run_the_base_kinds_handler(target, test_handlers):
    row = deadline_schedule(kind="test.effect:7", target=target, due_at=timezone.now())
    assert sweep().fired == [row.pk]
    assert test_handlers.effect_count() == 1


def test_sweep_stops_at_max_rows_and_the_rest_waits_for_the_next_run(make_due, test_handlers):
    rows = [make_due(minutes_ago=10 - i) for i in range(3)]
    assert sweep(max_rows=2).fired == [rows[0].pk, rows[1].pk]
    assert sweep().fired == [rows[2].pk]
    assert test_handlers.effect_count() == 3


def test_fire_next_returns_none_when_nothing_is_due():
    assert fire_next() is None


def test_the_handler_sees_the_deadline_and_its_payload(target):
    seen = []
    register_handler("test.peek", lambda d: seen.append((d.kind, d.target, d.payload, d.state)))
    try:
        deadline_schedule(kind="test.peek", target=target, due_at=timezone.now(), payload={"days": 7})
        sweep()
    finally:
        unregister_handler("test.peek")
    assert seen == [("test.peek", target, {"days": 7}, DeadlineState.FIRED)]
    assert Deadline.objects.get(kind="test.peek").state == DeadlineState.FIRED
