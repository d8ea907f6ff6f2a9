"""Scheduling, moving and cancelling deadlines: one live row per (kind, target), dates kept in step."""

from datetime import timedelta

import pytest
from django.utils import timezone

from audit.models import AuditEvent
from deadlines.models import Deadline, DeadlineState
from deadlines.services import deadline_cancel, deadline_schedule, deadlines_cancel_for
from deadlines.sweeper import sweep

pytestmark = pytest.mark.django_db


def test_scheduling_twice_keeps_one_row_and_writes_one_audit_event(target):
    due = timezone.now() + timedelta(days=3)
    first = deadline_schedule(kind="test.effect", target=target, due_at=due)
    again = deadline_schedule(kind="test.effect", target=target, due_at=due)
    assert again.pk == first.pk
    assert Deadline.objects.count() == 1
    assert first.state == DeadlineState.SCHEDULED
    assert first.target == target
    assert list(
        AuditEvent.objects.filter(object_type="deadlines.deadline").values_list("action", flat=True)
    ) == ["deadline.scheduled"]


def test_moving_the_date_reschedules_the_same_row(target):
    due = timezone.now() + timedelta(days=3)
    row = deadline_schedule(kind="test.effect", target=target, due_at=due)
    later = due + timedelta(days=2)
    moved = deadline_schedule(kind="test.effect", target=target, due_at=later)
    row.refresh_from_db()
    assert moved.pk == row.pk
    assert (row.due_at, row.run_after) == (later, later)
    event = AuditEvent.objects.get(action="deadline.rescheduled")
    assert event.before["due_at"] == due.isoformat()
    assert event.after["due_at"] == later.isoformat()


def test_a_date_moved_into_the_future_no_longer_fires(target):
    row = deadline_schedule(kind="test.effect", target=target, due_at=timezone.now() - timedelta(minutes=1))
    deadline_schedule(kind="test.effect", target=target, due_at=timezone.now() + timedelta(hours=1))
    assert sweep().processed == 0
    row.refresh_from_db()
    assert row.state == DeadlineState.SCHEDULED


def test_a_date_moved_into_the_past_fires_at_the_next_sweep(target, test_handlers):
    row = deadline_schedule(kind="test.effect", target=target, due_at=timezone.now() + timedelta(days=1))
    deadline_schedule(kind="test.effect", target=target, due_at=timezone.now() - timedelta(seconds=1))
    assert sweep().fired == [row.pk]
    assert test_handlers.effect_count() == 1


def test_kind_variants_are_separate_rows_for_one_target(target):
    due = timezone.now() + timedelta(days=7)
    seven = deadline_schedule(kind="test.effect:7", target=target, due_at=due - timedelta(days=7))
    one = deadline_schedule(kind="test.effect:1", target=target, due_at=due - timedelta(days=1))
    assert seven.pk != one.pk
    assert Deadline.objects.filter(target_id=target.pk).count() == 2


def test_cancelling_cancels_and_a_cancelled_deadline_never_fires(target, test_handlers):
    deadline_schedule(kind="test.effect", target=target, due_at=timezone.now() - timedelta(minutes=1))
    assert deadline_cancel(kind="test.effect", target=target) == 1
    assert deadline_cancel(kind="test.effect", target=target) == 0
    assert sweep().processed == 0
    assert test_handlers.effect_count() == 0
    assert Deadline.objects.get().state == DeadlineState.CANCELLED
    assert AuditEvent.objects.filter(action="deadline.cancelled").count() == 1


def test_cancel_for_a_target_cancels_all_its_pending_deadlines_and_nothing_else(target, make_due):
    due = timezone.now() + timedelta(days=1)
    deadline_schedule(kind="test.effect", target=target, due_at=due)
    deadline_schedule(kind="test.slow", target=target, due_at=due)
    fired = make_due(target=target, kind="test.flaky")
    Deadline.objects.filter(pk=fired.pk).update(state=DeadlineState.FIRED, fired_at=timezone.now())
    other = make_due()

    assert deadlines_cancel_for(target) == 2

    mine = dict(Deadline.objects.filter(target_id=target.pk).values_list("kind", "state"))
    assert mine == {
        "test.effect": DeadlineState.CANCELLED,
        "test.slow": DeadlineState.CANCELLED,
        "test.flaky": DeadlineState.FIRED,
    }
    assert Deadline.objects.get(pk=other.pk).state == DeadlineState.SCHEDULED


def test_scheduling_after_a_cancel_creates_a_new_row(target):
    due = timezone.now() + timedelta(days=1)
    first = deadline_schedule(kind="test.effect", target=target, due_at=due)
    deadline_cancel(kind="test.effect", target=target)
    second = deadline_schedule(kind="test.effect", target=target, due_at=due)
    assert second.pk != first.pk
    assert second.state == DeadlineState.SCHEDULED


def test_scheduling_the_fired_date_again_does_not_fire_twice(target, test_handlers):
    due = timezone.now() - timedelta(minutes=1)
    row = deadline_schedule(kind="test.effect", target=target, due_at=due)
    sweep()
    again = deadline_schedule(kind="test.effect", target=target, due_at=due)
    assert again.pk == row.pk
    assert sweep().processed == 0
    assert test_handlers.effect_count() == 1


def test_unknown_kind_and_naive_dates_are_refused(target):
    with pytest.raises(ValueError, match="No deadline handler"):
        deadline_schedule(kind="nobody.handles", target=target, due_at=timezone.now())
    with pytest.raises(ValueError, match="aware"):
        deadline_schedule(kind="test.effect", target=target, due_at=timezone.now().replace(tzinfo=None))
