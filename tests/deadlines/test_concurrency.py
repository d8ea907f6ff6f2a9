"""Two sweepers at once (threads with their own PostgreSQL connections) fire each deadline once."""

import threading

import pytest
from django.db import connection

from deadlines.models import Deadline, DeadlineState, Notification
from deadlines.sweeper import sweep
from deadlines.tasks import sweep as sweep_task
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)


def run_in_threads(count, target):
    barrier = threading.Barrier(count)
    results, errors = [], []

    def work():
        try:
            barrier.wait()
            results.append(target())
        except Exception as exc:  # surfaced by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    return results


def test_two_concurrent_sweeps_give_one_effect_and_one_notification_each(make_due, test_handlers):
    person = factories.ApplicantFactory()
    rows = [
        make_due(kind="test.slow", minutes_ago=30 - i, payload={"notify": [person.pk], "sleep": 0.05})
        for i in range(12)
    ]
    results = run_in_threads(2, sweep)

    fired = sorted(pk for result in results for pk in result.fired)
    assert fired == sorted(row.pk for row in rows)  # every row fired, none by both sweepers
    assert all(result.fired for result in results)  # and both sweepers did part of the work
    assert test_handlers.effect_count() == 12
    assert Notification.objects.filter(recipient=person).count() == 12
    assert set(Deadline.objects.values_list("state", flat=True)) == {DeadlineState.FIRED}


def test_the_sweep_task_delivered_five_times_at_once_fires_each_deadline_once(make_due, test_handlers):
    person = factories.ApplicantFactory()
    rows = [make_due(kind="test.slow", payload={"notify": [person.pk], "sleep": 0.02}) for _ in range(5)]
    counts = run_in_threads(5, sweep_task)
    assert sum(counts) == 5
    assert test_handlers.effect_count() == 5
    assert Notification.objects.filter(recipient=person, deadline__in=rows).count() == 5
