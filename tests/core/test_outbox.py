"""The outbox without a worker: rows, on-commit publishing, failures and the sweep.

Tests run on Celery's in-process memory:// broker (config.test_settings), so a published message
can be read back from the queue; tests/workers runs the same path against a real worker on Redis.
"""

import threading

import pytest
from celery import current_app
from django.core.cache import cache
from django.db import connection, transaction
from kombu.exceptions import OperationalError

from core import outbox
from core.models import OutboxMessage
from core.tasks import dispatch_outbox, heartbeat

pytestmark = pytest.mark.django_db(transaction=True)


def published_messages() -> list[tuple[str, dict, str]]:
    """Drain the default queue: (task name, kwargs, task id) of each message on the broker."""
    found = []
    with current_app.connection_for_read() as conn:
        queue = conn.SimpleQueue(current_app.conf.task_default_queue)
        while True:
            try:
                message = queue.get(block=False)
            except queue.Empty:
                break
            _args, kwargs, _embed = message.decode()
            found.append((message.headers["task"], kwargs, message.headers["id"]))
            message.ack()
        queue.close()
    return found


@pytest.fixture(autouse=True)
def empty_queue():
    published_messages()


@pytest.fixture
def broker_down(monkeypatch):
    """The broker refuses connections: what kombu raises when Redis is unreachable."""

    def refuse(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(current_app, "send_task", refuse)


def test_enqueue_outside_a_transaction_is_refused():
    with pytest.raises(RuntimeError):
        outbox.enqueue("testapp.record_run", label="x")
    assert OutboxMessage.objects.count() == 0


def test_arguments_must_be_plain_json():
    with pytest.raises(TypeError), transaction.atomic():
        outbox.enqueue("testapp.record_run", label=object())
    assert OutboxMessage.objects.count() == 0


def test_message_is_published_right_after_commit():
    with transaction.atomic():
        message = outbox.enqueue("testapp.record_run", label="now")
        assert published_messages() == []

    message.refresh_from_db()
    assert message.published_at is not None
    assert message.attempts == 1
    assert published_messages() == [("testapp.record_run", {"label": "now"}, f"outbox-{message.pk}")]


def test_rolled_back_message_is_neither_kept_nor_published():
    with pytest.raises(RuntimeError), transaction.atomic():
        outbox.enqueue("testapp.record_run", label="never")
        raise RuntimeError("the service failed")

    assert OutboxMessage.objects.count() == 0
    assert published_messages() == []


def test_message_committed_while_the_broker_is_down_stays_pending(broker_down):
    with transaction.atomic():
        message = outbox.enqueue("testapp.record_run", label="later")

    message.refresh_from_db()
    assert message.published_at is None
    assert message.attempts == 1
    assert message.last_error.startswith("OperationalError: Error 111")


def test_sweep_publishes_pending_messages_once_the_broker_is_back(monkeypatch, broker_down):
    with transaction.atomic():
        first = outbox.enqueue("testapp.record_run", label="a")
        second = outbox.enqueue("testapp.record_run", label="b")
    assert dispatch_outbox() == 0  # still down: the batch stops at the first failure

    monkeypatch.undo()
    assert dispatch_outbox() == 2
    assert dispatch_outbox() == 0

    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.attempts, second.attempts) == (3, 2)
    assert first.published_at and second.published_at and not first.last_error
    assert [kwargs for _task, kwargs, _id in published_messages()] == [{"label": "a"}, {"label": "b"}]


def test_sweep_takes_batches_oldest_first():
    OutboxMessage.objects.bulk_create(
        OutboxMessage(task_name="testapp.record_run", kwargs={"label": str(i)}) for i in range(5)
    )

    assert outbox.dispatch_pending(batch_size=3) == 3
    assert [kwargs["label"] for _t, kwargs, _i in published_messages()] == ["0", "1", "2"]
    assert outbox.dispatch_pending(batch_size=3) == 2


def test_sweep_skips_a_row_another_process_is_publishing():
    locked, _free = OutboxMessage.objects.bulk_create(
        [OutboxMessage(task_name="testapp.record_run", kwargs={"label": n}) for n in ("locked", "free")]
    )
    holding, release = threading.Event(), threading.Event()

    def hold_lock():
        try:
            with transaction.atomic():
                OutboxMessage.objects.select_for_update().get(pk=locked.pk)
                holding.set()
                release.wait(timeout=20)
        finally:
            connection.close()

    thread = threading.Thread(target=hold_lock)
    thread.start()
    try:
        assert holding.wait(timeout=10)
        assert outbox.dispatch_pending() == 1
        assert outbox.publish_pending(locked.pk) is False
    finally:
        release.set()
        thread.join(timeout=20)

    assert [kwargs["label"] for _t, kwargs, _i in published_messages()] == ["free"]
    assert OutboxMessage.objects.get(pk=locked.pk).published_at is None


def test_heartbeat_writes_the_key_healthz_reads():
    cache.delete("celery:heartbeat")

    stamp = heartbeat()

    assert cache.get("celery:heartbeat") == stamp
