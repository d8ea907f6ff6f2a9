"""Helpers for tampering with the trail the way someone with database access would."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import translation

from audit.models import AuditEvent
from audit.services import EventSpec, record_event

TRIGGER = "audit_auditevent_append_only"


@pytest.fixture(autouse=True)
def english(settings):
    """Assertions read English text: pin the language so Russian translations do not change them."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@contextmanager
def trigger_disabled():
    """Switch the append-only trigger off for raw tampering, and back on afterwards.

    Inside the test's transaction the ALTER TABLE is rolled back with everything else anyway; turning it
    back on explicitly keeps later statements of the same test honest. PostgreSQL refuses ALTER TABLE
    while deferred foreign-key checks of this transaction's inserts are pending, so run them first.
    """
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(f"ALTER TABLE audit_auditevent DISABLE TRIGGER {TRIGGER}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"ALTER TABLE audit_auditevent ENABLE TRIGGER {TRIGGER}")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def raw_sql(sql: str, params: list | None = None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])


def swap_contents(a: int, b: int) -> None:
    """Swap every column but the id between two events: the two events trade places in the chain."""
    columns = [f.column for f in AuditEvent._meta.concrete_fields if f.column != "id"]
    assignments = ", ".join(f"{c} = s.{c}" for c in columns)
    raw_sql(
        "CREATE TEMP TABLE audit_swap ON COMMIT DROP AS SELECT * FROM audit_auditevent WHERE id IN (%s, %s)",
        [a, b],
    )
    # The hash column is unique: park both hashes first so the swap never collides with itself.
    raw_sql("UPDATE audit_auditevent SET hash = 'parked-' || id WHERE id IN (%s, %s)", [a, b])
    raw_sql(
        f"UPDATE audit_auditevent AS t SET {assignments} FROM audit_swap AS s "
        "WHERE t.id IN (%s, %s) AND s.id = CASE WHEN t.id = %s THEN %s ELSE %s END",
        [a, b, a, b, a],
    )
    raw_sql("DROP TABLE audit_swap")


@pytest.fixture
def chain(officer):
    """Five consecutive events by an officer about their organisation."""
    events = [
        record_event(
            actor=officer,
            action="organisation.update",
            obj=officer.organisation,
            before={"name": f"Name {n}"},
            after={"name": f"Name {n + 1}"},
            reason=f"step {n}",
        )
        for n in range(1, 6)
    ]
    assert [e.id for e in events] == list(range(events[0].id, events[0].id + 5))
    return events


def event_specs(obj, n: int) -> list[EventSpec]:
    """`n` events about `obj` with Decimal and datetime values (which JSON storage changes)."""
    return [
        EventSpec(
            action="organisation.update",
            obj=obj,
            before={"name": f"Name {i}", "amount": Decimal("10.50")},
            after={"name": f"Name {i + 1}", "at": datetime(2026, 1, 2, 3, 4, tzinfo=UTC)},
            reason=f"step {i}" if i % 2 else "",
        )
        for i in range(n)
    ]
