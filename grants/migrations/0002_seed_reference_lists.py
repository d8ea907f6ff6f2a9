"""Seed the clinical-trial cost taxonomy (domain-rules §6.2) and the council's priority areas."""

from django.db import migrations

from grants.reference import seed_reference_lists

def seed(apps, schema_editor):
    seed_reference_lists(apps.get_model("grants", "CostCategory"), apps.get_model("grants", "PriorityArea"))


# A submitted version is frozen: PostgreSQL refuses to change or delete it (the model has no edit path).
FREEZE_SQL = """
CREATE OR REPLACE FUNCTION grants_version_frozen() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'grants_applicationversion rows are frozen';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER grants_applicationversion_frozen
    BEFORE UPDATE OR DELETE ON grants_applicationversion
    FOR EACH ROW EXECUTE FUNCTION grants_version_frozen();
"""
UNFREEZE_SQL = """
DROP TRIGGER IF EXISTS grants_applicationversion_frozen ON grants_applicationversion;
DROP FUNCTION IF EXISTS grants_version_frozen();
"""


def freeze(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FREEZE_SQL)


def unfreeze(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(UNFREEZE_SQL)


class Migration(migrations.Migration):
    dependencies = [("grants", "0001_initial")]

    operations = [
        migrations.RunPython(seed, migrations.RunPython.noop),
        migrations.RunPython(freeze, unfreeze),
    ]
