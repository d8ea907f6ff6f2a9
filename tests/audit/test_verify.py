"""Verification walks the chain and names the first broken event (rule 36)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from audit.hashing import GENESIS_HASH, event_hash, fields_of
from audit.models import AuditEvent, ChainHead
from audit.services import checkpoint_record, record_event
from audit.verify import verify_chain
from tests.audit.conftest import raw_sql, swap_contents, trigger_disabled

pytestmark = [pytest.mark.django_db, pytest.mark.rule(36)]


def test_empty_trail_verifies():
    report = verify_chain()
    assert (report.ok, report.events_checked, report.last_verified_id, report.last_verified_hash) == (
        True,
        0,
        0,
        GENESIS_HASH,
    )


def test_chain_of_events_verifies(chain):
    report = verify_chain(chunk_size=2)  # several round trips through the cursor
    assert report.ok
    assert report.events_checked == 5
    assert report.last_verified_id == chain[-1].id
    assert report.last_verified_hash == chain[-1].hash
    assert report.first_broken_id is None and report.problem == ""


def test_each_event_links_to_the_one_before(chain):
    assert chain[0].prev_hash == GENESIS_HASH
    assert [e.prev_hash for e in chain[1:]] == [e.hash for e in chain[:-1]]


def test_values_that_json_changes_still_verify(officer):
    # Decimals, datetimes and nested structures go through JSON storage; the hash must survive it.
    record_event(
        actor=officer,
        action="payout.approve",
        object_type="trials.payout",
        object_id=17,
        before={"amount": Decimal("1234.50"), "due": datetime(2026, 1, 2, 3, 4, tzinfo=UTC)},
        after={"lines": [{"id": 1, "ok": True, "note": "Проверено"}], "ratio": 0.85},
        reason="Второй сотрудник подтвердил",
    )
    record_event(actor="system:deadlines.sweep", action="deadline.fire", object_type="x", object_id="1")
    assert verify_chain().ok


def test_raw_edit_of_one_field_is_named_as_edited(chain):
    with trigger_disabled():
        raw_sql("UPDATE audit_auditevent SET reason = %s WHERE id = %s", ["nothing happened", chain[2].id])

    report = verify_chain()

    assert not report.ok
    assert report.first_broken_id == chain[2].id
    assert report.problem == "edited"
    assert report.last_verified_id == chain[1].id
    assert report.events_checked == 3


def test_edit_of_the_before_json_is_detected(chain):
    with trigger_disabled():
        raw_sql(
            "UPDATE audit_auditevent SET after = %s::jsonb WHERE id = %s", ['{"name": "Other"}', chain[4].id]
        )
    report = verify_chain()
    assert (report.ok, report.first_broken_id, report.problem) == (False, chain[4].id, "edited")


def test_deleted_event_in_the_middle_is_named_by_the_event_after_the_gap(chain):
    with trigger_disabled():
        raw_sql("DELETE FROM audit_auditevent WHERE id = %s", [chain[1].id])

    report = verify_chain()

    assert (report.ok, report.first_broken_id, report.problem) == (False, chain[2].id, "deleted")
    assert report.last_verified_id == chain[0].id


def test_deleted_first_event_is_detected(chain):
    with trigger_disabled():
        raw_sql("DELETE FROM audit_auditevent WHERE id = %s", [chain[0].id])
    report = verify_chain()
    assert (report.ok, report.first_broken_id, report.problem) == (False, chain[1].id, "deleted")


def test_deleted_latest_events_are_detected_against_the_chain_head(chain):
    with trigger_disabled():
        raw_sql("DELETE FROM audit_auditevent WHERE id >= %s", [chain[3].id])

    report = verify_chain()

    assert (report.ok, report.first_broken_id, report.problem) == (False, chain[3].id, "truncated")
    assert report.last_verified_id == chain[2].id


def test_reordered_events_are_detected_at_the_first_moved_one(chain):
    with trigger_disabled():
        swap_contents(chain[1].id, chain[3].id)
    assert AuditEvent.objects.get(id=chain[1].id).reason == "step 4"  # the swap really happened

    report = verify_chain()

    assert (report.ok, report.first_broken_id, report.problem) == (False, chain[1].id, "reordered")
    assert report.last_verified_id == chain[0].id


def test_edit_with_a_recomputed_hash_breaks_the_next_link(chain):
    target = AuditEvent.objects.get(id=chain[2].id)
    target.reason = "nothing happened"
    forged = event_hash(target.prev_hash, fields_of(target))
    with trigger_disabled():
        raw_sql(
            "UPDATE audit_auditevent SET reason = %s, hash = %s WHERE id = %s",
            [target.reason, forged, target.id],
        )

    report = verify_chain()

    assert (report.ok, report.first_broken_id, report.problem) == (False, chain[3].id, "reordered")


def test_rewritten_chain_is_caught_by_an_earlier_checkpoint(chain):
    checkpoint_record()  # anchors the hash of the last event; itself appends one event
    # Someone edits event 3 and recomputes every later hash and the chain head, so all links hold.
    events = list(AuditEvent.objects.order_by("id"))
    prev = events[1].hash
    with trigger_disabled():
        for event in events[2:]:
            if event.id == chain[2].id:
                event.reason = "nothing happened"
            event.prev_hash = prev
            event.hash = event_hash(prev, fields_of(event))
            raw_sql(
                "UPDATE audit_auditevent SET reason = %s, prev_hash = %s, hash = %s WHERE id = %s",
                [event.reason, event.prev_hash, event.hash, event.id],
            )
            prev = event.hash
    ChainHead.objects.filter(id=1).update(last_hash=prev)

    report = verify_chain()

    assert (report.ok, report.first_broken_id, report.problem) == (False, chain[4].id, "rewritten")


def test_command_prints_the_intact_chain(chain, capsys):
    call_command("verify_audit")
    out = capsys.readouterr().out
    assert "Events checked:      5" in out
    assert f"Chain intact up to #{chain[-1].id}." in out


def test_command_names_the_first_broken_event_and_fails(chain, capsys):
    with trigger_disabled():
        raw_sql("UPDATE audit_auditevent SET actor_label = %s WHERE id = %s", ["someone-else", chain[1].id])

    with pytest.raises(CommandError, match=f"Chain broken at #{chain[1].id}: edited") as failure:
        call_command("verify_audit")

    assert failure.value.returncode == 1
    out = capsys.readouterr().out
    assert f"Last verified event: #{chain[0].id} {chain[0].hash}" in out
    assert "edited: the event's content no longer matches its hash" in out
