"""PostgreSQL refuses UPDATE and DELETE on the audit tables (rule 36).

A row trigger raises an exception, so even raw SQL and `QuerySet.update()` from a shell fail. TRUNCATE is
left alone on purpose: test teardown truncates every table, and TRUNCATE needs table-owner rights that the
application role in production does not have. SQLite (the demo) has only the model and queryset guards.
"""

from django.db import migrations

PROTECTED_TABLES = ("audit_auditevent", "audit_auditcheckpoint")

CREATE_FUNCTION = """
CREATE OR REPLACE FUNCTION audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit trail is append-only: % on % refused', TG_OP, TG_TABLE_NAME
        USING HINT = 'Audit events and checkpoints are never updated or deleted.';
END;
$$;
"""

DROP_FUNCTION = "DROP FUNCTION IF EXISTS audit_refuse_change();"


def trigger_name(table: str) -> str:
    return f"{table}_append_only"


def install(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    # No params: the RAISE format uses % placeholders that the driver must not interpret.
    schema_editor.execute(CREATE_FUNCTION, params=None)
    for table in PROTECTED_TABLES:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {trigger_name(table)} ON {table};")
        schema_editor.execute(
            f"CREATE TRIGGER {trigger_name(table)} BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();"
        )


def uninstall(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in PROTECTED_TABLES:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {trigger_name(table)} ON {table};")
    schema_editor.execute(DROP_FUNCTION)


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0002_auditcheckpoint"),
    ]

    operations = [
        migrations.RunPython(install, uninstall, elidable=False),
    ]
