"""Appends from many connections at once still form one unbroken chain (rule 36)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from audit.models import AuditEvent
from audit.services import record_event
from audit.verify import verify_chain

THREADS = 8
EVENTS_PER_THREAD = 6


@pytest.mark.rule(36)
@pytest.mark.django_db(transaction=True)
def test_concurrent_appends_form_one_verified_chain(officer):
    barrier = threading.Barrier(THREADS)
    errors: list[BaseException] = []

    def append(worker: int) -> None:
        try:
            barrier.wait(timeout=10)
            for n in range(EVENTS_PER_THREAD):
                record_event(
                    actor=officer,
                    action="test.concurrent",
                    object_type="test.worker",
                    object_id=worker,
                    after={"n": n},
                )
        except BaseException as exc:  # reported to the main thread below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=append, args=(w,)) for w in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    total = THREADS * EVENTS_PER_THREAD
    rows = list(AuditEvent.objects.order_by("id").values_list("id", "prev_hash", "hash"))
    assert [r[0] for r in rows] == list(range(1, total + 1))
    assert len({r[1] for r in rows}) == total  # no two events link to the same parent
    assert all(rows[i][1] == rows[i - 1][2] for i in range(1, total))
    report = verify_chain()
    assert (report.ok, report.events_checked, report.last_verified_id) == (True, total, total)
    # Every worker's events all made it.
    per_worker = {str(w): 0 for w in range(THREADS)}
    for object_id in AuditEvent.objects.values_list("object_id", flat=True):
        per_worker[object_id] += 1
    assert set(per_worker.values()) == {EVENTS_PER_THREAD}
