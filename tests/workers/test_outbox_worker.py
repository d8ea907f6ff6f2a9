"""Outbox messages reach a real Celery worker on Redis, exactly once, even after a broker outage."""

from __future__ import annotations

import time

import pytest
from django.db import transaction
from kombu.exceptions import OperationalError

from config.celery import app
from core import outbox
from core.models import OutboxMessage
from tests.testapp.models import TaskRun
from tests.workers.conftest import wait_until

pytestmark = [pytest.mark.workers, pytest.mark.django_db(transaction=True), pytest.mark.timeout(120)]


def runs(label: str) -> int:
    return TaskRun.objects.filter(label=label).count()


def test_a_committed_outbox_message_is_executed_by_the_worker_exactly_once(celery_worker):
    with transaction.atomic():
        message = outbox.enqueue("testapp.record_run", label="committed")
        time.sleep(0.5)
        assert runs("committed") == 0  # nothing leaves before the commit

    wait_until(lambda: runs("committed"))
    assert OutboxMessage.objects.get(pk=message.pk).published_at is not None

    assert outbox.dispatch_pending() == 0  # the sweep finds nothing left to send
    time.sleep(2)  # room for a duplicate delivery to show up, if there were one
    assert runs("committed") == 1


def test_a_rolled_back_message_never_reaches_the_worker(celery_worker):
    with pytest.raises(RuntimeError), transaction.atomic():
        outbox.enqueue("testapp.record_run", label="rolled-back")
        raise RuntimeError("the service failed")

    with transaction.atomic():
        outbox.enqueue("testapp.record_run", label="marker")
    wait_until(lambda: runs("marker"))  # the queue is FIFO: anything sent earlier has run by now
    assert runs("rolled-back") == 0


def test_a_message_committed_while_publishing_fails_is_delivered_by_the_sweep(celery_worker, monkeypatch):
    def broker_unreachable(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(app, "send_task", broker_unreachable)
    with transaction.atomic():
        message = outbox.enqueue("testapp.record_run", label="during-outage")
    message.refresh_from_db()
    assert message.published_at is None
    assert "Connection refused" in message.last_error

    monkeypatch.undo()  # the broker is back
    app.send_task("core.dispatch_outbox")  # what beat sends every 30 s, run by the worker

    wait_until(lambda: runs("during-outage"))
    message.refresh_from_db()
    assert message.published_at is not None
    assert message.attempts == 2
    time.sleep(2)
    assert runs("during-outage") == 1
