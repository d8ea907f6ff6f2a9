"""A real Celery worker on Redis, in this process (a thread), for tests that cross into a worker.

Never eager mode. The session fixture `celery_worker` points the project's Celery app at
`redis://127.0.0.1:6379/<CELERY_TEST_REDIS_DB, default 9>` with a key prefix and a queue unique to
this run and xdist worker, so parallel runs never take each other's messages. Tests that use it must
be `@pytest.mark.django_db(transaction=True)`: the worker thread has its own database connection
and sees only committed rows. Mark them `@pytest.mark.workers`.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable, Iterator

import pytest
import redis
from celery.contrib.testing.worker import start_worker

from config.celery import app

REDIS_URL = f"redis://127.0.0.1:6379/{os.environ.get('CELERY_TEST_REDIS_DB', '9')}"
_OVERRIDDEN = (
    "broker_url",
    "broker_transport_options",
    "task_default_queue",
    "worker_hijack_root_logger",
    "broker_connection_retry_on_startup",
)


def _drop_broker_connections() -> None:
    # The app caches its connection pool and, on its `amqp` object, the queues, router and
    # producer pool built from the configuration of first use (earlier tests published to
    # memory://). Drop both so the next publish and the worker use the configuration set now.
    app._pool = None
    app.__dict__.pop("amqp", None)


@pytest.fixture(scope="session")
def celery_worker(request: pytest.FixtureRequest, django_db_setup, django_db_blocker) -> Iterator[object]:
    """Start one in-process worker for the session; yields the WorkController."""
    xdist_worker = getattr(request.config, "workerinput", {}).get("workerid", "main")
    prefix = f"fc-test-{os.getpid()}-{xdist_worker}-{uuid.uuid4().hex[:8]}"
    saved = {key: app.conf[key] for key in _OVERRIDDEN}
    app.conf.update(
        broker_url=REDIS_URL,
        broker_transport_options={"global_keyprefix": f"{prefix}:", "visibility_timeout": 60},
        task_default_queue=prefix,
        worker_hijack_root_logger=False,
        broker_connection_retry_on_startup=False,
    )
    _drop_broker_connections()
    import tests.testapp.tasks  # noqa: F401  (register the test task before the worker starts)

    try:
        with django_db_blocker.unblock(), start_worker(app, pool="solo", perform_ping_check=False) as worker:
            yield worker
    finally:
        app.conf.update(saved)
        _drop_broker_connections()
        client = redis.Redis.from_url(REDIS_URL)
        for key in client.scan_iter(match=f"{prefix}:*"):
            client.delete(key)
        client.close()


def wait_until(condition: Callable[[], object], timeout: float = 20.0, interval: float = 0.1) -> object:
    """Poll `condition` until it returns something truthy; fail with a clear message on timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(interval)
    pytest.fail(f"Condition not met within {timeout} s")
