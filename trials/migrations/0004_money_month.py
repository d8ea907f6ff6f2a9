"""The monthly money rollup (`trials.models.rollups.MoneyMonth`): the daily rollup of migration 0003
summed again by round, firm, priority area and Moscow month, kept by a trigger on that rollup (so the
day and kind rules of 0003 are written once), and backfilled here.

An agreement's round and firm (trials_agreement) or area (its application's) changing moves its sums
from the old group to the new: the BEFORE trigger takes them out while the old values are still in
the table, the AFTER trigger puts them back under the new ones.

`trials_rollup_rebuild()` is replaced by one that also recomputes the months, so a bulk load that
bypassed triggers (the bench) still rebuilds everything with one call.
"""
# ruff: noqa: S608 (constant SQL, no user input)

import importlib

import core.money
import django.db.models.deletion
import django.db.models.functions.comparison
from django.db import migrations, models

ROLLUP_0003 = importlib.import_module("trials.migrations.0003_money_rollup")

KEY = "(round_id, organisation_id, COALESCE(area_id, 0), month, kind)"  # the unique index money_month_key
PG_MONTH = "({0} - (EXTRACT(DAY FROM {0})::int - 1))"
SQLITE_MONTH = "date({0}, 'start of month')"
GROUP = """FROM trials_agreement a JOIN grants_application p ON p.id = a.application_id"""


def month_rebuild_sql(month: str) -> list[str]:
    return [
        "DELETE FROM trials_moneymonth",
        f"""INSERT INTO trials_moneymonth (round_id, organisation_id, area_id, month, kind, amount, entries)
            SELECT a.round_id, a.organisation_id, p.priority_area_id, {month.format("r.day")}, r.kind,
                   SUM(r.amount), SUM(r.entries)
            FROM trials_moneyrollup r JOIN trials_agreement a ON a.id = r.agreement_id
                 JOIN grants_application p ON p.id = a.application_id
            WHERE r.entries > 0
            GROUP BY a.round_id, a.organisation_id, p.priority_area_id, {month.format("r.day")}, r.kind""",
    ]


def _add(agreement: str, day: str, kind: str, amount: str, entries: str, month: str, excluded: str) -> str:
    """Upsert one agreement's day of one kind into its group's month."""
    return f"""INSERT INTO trials_moneymonth (round_id, organisation_id, area_id, month, kind, amount, entries)
        SELECT a.round_id, a.organisation_id, p.priority_area_id, {month.format(day)}, {kind}, {amount}, {entries}
        {GROUP} WHERE a.id = {agreement}
        ON CONFLICT {KEY} DO UPDATE
        SET amount = trials_moneymonth.amount + {excluded}.amount,
            entries = trials_moneymonth.entries + {excluded}.entries;"""


def _move(agreement: str, sign: str, month: str, excluded: str) -> str:
    """Add (sign 1) or take out (sign -1) all of one agreement's sums under its current group."""
    return f"""INSERT INTO trials_moneymonth (round_id, organisation_id, area_id, month, kind, amount, entries)
        SELECT a.round_id, a.organisation_id, p.priority_area_id, {month.format("r.day")}, r.kind,
               {sign} * SUM(r.amount), {sign} * SUM(r.entries)
        FROM trials_moneyrollup r JOIN trials_agreement a ON a.id = r.agreement_id
             JOIN grants_application p ON p.id = a.application_id
        WHERE r.agreement_id = {agreement}
        GROUP BY a.round_id, a.organisation_id, p.priority_area_id, {month.format("r.day")}, r.kind
        ON CONFLICT {KEY} DO UPDATE
        SET amount = trials_moneymonth.amount + {excluded}.amount,
            entries = trials_moneymonth.entries + {excluded}.entries;"""


PG_FUNCTIONS = f"""
CREATE OR REPLACE FUNCTION trials_month_add(p_agreement bigint, p_day date, p_kind text, p_amount bigint,
                                            p_entries integer) RETURNS void LANGUAGE sql AS $$
    {_add("p_agreement", "p_day", "p_kind", "p_amount", "p_entries", PG_MONTH, "EXCLUDED")}
$$;

CREATE OR REPLACE FUNCTION trials_month_move(p_agreement bigint, p_sign integer) RETURNS void LANGUAGE sql AS $$
    {_move("p_agreement", "p_sign", PG_MONTH, "EXCLUDED")}
$$;

CREATE OR REPLACE FUNCTION trials_month_rollup() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- The daily rollup's upsert changes only its sums: add the difference to the same month.
    IF TG_OP = 'UPDATE' AND OLD.agreement_id = NEW.agreement_id AND OLD.day = NEW.day AND OLD.kind = NEW.kind THEN
        PERFORM trials_month_add(NEW.agreement_id, NEW.day, NEW.kind, NEW.amount - OLD.amount,
                                 NEW.entries - OLD.entries);
        RETURN NULL;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM trials_month_add(OLD.agreement_id, OLD.day, OLD.kind, -OLD.amount, -OLD.entries);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        PERFORM trials_month_add(NEW.agreement_id, NEW.day, NEW.kind, NEW.amount, NEW.entries);
    END IF;
    RETURN NULL;
END;
$$;

CREATE OR REPLACE FUNCTION trials_month_agreement_out() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM trials_month_move(OLD.id, -1);
    RETURN NEW;
END;
$$;

CREATE OR REPLACE FUNCTION trials_month_agreement_in() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM trials_month_move(NEW.id, 1);
    RETURN NULL;
END;
$$;

CREATE OR REPLACE FUNCTION trials_month_application_out() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM trials_month_move(a.id, -1) FROM trials_agreement a WHERE a.application_id = OLD.id;
    RETURN NEW;
END;
$$;

CREATE OR REPLACE FUNCTION trials_month_application_in() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM trials_month_move(a.id, 1) FROM trials_agreement a WHERE a.application_id = NEW.id;
    RETURN NULL;
END;
$$;
"""


def pg_rebuild_function(statements: list[str]) -> str:
    return f"""CREATE OR REPLACE FUNCTION trials_rollup_rebuild() RETURNS void LANGUAGE sql AS $$
    {";".join(statements)};
$$;"""


AGREEMENT_MOVED = (
    "OLD.round_id IS DISTINCT FROM NEW.round_id OR OLD.organisation_id IS DISTINCT FROM NEW.organisation_id"
)
AREA_MOVED = "OLD.priority_area_id IS DISTINCT FROM NEW.priority_area_id"
# (table, trigger, when, condition, function)
PG_TRIGGERS = [
    (
        "trials_moneyrollup",
        "trials_moneyrollup_month",
        "AFTER INSERT OR UPDATE OR DELETE",
        "",
        "trials_month_rollup",
    ),
    (
        "trials_agreement",
        "trials_agreement_month_out",
        "BEFORE UPDATE",
        AGREEMENT_MOVED,
        "trials_month_agreement_out",
    ),
    (
        "trials_agreement",
        "trials_agreement_month_in",
        "AFTER UPDATE",
        AGREEMENT_MOVED,
        "trials_month_agreement_in",
    ),
    (
        "grants_application",
        "grants_application_month_out",
        "BEFORE UPDATE",
        AREA_MOVED,
        "trials_month_application_out",
    ),
    (
        "grants_application",
        "grants_application_month_in",
        "AFTER UPDATE",
        AREA_MOVED,
        "trials_month_application_in",
    ),
]
PG_FUNCTION_NAMES = (
    "trials_month_rollup()",
    "trials_month_agreement_out()",
    "trials_month_agreement_in()",
    "trials_month_application_out()",
    "trials_month_application_in()",
    "trials_month_add(bigint, date, text, bigint, integer)",
    "trials_month_move(bigint, integer)",
)

SQLITE_AGREEMENT_OF_APPLICATION = "(SELECT id FROM trials_agreement WHERE application_id = {0}.id)"
# (name, event, condition, body)
SQLITE_TRIGGERS = [
    (
        "trials_moneyrollup_month_insert",
        "AFTER INSERT ON trials_moneyrollup",
        "",
        _add(
            "NEW.agreement_id", "NEW.day", "NEW.kind", "NEW.amount", "NEW.entries", SQLITE_MONTH, "excluded"
        ),
    ),
    (
        "trials_moneyrollup_month_update",
        "AFTER UPDATE ON trials_moneyrollup",
        "",
        _add(
            "OLD.agreement_id", "OLD.day", "OLD.kind", "-OLD.amount", "-OLD.entries", SQLITE_MONTH, "excluded"
        )
        + _add(
            "NEW.agreement_id", "NEW.day", "NEW.kind", "NEW.amount", "NEW.entries", SQLITE_MONTH, "excluded"
        ),
    ),
    (
        "trials_moneyrollup_month_delete",
        "AFTER DELETE ON trials_moneyrollup",
        "",
        _add(
            "OLD.agreement_id", "OLD.day", "OLD.kind", "-OLD.amount", "-OLD.entries", SQLITE_MONTH, "excluded"
        ),
    ),
    (
        "trials_agreement_month_out",
        "BEFORE UPDATE ON trials_agreement",
        f"WHEN {AGREEMENT_MOVED}",
        _move("OLD.id", "-1", SQLITE_MONTH, "excluded"),
    ),
    (
        "trials_agreement_month_in",
        "AFTER UPDATE ON trials_agreement",
        f"WHEN {AGREEMENT_MOVED}",
        _move("NEW.id", "1", SQLITE_MONTH, "excluded"),
    ),
    (
        "grants_application_month_out",
        "BEFORE UPDATE ON grants_application",
        f"WHEN {AREA_MOVED}",
        _move(SQLITE_AGREEMENT_OF_APPLICATION.format("OLD"), "-1", SQLITE_MONTH, "excluded"),
    ),
    (
        "grants_application_month_in",
        "AFTER UPDATE ON grants_application",
        f"WHEN {AREA_MOVED}",
        _move(SQLITE_AGREEMENT_OF_APPLICATION.format("NEW"), "1", SQLITE_MONTH, "excluded"),
    ),
]


def install(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_FUNCTIONS, params=None)
        for table, name, when, condition, function in PG_TRIGGERS:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name} ON {table};")
            where = f"WHEN ({condition})" if condition else ""
            schema_editor.execute(
                f"CREATE TRIGGER {name} {when} ON {table} FOR EACH ROW {where} EXECUTE FUNCTION {function}();"
            )
        rebuild = ROLLUP_0003.rebuild_sql(ROLLUP_0003.PG_DAY) + month_rebuild_sql(PG_MONTH)
        schema_editor.execute(pg_rebuild_function(rebuild), params=None)
        for statement in month_rebuild_sql(PG_MONTH):
            schema_editor.execute(statement)
    elif vendor == "sqlite":
        for name, event, condition, body in SQLITE_TRIGGERS:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name};")
            schema_editor.execute(f"CREATE TRIGGER {name} {event} FOR EACH ROW {condition} BEGIN {body} END;")
        for statement in month_rebuild_sql(SQLITE_MONTH):
            schema_editor.execute(statement)
    else:
        raise NotImplementedError(f"the money rollup has no triggers for {vendor}")


def uninstall(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        for table, name, _when, _condition, _function in PG_TRIGGERS:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name} ON {table};")
        for function in PG_FUNCTION_NAMES:
            schema_editor.execute(f"DROP FUNCTION IF EXISTS {function};")
        schema_editor.execute(pg_rebuild_function(ROLLUP_0003.rebuild_sql(ROLLUP_0003.PG_DAY)), params=None)
    elif vendor == "sqlite":
        for name, _event, _condition, _body in SQLITE_TRIGGERS:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name};")


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_alter_user_managers_alter_organisation_created_at"),
        ("grants", "0004_application_round_created_index"),
        ("trials", "0003_money_rollup"),
    ]

    operations = [
        migrations.CreateModel(
            name="MoneyMonth",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("month", models.DateField(verbose_name="month (its first day, Moscow time)")),
                ("kind", models.CharField(max_length=16, verbose_name="kind")),
                ("amount", core.money.MoneyField(verbose_name="amount, ₽")),
                ("entries", models.IntegerField(verbose_name="rows summed")),
                (
                    "area",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="grants.priorityarea",
                    ),
                ),
                (
                    "organisation",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="accounts.organisation",
                    ),
                ),
                (
                    "round",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="+", to="grants.round"
                    ),
                ),
            ],
            options={
                "verbose_name": "monthly money rollup",
                "verbose_name_plural": "monthly money rollups",
                "constraints": [
                    models.UniqueConstraint(
                        models.F("round"),
                        models.F("organisation"),
                        django.db.models.functions.comparison.Coalesce(models.F("area"), models.Value(0)),
                        models.F("month"),
                        models.F("kind"),
                        name="money_month_key",
                    )
                ],
            },
        ),
        migrations.RunPython(install, uninstall, elidable=False),
    ]
