"""The money rollup (`trials.models.rollups`): per agreement, Moscow day and kind, kept by triggers
in the same transaction as the ledger entries, claim lines and payouts it sums, and backfilled here.

PostgreSQL: plpgsql functions; `trials_rollup_rebuild()` recomputes the whole table from its sources
(the backfill here, and bulk loads that bypass triggers with session_replication_role = replica).
SQLite (the demo): the same sums by plain triggers with UPSERT (SQLite >= 3.24); its Moscow day is
UTC + 3 hours (Moscow's offset since October 2014).
"""
# ruff: noqa: S608 (constant SQL, no user input)

import django.db.models.deletion
from django.db import migrations, models

import core.money

ACCEPTED = "('accepted', 'reduced')"  # trials.enums.ACCEPTED_LINE_STATES
APPROVED = "('approved', 'paid')"  # the report's approved payouts
PG_DAY = "(({0}) AT TIME ZONE 'Europe/Moscow')::date"
SQLITE_DAY = "date({0}, '+3 hours')"


def rebuild_sql(day: str) -> list[str]:
    """Statements that recompute the rollup from its sources; `day` formats a timestamp column."""
    return [
        "DELETE FROM trials_moneyrollup",
        f"""INSERT INTO trials_moneyrollup (agreement_id, day, kind, amount, entries)
            SELECT agreement_id, day, kind, SUM(amount), COUNT(*) FROM (
                SELECT agreement_id, {day.format("created_at")} AS day, kind, amount
                FROM trials_ledgerentry
                UNION ALL
                SELECT c.agreement_id, {day.format("l.verified_at")}, 'verified', l.accepted_amount
                FROM trials_claimline l JOIN trials_costclaim c ON c.id = l.claim_id
                WHERE l.state IN {ACCEPTED} AND l.verified_at IS NOT NULL
                UNION ALL
                SELECT agreement_id, {day.format("approved_at")}, 'approved', amount
                FROM trials_payout WHERE state IN {APPROVED} AND approved_at IS NOT NULL
            ) source
            WHERE true
            GROUP BY agreement_id, day, kind""",
    ]


PG_FUNCTIONS = f"""
CREATE OR REPLACE FUNCTION trials_rollup_add(p_agreement bigint, p_day date, p_kind text, p_amount bigint,
                                             p_entries integer) RETURNS void LANGUAGE sql AS $$
    INSERT INTO trials_moneyrollup (agreement_id, day, kind, amount, entries)
    VALUES (p_agreement, p_day, p_kind, p_amount, p_entries)
    ON CONFLICT (agreement_id, day, kind) DO UPDATE
    SET amount = trials_moneyrollup.amount + EXCLUDED.amount,
        entries = trials_moneyrollup.entries + EXCLUDED.entries;
$$;

CREATE OR REPLACE FUNCTION trials_rollup_ledger() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM trials_rollup_add(NEW.agreement_id, {PG_DAY.format("NEW.created_at")}, NEW.kind, NEW.amount, 1);
    RETURN NULL;
END;
$$;

CREATE OR REPLACE FUNCTION trials_rollup_line() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.claim_id = NEW.claim_id AND OLD.state = NEW.state
       AND OLD.accepted_amount IS NOT DISTINCT FROM NEW.accepted_amount
       AND OLD.verified_at IS NOT DISTINCT FROM NEW.verified_at THEN
        RETURN NULL;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.state IN {ACCEPTED} AND OLD.verified_at IS NOT NULL THEN
        PERFORM trials_rollup_add((SELECT agreement_id FROM trials_costclaim WHERE id = OLD.claim_id),
                                  {PG_DAY.format("OLD.verified_at")}, 'verified', -OLD.accepted_amount, -1);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.state IN {ACCEPTED} AND NEW.verified_at IS NOT NULL THEN
        PERFORM trials_rollup_add((SELECT agreement_id FROM trials_costclaim WHERE id = NEW.claim_id),
                                  {PG_DAY.format("NEW.verified_at")}, 'verified', NEW.accepted_amount, 1);
    END IF;
    RETURN NULL;
END;
$$;

CREATE OR REPLACE FUNCTION trials_rollup_payout() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.agreement_id = NEW.agreement_id AND OLD.amount = NEW.amount
       AND OLD.approved_at IS NOT DISTINCT FROM NEW.approved_at
       AND (OLD.state IN {APPROVED}) = (NEW.state IN {APPROVED}) THEN
        RETURN NULL;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.state IN {APPROVED} AND OLD.approved_at IS NOT NULL THEN
        PERFORM trials_rollup_add(OLD.agreement_id, {PG_DAY.format("OLD.approved_at")}, 'approved',
                                  -OLD.amount, -1);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.state IN {APPROVED} AND NEW.approved_at IS NOT NULL THEN
        PERFORM trials_rollup_add(NEW.agreement_id, {PG_DAY.format("NEW.approved_at")}, 'approved',
                                  NEW.amount, 1);
    END IF;
    RETURN NULL;
END;
$$;

CREATE OR REPLACE FUNCTION trials_rollup_rebuild() RETURNS void LANGUAGE sql AS $$
    {";".join(rebuild_sql(PG_DAY))};
$$;
"""

PG_TRIGGERS = [
    ("trials_ledgerentry", "trials_ledgerentry_rollup", "AFTER INSERT", "trials_rollup_ledger"),
    ("trials_claimline", "trials_claimline_rollup", "AFTER INSERT OR UPDATE OR DELETE", "trials_rollup_line"),
    ("trials_payout", "trials_payout_rollup", "AFTER INSERT OR UPDATE OR DELETE", "trials_rollup_payout"),
]
PG_FUNCTION_NAMES = (
    "trials_rollup_ledger()",
    "trials_rollup_line()",
    "trials_rollup_payout()",
    "trials_rollup_rebuild()",
    "trials_rollup_add(bigint, date, text, bigint, integer)",
)


def _upsert(agreement: str, day: str, kind: str, amount: str, entries: str) -> str:
    return f"""INSERT INTO trials_moneyrollup (agreement_id, day, kind, amount, entries)
        VALUES ({agreement}, {SQLITE_DAY.format(day)}, {kind}, {amount}, {entries})
        ON CONFLICT (agreement_id, day, kind) DO UPDATE
        SET amount = amount + excluded.amount, entries = entries + excluded.entries;"""


def _line_agreement(row: str) -> str:
    return f"(SELECT agreement_id FROM trials_costclaim WHERE id = {row}.claim_id)"


def _counts(row: str, states: str, moment: str) -> str:
    return f"{row}.state IN {states} AND {row}.{moment} IS NOT NULL"


# (name, event, condition, body)
SQLITE_TRIGGERS = [
    (
        "trials_ledgerentry_rollup",
        "AFTER INSERT ON trials_ledgerentry",
        "",
        _upsert("NEW.agreement_id", "NEW.created_at", "NEW.kind", "NEW.amount", "1"),
    ),
    *[
        (
            f"trials_claimline_rollup_{name}",
            f"AFTER {event} ON trials_claimline",
            f"WHEN {_counts(row, ACCEPTED, 'verified_at')}",
            _upsert(
                _line_agreement(row),
                f"{row}.verified_at",
                "'verified'",
                f"{sign}{row}.accepted_amount",
                f"{sign}1",
            ),
        )
        for name, event, row, sign in (
            ("insert", "INSERT", "NEW", ""),
            ("update_old", "UPDATE", "OLD", "-"),
            ("update_new", "UPDATE", "NEW", ""),
            ("delete", "DELETE", "OLD", "-"),
        )
    ],
    *[
        (
            f"trials_payout_rollup_{name}",
            f"AFTER {event} ON trials_payout",
            f"WHEN {_counts(row, APPROVED, 'approved_at')}",
            _upsert(
                f"{row}.agreement_id", f"{row}.approved_at", "'approved'", f"{sign}{row}.amount", f"{sign}1"
            ),
        )
        for name, event, row, sign in (
            ("insert", "INSERT", "NEW", ""),
            ("update_old", "UPDATE", "OLD", "-"),
            ("update_new", "UPDATE", "NEW", ""),
            ("delete", "DELETE", "OLD", "-"),
        )
    ],
]


def install(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_FUNCTIONS, params=None)
        for table, name, when, function in PG_TRIGGERS:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name} ON {table};")
            schema_editor.execute(
                f"CREATE TRIGGER {name} {when} ON {table} FOR EACH ROW EXECUTE FUNCTION {function}();"
            )
        schema_editor.execute("SELECT trials_rollup_rebuild();")
    elif vendor == "sqlite":
        for name, event, condition, body in SQLITE_TRIGGERS:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name};")
            schema_editor.execute(f"CREATE TRIGGER {name} {event} FOR EACH ROW {condition} BEGIN {body} END;")
        for statement in rebuild_sql(SQLITE_DAY):
            schema_editor.execute(statement)
    else:
        raise NotImplementedError(f"the money rollup has no triggers for {vendor}")


def uninstall(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        for table, name, _when, _function in PG_TRIGGERS:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name} ON {table};")
        for function in PG_FUNCTION_NAMES:
            schema_editor.execute(f"DROP FUNCTION IF EXISTS {function};")
    elif vendor == "sqlite":
        for name, _event, _condition, _body in SQLITE_TRIGGERS:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name};")


class Migration(migrations.Migration):
    dependencies = [
        ("trials", "0002_money_guards"),
    ]

    operations = [
        migrations.CreateModel(
            name="MoneyRollup",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("day", models.DateField(verbose_name="day (Moscow time)")),
                ("kind", models.CharField(max_length=16, verbose_name="kind")),
                ("amount", core.money.MoneyField(verbose_name="amount, ₽")),
                ("entries", models.IntegerField(verbose_name="rows summed")),
                (
                    "agreement",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="+", to="trials.agreement"
                    ),
                ),
            ],
            options={
                "verbose_name": "money rollup",
                "verbose_name_plural": "money rollups",
                "constraints": [
                    models.UniqueConstraint(fields=("agreement", "day", "kind"), name="money_rollup_key")
                ],
            },
        ),
        migrations.RunPython(install, uninstall, elidable=False),
    ]
