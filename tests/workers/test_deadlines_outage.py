"""A Redis outage while a service commits: the commit succeeds, the e-mail goes out once Redis is back.

The test runs its own redis-server and stops it; nobody else's tests share it.
"""

from __future__ import annotations

import pytest
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from core.models import OutboxMessage
from deadlines.models import Notification
from deadlines.services import notify
from tests import factories
from tests.deadlines.processes import (
    PublishingTo,
    RedisServer,
    logs,
    process_env,
    start_beat,
    start_worker,
    wait_until,
)

pytestmark = [pytest.mark.workers, pytest.mark.slow, pytest.mark.timeout(170)]


@pytest.fixture
def procs(transactional_db):
    started = []
    yield started
    for proc in reversed(started):
        proc.stop()


def test_a_notification_committed_while_redis_is_down_is_emailed_after_it_returns(tmp_path, procs):
    redis = RedisServer(tmp_path / "redis").start()
    try:
        env = process_env(tmp_path, redis.url)
        procs += [start_worker(env, tmp_path), start_beat(env, tmp_path)]
        person = factories.ApplicantFactory(email="firm@example.org", language="en")

        redis.stop()  # the outage
        with PublishingTo(redis.url), transaction.atomic():
            created = notify(
                recipients=[person],
                kind="test.outage",
                template="generic",
                context={"subject": _("Written during the outage"), "text": _("Please act.")},
            )
        # The service committed: the inbox entry is there, the e-mail waits in the outbox.
        note = Notification.objects.get(pk=created[0].pk)
        message = OutboxMessage.objects.get(task_name="deadlines.send_notification_email")
        assert message.published_at is None
        assert message.attempts == 1 and "Error" in message.last_error

        redis.start()  # same port: the worker and beat reconnect; beat's dispatch-outbox publishes
        emailed = wait_until(
            lambda: Notification.objects.filter(pk=note.pk, emailed_at__isnull=False).exists(), 120
        )
        assert emailed, logs(*procs)
        message.refresh_from_db()
        assert message.published_at is not None
        worker_log = procs[0].output()
        assert worker_log.count("Subject: Written during the outage") == 1  # the console mailer's copy
    finally:
        redis.stop()
