"""PostgreSQL guards on money (rules 34, 35, 38), so even raw SQL cannot rewrite what was paid.

- the ledger refuses UPDATE and DELETE (append-only);
- a recovery is never changed or deleted; a paid payout is never changed, and no payout is deleted;
- an evidence file is never deleted while it backs an accepted claim line or a success decision.

TRUNCATE is left alone on purpose, as for the audit trail: test teardown truncates every table, and
the application role in production does not own the tables. SQLite (the demo) has only the model
and service guards.
"""

from django.db import migrations

FUNCTIONS = """
CREATE OR REPLACE FUNCTION trials_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'money records are append-only: % on % refused', TG_OP, TG_TABLE_NAME
        USING HINT = 'Record a new ledger entry or recovery instead.';
END;
$$;

CREATE OR REPLACE FUNCTION trials_payout_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'payouts are never deleted (payout %)', OLD.id;
    END IF;
    IF OLD.state = 'paid' THEN
        RAISE EXCEPTION 'payout % is paid: money already paid is never edited', OLD.id
            USING HINT = 'Record a recovery instead.';
    END IF;
    RETURN NEW;
END;
$$;

CREATE OR REPLACE FUNCTION trials_evidence_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.line_id IS NOT NULL AND EXISTS (
        SELECT 1 FROM trials_claimline WHERE id = OLD.line_id AND state IN ('accepted', 'reduced')
    ) THEN
        RAISE EXCEPTION 'evidence file % backs an accepted cost line and is kept', OLD.id;
    END IF;
    IF EXISTS (
        SELECT 1 FROM trials_successdecision
        WHERE authorisation_document_id = OLD.id OR endpoint_document_id = OLD.id OR expert_opinion_id = OLD.id
    ) THEN
        RAISE EXCEPTION 'evidence file % backs a success decision and is kept', OLD.id;
    END IF;
    RETURN OLD;
END;
$$;
"""

TRIGGERS = [
    ("trials_ledgerentry", "trials_ledgerentry_append_only", "BEFORE UPDATE OR DELETE", "trials_refuse_change"),
    ("trials_recovery", "trials_recovery_append_only", "BEFORE UPDATE OR DELETE", "trials_refuse_change"),
    ("trials_payout", "trials_payout_paid_is_final", "BEFORE UPDATE OR DELETE", "trials_payout_guard"),
    ("trials_evidencefile", "trials_evidencefile_kept", "BEFORE DELETE", "trials_evidence_guard"),
]


def install(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    # No params: the RAISE formats use % placeholders that the driver must not interpret.
    schema_editor.execute(FUNCTIONS, params=None)
    for table, name, when, function in TRIGGERS:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {name} ON {table};")
        schema_editor.execute(f"CREATE TRIGGER {name} {when} ON {table} FOR EACH ROW EXECUTE FUNCTION {function}();")


def uninstall(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, name, _when, _function in TRIGGERS:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {name} ON {table};")
    for function in ("trials_refuse_change", "trials_payout_guard", "trials_evidence_guard"):
        schema_editor.execute(f"DROP FUNCTION IF EXISTS {function}();")


class Migration(migrations.Migration):
    dependencies = [("trials", "0001_initial")]

    operations = [migrations.RunPython(install, uninstall, elidable=False)]
