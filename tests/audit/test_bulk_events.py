"""A batch of events written at once (`record_events`) keeps the hash chain whole (rule 36)."""

from __future__ import annotations

import pytest

from audit.hashing import GENESIS_HASH
from audit.models import AuditEvent, ChainHead
from audit.services import EventSpec, record_event, record_events
from audit.verify import stored_hash_matches, verify_chain
from tests.audit.conftest import event_specs, raw_sql, trigger_disabled

pytestmark = [pytest.mark.django_db, pytest.mark.rule(36)]


def test_bulk_events_on_an_empty_trail_verify(officer):
    events = record_events(actor=officer, events=event_specs(officer.organisation, 4))
    assert [e.id for e in events] == [1, 2, 3, 4]
    assert events[0].prev_hash == GENESIS_HASH
    assert [e.prev_hash for e in events[1:]] == [e.hash for e in events[:-1]]
    report = verify_chain()
    assert report.ok and report.events_checked == 4 and report.last_verified_hash == events[-1].hash


def test_bulk_events_between_single_events_verify(officer, chain):
    events = record_events(actor=officer, events=event_specs(officer.organisation, 25), batch_size=10)
    assert events[0].id == chain[-1].id + 1 and events[0].prev_hash == chain[-1].hash
    head = ChainHead.objects.get(id=1)
    assert (head.last_event_id, head.last_hash) == (events[-1].id, events[-1].hash)
    after = record_event(actor="system:test", action="deadline.fire", object_type="x", object_id=1)
    assert after.id == events[-1].id + 1 and after.prev_hash == events[-1].hash
    report = verify_chain(chunk_size=7)
    assert report.ok
    assert report.events_checked == len(chain) + 25 + 1
    assert report.last_verified_id == after.id


def test_stored_bulk_events_hash_to_their_own_fields(officer):
    record_events(actor=officer, events=event_specs(officer.organisation, 3))
    stored = list(AuditEvent.objects.order_by("id"))
    assert all(stored_hash_matches(e) for e in stored)
    first = stored[0]
    assert (first.action, first.object_type, first.object_id, first.object_repr) == (
        "organisation.update",
        "accounts.organisation",
        str(officer.organisation.pk),
        str(officer.organisation),
    )
    assert (first.actor_id, first.actor_role, first.organisation_id) == (
        officer.pk,
        officer.role,
        officer.organisation_id,
    )
    assert first.before == {"name": "Name 0", "amount": "10.50"}


def test_system_actor_and_explicit_object_fields(officer):
    record_events(
        actor="system:assignment",
        events=[EventSpec(action="x.y", object_type="grants.round", object_id=7, after={"n": 1})],
    )
    event = AuditEvent.objects.get()
    assert (event.actor_id, event.actor_label, event.actor_role) == (None, "system:assignment", "system")
    assert (event.object_type, event.object_id, event.object_repr) == ("grants.round", "7", "")
    assert verify_chain().ok


@pytest.mark.parametrize("n", [3, 30])
def test_query_count_does_not_grow_with_the_batch(officer, django_assert_num_queries, n):
    ChainHead.objects.get_or_create(id=1)
    specs = event_specs(officer.organisation, n)
    # savepoint, head lock, one INSERT, head UPDATE, release
    with django_assert_num_queries(5):
        record_events(actor=officer, events=specs, batch_size=1000)


def test_empty_batch_writes_nothing(officer, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert record_events(actor=officer, events=[]) == []


def test_unsaved_object_is_refused_and_nothing_is_written(officer):
    from accounts.models import Organisation

    with pytest.raises(ValueError):
        record_events(
            actor=officer,
            events=[
                EventSpec(action="a", obj=officer.organisation),
                EventSpec(action="b", obj=Organisation()),
            ],
        )
    assert not AuditEvent.objects.exists()


def test_an_edit_inside_a_bulk_batch_is_named(officer, chain):
    events = record_events(actor=officer, events=event_specs(officer.organisation, 5))
    with trigger_disabled():
        raw_sql("UPDATE audit_auditevent SET reason = 'forged' WHERE id = %s", [events[2].id])
    report = verify_chain()
    assert not report.ok
    assert report.first_broken_id == events[2].id
    assert report.problem == "edited"
