"""The trail cannot be changed: PostgreSQL refuses UPDATE and DELETE, the models refuse them too."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from audit.models import AuditCheckpoint, AuditEvent
from audit.services import checkpoint_record

pytestmark = [pytest.mark.django_db, pytest.mark.rule(36)]


def run(sql: str, params: list) -> None:
    # A savepoint, so the refused statement does not poison the test's transaction.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_database_refuses_raw_update(chain):
    target = chain[2]
    with pytest.raises(DatabaseError, match="audit trail is append-only: UPDATE on audit_auditevent refused"):
        run("UPDATE audit_auditevent SET reason = %s WHERE id = %s", ["rewritten", target.id])
    assert AuditEvent.objects.get(id=target.id).reason == "step 3"


def test_database_refuses_raw_delete(chain):
    with pytest.raises(DatabaseError, match="audit trail is append-only: DELETE on audit_auditevent refused"):
        run("DELETE FROM audit_auditevent WHERE id = %s", [chain[0].id])
    assert AuditEvent.objects.count() == 5


def test_database_refuses_changing_a_checkpoint(chain):
    checkpoint = checkpoint_record()
    with pytest.raises(DatabaseError, match="UPDATE on audit_auditcheckpoint refused"):
        run("UPDATE audit_auditcheckpoint SET ok = false WHERE id = %s", [checkpoint.id])
    with pytest.raises(DatabaseError, match="DELETE on audit_auditcheckpoint refused"):
        run("DELETE FROM audit_auditcheckpoint WHERE id = %s", [checkpoint.id])
    assert AuditCheckpoint.objects.get(id=checkpoint.id).ok is True


def test_models_refuse_update_and_delete_before_reaching_the_database(chain):
    # The guards the SQLite demo relies on, where no trigger exists.
    event = chain[0]
    event.reason = "rewritten"
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(id=event.id).update(reason="rewritten")
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.get(id=event.id).reason == "step 1"
