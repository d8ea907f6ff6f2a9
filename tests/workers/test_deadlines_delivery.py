"""Deadlines with real Celery workers and beat on Redis: on time, caught up, and never twice.

Each test runs its own redis-server and its own worker and beat subprocesses against the test
database (see tests/deadlines/processes.py), with the sweep every second.
"""

from __future__ import annotations

import random
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from audit.models import AuditEvent
from deadlines.models import Deadline, DeadlineState, Notification
from deadlines.services import deadline_schedule
from tests import factories
from tests.deadlines import handlers
from tests.deadlines.processes import (
    RedisServer,
    logs,
    process_env,
    send_task,
    start_beat,
    start_worker,
    wait_until,
)

pytestmark = [pytest.mark.workers, pytest.mark.slow, pytest.mark.timeout(170)]


@pytest.fixture
def redis(tmp_path):
    server = RedisServer(tmp_path / "redis").start()
    yield server
    server.stop()


@pytest.fixture
def procs(transactional_db):
    """Started processes, stopped before the test database is flushed."""
    started = []
    yield started
    for proc in reversed(started):
        proc.stop()


@pytest.fixture(autouse=True)
def test_handlers():
    handlers.register_all()
    yield
    handlers.unregister_all()


def fired_count() -> int:
    return Deadline.objects.filter(state=DeadlineState.FIRED).count()


def test_a_deadline_due_in_a_few_seconds_fires_by_itself_within_the_sweep_interval(redis, procs, tmp_path):
    env = process_env(tmp_path, redis.url)
    procs += [start_worker(env, tmp_path), start_beat(env, tmp_path)]
    person = factories.ApplicantFactory(language="en")
    due = timezone.now() + timedelta(seconds=3)
    row = deadline_schedule(
        kind="test.effect",
        target=factories.OrganisationFactory(),
        due_at=due,
        payload={"notify": [person.pk]},
    )

    assert wait_until(fired_count, 60), logs(*procs)
    row.refresh_from_db()
    assert row.fired_at - due < timedelta(seconds=10)  # within a few sweep intervals of 1 s
    assert row.fired_at >= due
    assert handlers.effect_count() == 1
    assert Notification.objects.filter(recipient=person, deadline=row).count() == 1
    # The e-mail copy leaves through the outbox after commit, sent by the worker once.
    emailed = wait_until(lambda: Notification.objects.filter(emailed_at__isnull=False).exists(), 30)
    assert emailed, logs(*procs)
    assert procs[0].output().count("Subject: Something is due") == 1


def test_catch_up_after_the_worker_was_down_fires_each_once_in_due_order(redis, procs, tmp_path):
    env = process_env(tmp_path, redis.url)
    beat = start_beat(env, tmp_path)  # beat keeps publishing sweeps while no worker is there
    procs.append(beat)
    person = factories.ApplicantFactory()
    now = timezone.now()
    offsets = random.Random(4).sample(range(1, 600), 100)  # minutes overdue, in no order
    rows = [
        deadline_schedule(
            kind="test.effect",
            target=factories.OrganisationFactory(),
            due_at=now - timedelta(minutes=m),
            payload={"notify": [person.pk]},
        )
        for m in offsets
    ]
    assert wait_until(lambda: "deadlines.sweep" in beat.output(), 20), logs(beat)
    assert fired_count() == 0  # nothing fires without a worker

    started = time.monotonic()
    procs.append(start_worker(env, tmp_path, "worker", "--concurrency=1"))
    assert wait_until(lambda: fired_count() == len(rows), 110), logs(*procs)
    assert time.monotonic() - started < 120  # R2: caught up within two minutes of the worker's start

    effects = (
        AuditEvent.objects.filter(action=handlers.EFFECT).order_by("id").values_list("object_id", flat=True)
    )
    in_due_order = [str(r.pk) for r in sorted(rows, key=lambda r: r.due_at)]
    assert list(effects) == in_due_order  # each exactly once, earliest due first
    assert Notification.objects.filter(recipient=person).count() == len(rows)


def test_the_sweep_delivered_five_times_to_a_busy_pool_gives_one_effect_each(redis, procs, tmp_path):
    env = process_env(tmp_path, redis.url)
    person = factories.ApplicantFactory()
    rows = [
        deadline_schedule(
            kind="test.slow",
            target=factories.OrganisationFactory(),
            due_at=timezone.now() - timedelta(minutes=1),
            payload={"notify": [person.pk], "sleep": 0.2},
        )
        for _ in range(6)
    ]
    # No beat: only these five deliveries of the same task, raced by two pool processes.
    procs.append(start_worker(env, tmp_path, "worker", "--concurrency=2"))
    send_task(redis.url, "deadlines.sweep", times=5)

    assert wait_until(lambda: fired_count() == len(rows), 60), logs(*procs)
    assert wait_until(lambda: procs[0].output().count("deadlines.sweep") >= 10, 30)  # 5 received, 5 done
    assert handlers.effect_count() == len(rows)
    assert Notification.objects.filter(recipient=person).count() == len(rows)


def test_a_worker_killed_inside_a_handler_fires_the_deadline_once_after_restart(redis, procs, tmp_path):
    env = process_env(tmp_path, redis.url, CELERY_VISIBILITY_TIMEOUT="5")
    started, hold = tmp_path / "handler-started", tmp_path / "hold"
    hold.touch()
    person = factories.ApplicantFactory()
    row = deadline_schedule(
        kind="test.slow",
        target=factories.OrganisationFactory(),
        due_at=timezone.now() - timedelta(seconds=1),
        payload={"notify": [person.pk], "started_marker": str(started), "hold_while_exists": str(hold)},
    )
    worker = start_worker(env, tmp_path, "worker-1", "--concurrency=1")
    procs += [worker, start_beat(env, tmp_path)]
    assert wait_until(started.exists, 60), logs(*procs)

    worker.kill()  # SIGKILL in the middle of the handler's transaction
    row.refresh_from_db()
    assert row.state == DeadlineState.SCHEDULED  # the half-done firing was rolled back
    assert handlers.effect_count() == 0

    hold.unlink()
    procs.append(start_worker(env, tmp_path, "worker-2", "--concurrency=1"))
    assert wait_until(fired_count, 60), logs(*procs)
    row.refresh_from_db()
    assert (row.state, row.attempts) == (DeadlineState.FIRED, 1)
    assert handlers.effect_count() == 1
    assert Notification.objects.filter(recipient=person, deadline=row).count() == 1
