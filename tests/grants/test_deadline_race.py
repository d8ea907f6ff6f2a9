"""The deadline race on PostgreSQL (rule 6): many firms submit at once around a close a moment away.

Threads have their own connections and transactions. Every submission that reads the clock before
the close is accepted (none lost to lock contention); every one at or after it gets `round_closed`
and leaves nothing behind: no version, no frozen document, no audit event, state still draft.
"""

import datetime as dt
import threading
import time

import pytest
from django.db import connection
from django.utils import timezone

from audit.models import AuditEvent
from audit.verify import verify_chain
from core.errors import DomainError
from grants import services
from grants.models import Application, ApplicationVersion, Document, Round
from tests import factories
from tests.grants.conftest import make_complete_application

BEFORE = 8
AFTER = 4


def _submit(user, application_pk, start: threading.Barrier | None, not_before, results, key):
    try:
        if start is not None:
            start.wait(timeout=30)
        if not_before is not None:
            while timezone.now() < not_before:
                time.sleep(0.002)
        application = Application.objects.get(pk=application_pk)
        try:
            version = services.application_submit(actor=user, application=application)
            results[key] = ("accepted", version.number)
        except DomainError as exc:
            results[key] = (exc.code, None)
    except Exception as exc:  # surfaced by the assertions below
        results[key] = ("crashed", repr(exc))
    finally:
        connection.close()


@pytest.mark.rule(6)
@pytest.mark.django_db(transaction=True)
def test_submissions_around_the_close(reference_lists, officer, draft_round):
    round_ = services.round_open(actor=officer, round=draft_round)
    people = [factories.ApplicantFactory() for _ in range(BEFORE + AFTER)]
    applications = [
        make_complete_application(user, round_, title=f"Race {n}") for n, user in enumerate(people)
    ]
    # Bring the close to a moment from now (the dates are otherwise only extendable).
    closes_at = timezone.now() + dt.timedelta(seconds=2)
    Round.objects.filter(pk=round_.pk).update(closes_at=closes_at)
    audit_before = AuditEvent.objects.count()

    results: dict[int, tuple] = {}
    start = threading.Barrier(BEFORE)
    threads = [
        threading.Thread(target=_submit, args=(people[n], applications[n].pk, start, None, results, n))
        for n in range(BEFORE)
    ]
    # The late ones fire at the close itself and just after it.
    threads += [
        threading.Thread(
            target=_submit,
            args=(
                people[n],
                applications[n].pk,
                None,
                closes_at + dt.timedelta(milliseconds=(n - BEFORE) * 5),
                results,
                n,
            ),
        )
        for n in range(BEFORE, BEFORE + AFTER)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert [results[n] for n in range(BEFORE)] == [("accepted", 1)] * BEFORE
    assert [results[n] for n in range(BEFORE, BEFORE + AFTER)] == [("round_closed", None)] * AFTER

    early = [a.pk for a in applications[:BEFORE]]
    late = [a.pk for a in applications[BEFORE:]]
    assert ApplicationVersion.objects.filter(application__in=early).count() == BEFORE
    assert all(v.submitted_at < closes_at for v in ApplicationVersion.objects.all())
    assert set(Application.objects.filter(pk__in=early).values_list("state", flat=True)) == {"submitted"}
    # nothing half-written for the refused ones
    assert not ApplicationVersion.objects.filter(application__in=late).exists()
    assert set(
        Application.objects.filter(pk__in=late).values_list("state", "current_version", "submitted_at")
    ) == {("draft", 0, None)}
    assert not Document.objects.filter(application__in=late, frozen_in_version__isnull=False).exists()
    submit_events = AuditEvent.objects.filter(id__gt=audit_before, action="application.submit")
    assert sorted(int(e.object_id) for e in submit_events) == sorted(early)
    assert AuditEvent.objects.filter(id__gt=audit_before).count() == BEFORE
    assert verify_chain().ok
