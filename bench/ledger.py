"""Benchmark: the auditor's exports and report over 1,000,000 ledger entries.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/firstclass .venv/bin/python bench/ledger.py
    .venv/bin/python bench/ledger.py --entries 50000 --requests 10 --json out.json

Works in a scratch database (`bench_fc_ledger`, created, seeded and dropped here), never in the one
DATABASE_URL names. The seed is bulk SQL (INSERT ... SELECT generate_series), valid under every
constraint and trigger of the money tables: agreements across rounds, firms and priority areas, each
with its commitment; paid payouts (each for its own verified claim with an accepted line) and their
ledger entries; recoveries of some payouts; releases for the closed agreements. Nothing is updated
or deleted, so the append-only triggers are never in the way.

Then, with production-shaped settings (DEBUG off, manifest static files):
- CSV: the ledger export (`reports:ledger_csv`) streamed over real HTTP from a gunicorn process
  (one sync worker); rows/s measured by the client, the worker's peak RSS read from
  /proc/<pid>/status (VmHWM). Targets: over 50,000 rows/s, under 150 MB.
- XLSX: the export job (task `trials.export_xlsx`, run through Celery's task machinery in a process
  of its own, as a worker runs it); its time and the process's peak RSS.
- Report: the auditor's report page (`reports:report`) over the same HTTP server; p50/p95/max of N
  sequential requests after a warm-up. Target: p95 under 300 ms.

Findings (EXPLAIN ANALYZE at 1M entries, 2 CPUs): the CSV export was planned for its first rows (an
index scan in time order with one payout lookup per row, ~11 s of database time); the export now plans
for the whole result (~4 s) — see `trials.exports.streaming.full_result_plan`. The report page ran
four aggregates over ~1M rows each (ledger by group ~0.25 s, accepted lines joined to claims and
agreements ~1 s, approved payouts ~0.3 s, the chart's ledger joined to applications by month ~1.6 s):
its target needed pre-aggregated figures (a per-agreement, per-day, per-kind summary kept in the same
transaction as each ledger entry, claim line and payout change), a schema change in trials/models.
That summary (`trials.models.rollups.MoneyRollup`, migration 0003) brought the page to p95 ~0.8 s:
this history moves each agreement about once a day, so it holds ~2.8M rows. A second one by the
report's own groups (`MoneyMonth`: round, firm, area, month; ~13,000 rows) now answers whole months,
and the daily one only the days of months the window cuts, by an index-only range scan (migrations
0004, 0005): p95 ~25 ms, ~100 ms with a window cutting two months. Both are rebuilt here after the
load, whose replica role silences their triggers.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

BASE_DIR = Path(__file__).resolve().parent.parent
OUT_DIR = BASE_DIR / "bench" / "out"
DB_NAME = "bench_fc_ledger"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/firstclass"
CSV_ROWS_PER_SECOND_TARGET = 50_000
CSV_PEAK_RSS_MB_TARGET = 150
REPORT_P95_MS_TARGET = 300

ROUNDS = 8
FIRMS = 40
RECOVERY_SHARE = 10  # one ledger entry in ten is a recovery
CLOSED_EVERY = 5  # one agreement in five is closed (and has its release)
ENTRIES_PER_AGREEMENT = 100
# The big tables: their secondary indexes are rebuilt after the load.
BULK_TABLES = (
    "trials_costclaim",
    "trials_claimline",
    "trials_payout",
    "trials_recovery",
    "trials_ledgerentry",
)
BASES = {
    "org0": "accounts_organisation",
    "program0": "grants_program",
    "round0": "grants_round",
    "app0": "grants_application",
    "agr0": "trials_agreement",
    "trial0": "trials_trial",
    "claim0": "trials_costclaim",
    "line0": "trials_claimline",
    "payout0": "trials_payout",
    "recovery0": "trials_recovery",
}


def production_env(database_url: str, work_dir: Path) -> dict[str, str]:
    """Settings of the benchmark and of its web and worker processes (same secret key: the web
    process accepts the session this process creates)."""
    return {
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "0",
        "SECRET_KEY": os.environ.get("BENCH_SECRET_KEY") or secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "testserver,localhost,127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "OTP_REQUIRED_FOR_MINISTRY": "0",
        "STATIC_ROOT": str(OUT_DIR / "static"),
        "MEDIA_ROOT": str(work_dir / "media"),
        "JOBS_ROOT": str(work_dir / "jobs"),
        "EMAIL_HOST": "localhost",
        "LOG_LEVEL": "WARNING",
        "DATABASE_URL": database_url,
    }


def setup_django(env: dict[str, str]) -> None:
    sys.path.insert(0, str(BASE_DIR))
    os.environ.update(env)
    os.environ["BENCH_SECRET_KEY"] = env["SECRET_KEY"]
    import django

    django.setup()


def scratch_url(database_url: str, name: str) -> str:
    parts = urlsplit(database_url)
    return urlunsplit(parts._replace(path="/" + name))


# --- seed ---------------------------------------------------------------------------------------


def seed(entries: int) -> dict:
    """Bulk-insert the money history; return how many rows of each kind were written."""
    from django.db import connection, transaction
    from django.utils import timezone

    # The demo's ministry, firms and one login per role (officer, officer2, auditor, ...); not its
    # domain data, which this history does not need.
    from accounts.management.commands.seed_demo import SeedReport, seed_admin, seed_organisations, seed_users
    from accounts.models import User
    from grants.models import CostCategory, PriorityArea

    with transaction.atomic():
        report = SeedReport()
        admin = seed_admin(report)
        seed_users(admin, seed_organisations(admin, report), report)
    officer = User.objects.get(username="officer").pk
    approver = User.objects.get(username="officer2").pk
    applicant = User.objects.get(username="aurora").pk
    category = CostCategory.objects.filter(is_eligible=True).order_by("pk").values_list("pk", flat=True)[0]
    areas = list(PriorityArea.objects.order_by("pk").values_list("pk", flat=True))

    agreements = max(entries // ENTRIES_PER_AGREEMENT, ROUNDS)
    closed = agreements // CLOSED_EVERY
    recoveries = entries // RECOVERY_SHARE
    payouts = entries - agreements - closed - recoveries
    if payouts < recoveries:
        raise ValueError("too few entries for this shape")
    end = timezone.now() - timezone.timedelta(days=2)
    start = end - timezone.timedelta(days=1000)
    params = {
        "agreements": agreements,
        "payouts": payouts,
        "recoveries": recoveries,
        "rounds": ROUNDS,
        "firms": FIRMS,
        "closed_every": CLOSED_EVERY,
        "officer": officer,
        "approver": approver,
        "applicant": applicant,
        "category": category,
        "areas": areas,
        "start": start,
        "end": end,
        # every recovery takes back part of a different payout
        "recovery_step": payouts // recoveries,
    }
    # An agreement's signing moment: within the first 200 days; its payouts follow within 800 days.
    signed = "(%(start)s::timestamptz + ((a.id %% 200) * interval '1 day'))"  # replaces {signed}
    statements = [
        # Firms and their programme, rounds (published, budgets set below), applications, agreements.
        """INSERT INTO accounts_organisation (id, kind, name, inn, ogrn, kpp, address,
               is_individual_entrepreneur, created_at)
           SELECT %(org0)s + f, 'firm', 'Bench Pharma ' || f, '77' || lpad(f::text, 8, '0'),
                  '10277' || lpad(f::text, 8, '0'), '770101001', 'Moscow', false, %(start)s
           FROM generate_series(1, %(firms)s) f""",
        """INSERT INTO grants_program (id, name, description, rate, project_cap, success_events,
               admits_individual_entrepreneurs, eligible_from, eligible_until, created_at, updated_at)
           VALUES (%(program0)s + 1, 'Bench programme', '', 0.8000, 100000000000,
                   '["marketing_authorisation"]', false, '2020-01-01', '2035-12-31', %(start)s, %(start)s)""",
        """INSERT INTO grants_round (id, title, description, opens_at, closes_at, review_due_at, decision_at,
               appeal_window_days, budget, reviewers_per_application, min_load, max_load,
               total_threshold, ranking_basis, tie_break, non_fit_policy, state, created_at,
               updated_at, program_id)
           SELECT %(round0)s + r, 'Bench round ' || r, '', %(start)s - interval '90 days', %(start)s - interval '60 days',
                  %(start)s - interval '30 days', %(start)s - interval '10 days', 10, 0, 3, 0, 30, 3.00,
                  'raw', '[]', 'skip', 'published', %(start)s, %(start)s, %(program0)s + 1
           FROM generate_series(1, %(rounds)s) r""",
        """INSERT INTO grants_application (id, title, drug_name, modality, mechanism, indication,
               icd10_code, atc_code, claim_kind, novelty_statement, comparator_name, comparator_atc,
               superiority_endpoint, superiority_result, superiority_trial, development_stage, state,
               current_version, submitted_at, has_unsubmitted_changes, created_at, updated_at,
               created_by_id, organisation_id, priority_area_id, round_id)
           SELECT %(app0)s + a, 'Bench application ' || a, 'Benchmab', 'small_molecule', '', 'Indication',
                  'C34', 'L01XX', 'first_in_class', '', '', '', '', '', '', 'phase_2', 'selected', 1,
                  %(start)s - interval '70 days', false, %(start)s - interval '80 days',
                  %(start)s - interval '10 days', %(applicant)s, %(org0)s + 1 + (a * 13) %% %(firms)s,
                  (%(areas)s::bigint[])[NULLIF(a %% (cardinality(%(areas)s::bigint[]) + 1), 0)],
                  %(round0)s + 1 + a %% %(rounds)s
           FROM generate_series(1, %(agreements)s) a""",
        """INSERT INTO trials_agreement (id, number, approved_amount, cap, reporting_interval_months, state,
               signed_on, firm_signatory, activated_at, closed_at, created_at, application_id,
               created_by_id, organisation_id, round_id)
           SELECT %(agr0)s + a.id - %(app0)s, 'BENCH-' || a.id, 1000000000 + (a.id %% 50) * 10000000,
                  1000000000 + (a.id %% 50) * 10000000, 6,
                  CASE WHEN a.id %% %(closed_every)s = 0 THEN 'closed' ELSE 'success_verified' END,
                  ({signed} AT TIME ZONE 'Europe/Moscow')::date, 'I. Petrov', {signed},
                  CASE WHEN a.id %% %(closed_every)s = 0 THEN %(end)s::timestamptz + interval '1 day' END,
                  {signed} - interval '1 day', a.id, %(officer)s, a.organisation_id, a.round_id
           FROM grants_application a WHERE a.id > %(app0)s""",
        """INSERT INTO trials_trial (id, title, phase, nct_id, permission_number, sites, status, updated_at,
               agreement_id)
           SELECT %(trial0)s + a.id - %(agr0)s, 'Bench trial', '3', 'NCT' || lpad(a.id::text, 8, '0'), '',
                  '[]', 'active', {signed}, a.id
           FROM trials_agreement a WHERE a.id > %(agr0)s""",
        # Each payout: a verified claim of one accepted line, the paid payout (rate 0.8), its entry.
        """CREATE TEMP TABLE bench_payout ON COMMIT DROP AS
           SELECT p AS id, %(agr0)s + 1 + (p - 1) %% %(agreements)s AS agreement_id,
                  %(trial0)s + 1 + (p - 1) %% %(agreements)s AS trial_id,
                  1 + (p - 1) / %(agreements)s AS number,
                  5 * (20000 + (p * 37) %% 180000) AS line_amount,
                  (%(start)s::timestamptz + ((%(agr0)s + 1 + (p - 1) %% %(agreements)s) %% 200) * interval '1 day'
                      + ((p::bigint * 7919) %% (800 * 86400)) * interval '1 second') AS moment
           FROM generate_series(1, %(payouts)s) p""",
        """INSERT INTO trials_costclaim (id, number, state, created_at, submitted_at, verification_due_at,
               verified_at, agreement_id, created_by_id, submitted_by_id, verified_by_id)
           SELECT %(claim0)s + id, number, 'verified', moment - interval '20 days', moment - interval '20 days',
                  moment - interval '5 days', moment - interval '2 days', agreement_id, %(applicant)s,
                  %(applicant)s, %(officer)s
           FROM bench_payout""",
        """INSERT INTO trials_claimline (id, description, document_date, counterparty_inn, counterparty_name,
               document_number, document_key, amount, state, accepted_amount, decision_reason, verified_at,
               created_at, category_id, verified_by_id, claim_id, trial_id)
           SELECT %(line0)s + id, 'Site monitoring', (moment - interval '30 days')::date, '7707083893', 'CRO',
                  'INV-' || id, 'INV' || id, line_amount, 'accepted', line_amount, '',
                  moment - interval '2 days', moment - interval '20 days', %(category)s, %(officer)s, %(claim0)s + id,
                  trial_id
           FROM bench_payout""",
        """INSERT INTO trials_payout (id, accepted_total, rate, amount, state, proposed_at, approved_at,
               paid_at, payment_order_number, payment_order_date, cancel_reason, agreement_id,
               approved_by_id, claim_id, paid_by_id, proposed_by_id)
           SELECT %(payout0)s + id, line_amount, 0.8000, line_amount / 5 * 4, 'paid', moment - interval '1 day',
                  moment - interval '12 hours', moment, 'PO-' || id, (moment AT TIME ZONE 'Europe/Moscow')::date,
                  '', agreement_id, %(approver)s, %(claim0)s + id, %(officer)s, %(officer)s
           FROM bench_payout""",
        """INSERT INTO trials_recovery (id, amount, reason, due_date, created_at, agreement_id, created_by_id,
               payout_id)
           SELECT %(recovery0)s + r, p.line_amount / 5, 'Audit finding: cost not eligible', (p.moment + interval '31 days')::date,
                  p.moment + interval '1 day', p.agreement_id, %(officer)s, %(payout0)s + p.id
           FROM generate_series(1, %(recoveries)s) r JOIN bench_payout p ON p.id = r * %(recovery_step)s""",
        # The ledger, in time order of each kind: commitments, payouts, recoveries, releases.
        """INSERT INTO trials_ledgerentry (kind, amount, reason, created_at, agreement_id, created_by_id,
               round_id, payout_id, recovery_id)
           SELECT 'commitment', a.cap, '', {signed}, a.id, %(officer)s, a.round_id, NULL, NULL
           FROM trials_agreement a WHERE a.id > %(agr0)s""",
        """INSERT INTO trials_ledgerentry (kind, amount, reason, created_at, agreement_id, created_by_id,
               round_id, payout_id, recovery_id)
           SELECT 'payout', p.amount, '', p.paid_at, p.agreement_id, %(officer)s, a.round_id, p.id, NULL
           FROM trials_payout p JOIN trials_agreement a ON a.id = p.agreement_id
           WHERE p.id > %(payout0)s""",
        """INSERT INTO trials_ledgerentry (kind, amount, reason, created_at, agreement_id, created_by_id,
               round_id, payout_id, recovery_id)
           SELECT 'recovery', -r.amount, r.reason, r.created_at, r.agreement_id, %(officer)s, a.round_id,
                  NULL, r.id
           FROM trials_recovery r JOIN trials_agreement a ON a.id = r.agreement_id
           WHERE r.id > %(recovery0)s""",
        """INSERT INTO trials_ledgerentry (kind, amount, reason, created_at, agreement_id, created_by_id,
               round_id, payout_id, recovery_id)
           SELECT 'release', -(a.cap - s.net_paid), 'Agreement closed', a.closed_at, a.id, %(officer)s,
                  a.round_id, NULL, NULL
           FROM trials_agreement a
           JOIN (SELECT agreement_id, sum(amount) FILTER (WHERE kind IN ('payout', 'recovery')) AS net_paid
                 FROM trials_ledgerentry GROUP BY agreement_id) s ON s.agreement_id = a.id
           WHERE a.state = 'closed' AND a.id > %(agr0)s""",
    ]
    steps: dict[str, float] = {}
    started = time.perf_counter()
    with connection.cursor() as cursor:
        # New rows get ids after whatever the demo seed wrote.
        for key, table in BASES.items():
            cursor.execute(f"SELECT coalesce(max(id), 0) FROM {table}")  # noqa: S608 (constant names)
            params[key] = cursor.fetchone()[0]
        cursor.execute("SET synchronous_commit = off")
        with transaction.atomic():
            # Bulk-load shape: CHECK constraints and unique indexes are enforced row by row as usual;
            # the secondary (non-unique) indexes are rebuilt once at the end, and the foreign keys
            # (deferred triggers, one per row and key: minutes at commit) are checked afterwards by
            # one anti-join per key instead — a row that breaks one fails the seed all the same.
            cursor.execute("SET LOCAL session_replication_role = replica")
            cursor.execute(
                """SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
                   FROM pg_index i WHERE i.indrelid::regclass::text = ANY(%s) AND NOT i.indisunique""",
                [list(BULK_TABLES)],
            )
            secondary = cursor.fetchall()
            for name, _definition in secondary:
                cursor.execute(f'DROP INDEX "{name}"')
            for sql in statements:
                step = time.perf_counter()
                cursor.execute(sql.replace("{signed}", signed), params)
                name = " ".join(sql.split()[:3])
                steps[name] = round(steps.get(name, 0) + time.perf_counter() - step, 1)
            cursor.execute(
                """UPDATE grants_round r SET budget = s.committed * 5 / 4
                   FROM (SELECT round_id, sum(cap) AS committed FROM trials_agreement GROUP BY round_id) s
                   WHERE s.round_id = r.id AND r.id > %(round0)s""",
                params,
            )
            for table in (
                "accounts_organisation",
                "grants_program",
                "grants_round",
                "grants_application",
                "trials_agreement",
                "trials_trial",
                "trials_costclaim",
                "trials_claimline",
                "trials_payout",
                "trials_recovery",
                "trials_ledgerentry",
            ):
                sql = f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"  # noqa: S608
                cursor.execute(sql)
            step = time.perf_counter()
            for _name, definition in secondary:
                cursor.execute(definition)
            steps["rebuild secondary indexes"] = round(time.perf_counter() - step, 1)
            step = time.perf_counter()
            broken = foreign_key_violations(cursor, BULK_TABLES)
            steps["check foreign keys"] = round(time.perf_counter() - step, 1)
            if broken:
                raise RuntimeError(f"seeded rows break foreign keys: {broken}")
            # session_replication_role = replica also silenced the money rollups' triggers (migrations
            # 0003, 0004): rebuild both from the loaded rows, as the migrations' backfills do.
            step = time.perf_counter()
            cursor.execute("SELECT trials_rollup_rebuild()")
            steps["rebuild money rollup"] = round(time.perf_counter() - step, 1)
        seeded = time.perf_counter() - started
        # What autovacuum would do soon after a load this size: statistics and the visibility map.
        for table in (
            "trials_ledgerentry",
            "trials_payout",
            "trials_claimline",
            "trials_costclaim",
            "trials_moneyrollup",
            "trials_moneymonth",
        ):
            cursor.execute(f"VACUUM ANALYZE {table}")
        cursor.execute("ANALYZE")
        cursor.execute("SELECT kind, count(*) FROM trials_ledgerentry GROUP BY kind ORDER BY kind")
        kinds = dict(cursor.fetchall())
        cursor.execute("SELECT count(*) FROM trials_moneyrollup")
        rollup_rows = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM trials_moneymonth")
        month_rows = cursor.fetchone()[0]
    return {
        "entries": sum(kinds.values()),
        "entries_by_kind": kinds,
        "agreements": agreements,
        "money_rollup_rows": rollup_rows,
        "money_month_rows": month_rows,
        "seed_seconds": round(seeded, 1),
        "seed_and_vacuum_seconds": round(time.perf_counter() - started, 1),
        "seed_steps_seconds": steps,
    }


def foreign_key_violations(cursor, tables: tuple[str, ...]) -> dict[str, int]:
    """Rows of `tables` whose foreign key points at no row: {constraint: count}, empty when all hold."""
    cursor.execute(
        """SELECT c.conname, c.conrelid::regclass::text, a.attname, c.confrelid::regclass::text, fa.attname
           FROM pg_constraint c
           JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
           JOIN pg_attribute fa ON fa.attrelid = c.confrelid AND fa.attnum = c.confkey[1]
           WHERE c.contype = 'f' AND c.conrelid::regclass::text = ANY(%s)""",
        [list(tables)],
    )
    broken = {}
    for name, table, column, target, target_column in cursor.fetchall():
        cursor.execute(
            f'SELECT count(*) FROM "{table}" t WHERE t."{column}" IS NOT NULL AND NOT EXISTS '  # noqa: S608
            f'(SELECT 1 FROM "{target}" f WHERE f."{target_column}" = t."{column}")'
        )
        if count := cursor.fetchone()[0]:
            broken[name] = count
    return broken


# --- processes ----------------------------------------------------------------------------------


def peak_rss_mb(pid: int) -> tuple[float, float]:
    """(current, peak) resident memory of a process in MB, from /proc/<pid>/status."""
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values[key] = int(rest.split()[0]) / 1024  # kB
    return round(values["VmRSS"], 1), round(values["VmHWM"], 1)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class WebServer:
    """gunicorn with one sync worker on a free port, serving the scratch database."""

    def __init__(self, env: dict[str, str]) -> None:
        self.port = free_port()
        self.process = subprocess.Popen(
            [
                str(Path(sys.executable).with_name("gunicorn")),
                "config.wsgi:application",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                "1",
                "--timeout",
                "900",
                "--log-level",
                "warning",
            ],
            cwd=BASE_DIR,
            env={**os.environ, **env},
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                self.get("/healthz")  # any answer will do (it checks the broker, not needed here)
                break
            except OSError:
                pass
            if time.monotonic() > deadline or self.process.poll() is not None:
                self.stop()
                raise RuntimeError("the web server did not start")
            time.sleep(0.2)
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text().split()
        self.worker_pid = int(children[0])

    def connection(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=900)

    def get(self, path: str, cookie: str = "") -> tuple[int, bytes]:
        conn = self.connection()
        try:
            conn.request("GET", path, headers={"Cookie": cookie} if cookie else {})
            response = conn.getresponse()
            return response.status, response.read()
        finally:
            conn.close()

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def session_cookie(username: str) -> str:
    """A signed-in session of `username` stored in the database, as the web process will read it."""
    from django.conf import settings
    from django.test import Client

    from accounts.models import User

    client = Client()
    client.force_login(User.objects.get(username=username))
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


# --- measurements -------------------------------------------------------------------------------


def measure_csv(server: WebServer, cookie: str, expected_rows: int) -> dict:
    """Stream the ledger CSV over HTTP, reading it block by block; count the data lines."""
    from django.urls import reverse

    server.get(reverse("reports:report"), cookie)  # warm the worker (imports, templates)
    rss_before, _ = peak_rss_mb(server.worker_pid)
    conn = server.connection()
    started = time.perf_counter()
    conn.request("GET", reverse("reports:ledger_csv"), headers={"Cookie": cookie})
    response = conn.getresponse()
    if response.status != 200:
        raise RuntimeError(f"CSV export answered {response.status}: {response.read()[:500]!r}")
    first_byte = time.perf_counter() - started
    lines = 0
    size = 0
    tail = b""
    while block := response.read(1 << 16):
        lines += block.count(b"\n")
        size += len(block)
        tail = (tail + block)[-4096:]
    seconds = time.perf_counter() - started
    conn.close()
    _, peak = peak_rss_mb(server.worker_pid)
    manifest_lines = tail.split(b"\r\n\r\n")[-1].count(b"\n")
    rows = lines - 1 - 1 - manifest_lines  # header, the blank line, the manifest
    rows_per_second = rows / seconds
    return {
        "scenario": "ledger CSV export over HTTP (gunicorn, 1 sync worker)",
        "rows": rows,
        "rows_expected": expected_rows,
        "megabytes": round(size / 2**20, 1),
        "seconds": round(seconds, 2),
        "first_byte_ms": round(first_byte * 1000, 1),
        "rows_per_second": round(rows_per_second),
        "web_rss_before_mb": rss_before,
        "web_peak_rss_mb": peak,
        "target": f"> {CSV_ROWS_PER_SECOND_TARGET} rows/s, < {CSV_PEAK_RSS_MB_TARGET} MB",
        "ok": rows == expected_rows
        and rows_per_second > CSV_ROWS_PER_SECOND_TARGET
        and peak < CSV_PEAK_RSS_MB_TARGET,
    }


XLSX_CHILD = """
import json, os, resource, sys, time
sys.path.insert(0, os.getcwd())
import django
django.setup()
from trials.exports.tasks import export_xlsx
started = time.perf_counter()
outcome = export_xlsx.apply(args=[int(sys.argv[1])]).get()
seconds = time.perf_counter() - started
status = open("/proc/self/status").read().splitlines()
peak = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
print(json.dumps({"outcome": outcome, "seconds": seconds, "peak_kb": peak}))
"""


def measure_xlsx(env: dict[str, str], username: str) -> dict:
    """Run one ledger XLSX job the way a worker does (the Celery task, in a process of its own)."""
    from accounts.models import User
    from core.models_jobs import Job
    from trials.exports import EXPORT_KIND

    job = Job.objects.create(
        kind=EXPORT_KIND,
        params={"table": "ledger", "filters": {}, "language": "en"},
        requested_by=User.objects.get(username=username),
    )
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", XLSX_CHILD, str(job.pk)],
        cwd=BASE_DIR,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
    )
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"XLSX job process failed: {done.stderr[-2000:]}")
    child = json.loads(done.stdout.strip().splitlines()[-1])
    job.refresh_from_db()
    return {
        "scenario": "ledger XLSX export job (Celery task in its own process)",
        "outcome": child["outcome"],
        "state": job.state,
        "rows": job.rows,
        "megabytes": round(job.size / 2**20, 1),
        "task_seconds": round(child["seconds"], 2),
        "process_seconds": round(wall, 2),
        "rows_per_second": round(job.rows / child["seconds"]) if child["seconds"] else None,
        "worker_peak_rss_mb": round(child["peak_kb"] / 1024, 1),
        "ok": child["outcome"] == "done",
    }


def measure_page(server: WebServer, cookie: str, name: str, path: str, requests: int, warmup: int) -> dict:
    for _ in range(warmup):
        status, body = server.get(path, cookie)
        if status != 200:
            raise RuntimeError(f"{name}: {path} answered {status}: {body[:300]!r}")
    timings = []
    for _ in range(requests):
        started = time.perf_counter()
        server.get(path, cookie)
        timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    p95 = timings[max(int(len(timings) * 0.95) - 1, 0)]
    return {
        "scenario": name,
        "url": path,
        "requests": requests,
        "p50_ms": round(statistics.median(timings), 2),
        "p95_ms": round(p95, 2),
        "max_ms": round(timings[-1], 2),
        "requests_per_second": round(1000 * len(timings) / sum(timings), 1),
        "target": f"p95 < {REPORT_P95_MS_TARGET} ms",
        "ok": p95 < REPORT_P95_MS_TARGET,
    }


def run(entries: int, requests: int, warmup: int, skip_xlsx: bool = False) -> list[dict]:
    from django.core.management import call_command
    from django.db import connection
    from django.urls import reverse
    from django.utils import timezone

    call_command("collectstatic", interactive=False, verbosity=0)
    connection.settings_dict["TEST"]["NAME"] = DB_NAME
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        seeded = seed(entries)
        results = [{"scenario": "ledger seed (bulk SQL)", **seeded}]
        env = {**BENCH_ENV, "DATABASE_URL": scratch_url(BENCH_ENV["DATABASE_URL"], DB_NAME)}
        cookie = session_cookie("auditor")
        server = WebServer(env)
        try:
            results.append(measure_csv(server, cookie, seeded["entries"]))
            report = reverse("reports:report")
            results.append(measure_page(server, cookie, "auditor report by round", report, requests, warmup))
            results.append(
                measure_page(
                    server, cookie, "auditor report by month", report + "?by=month", requests, warmup
                )
            )
            # A window that starts and ends inside months: their days come from the daily rollup.
            today = timezone.localdate()
            since = (today - dt.timedelta(days=400)).replace(day=15)
            as_of = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=15)
            window = f"?by=firm&since={since.isoformat()}&as_of={as_of.isoformat()}"
            results.append(
                measure_page(
                    server,
                    cookie,
                    "auditor report by firm, mid-month window",
                    report + window,
                    requests,
                    warmup,
                )
            )
        finally:
            server.stop()
        if not skip_xlsx:
            results.append(measure_xlsx(env, "auditor"))
        return results
    finally:
        connection.close()
        connection.creation.destroy_test_db(old_name, verbosity=0)


BENCH_ENV: dict[str, str] = {}


def metrics(results: list[dict]) -> list[dict]:
    """`make bench`'s table rows (bench.seeding.metric) from the detailed results, which follow them."""
    from bench.seeding import metric

    rows = []
    for row in results:
        scenario = row["scenario"]
        if scenario.startswith("ledger seed"):
            rows.append(metric("ledger entries seeded", row["entries"], "rows"))
            rows.append(
                metric("ledger seed (bulk SQL, with index rebuild and checks)", row["seed_seconds"], "s", 120)
            )
        elif scenario.startswith("ledger CSV"):
            rows.append(metric("ledger CSV over HTTP: rows/s", row["rows_per_second"], "rows/s", 50_000, ">"))
            rows.append(
                metric("ledger CSV over HTTP: web worker peak RSS", row["web_peak_rss_mb"], "MB", 150)
            )
        elif scenario.startswith("auditor report"):
            rows.append(metric(f"{scenario}: p50", row["p50_ms"], "ms"))
            rows.append(metric(f"{scenario}: p95", row["p95_ms"], "ms", REPORT_P95_MS_TARGET))
        elif scenario.startswith("ledger XLSX"):
            rows.append(metric("ledger XLSX job: time", row["task_seconds"], "s"))
            rows.append(metric("ledger XLSX job: worker peak RSS", row["worker_peak_rss_mb"], "MB"))
    return rows + results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--skip-xlsx", action="store_true", help="leave out the (slow) XLSX job")
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    args = parser.parse_args(argv)
    work_dir = Path(tempfile.mkdtemp(prefix="bench-ledger-"))
    database_url = os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL
    BENCH_ENV.update(production_env(database_url, work_dir))
    setup_django(BENCH_ENV)
    try:
        results = run(args.entries, args.requests, args.warmup, args.skip_xlsx)
    finally:
        subprocess.run(["rm", "-rf", str(work_dir)], check=False)
    results = metrics(results)
    text = json.dumps(results, indent=2, ensure_ascii=False)
    print(text)
    if args.json:
        args.json.write_text(text + "\n")
    return 0  # missed targets are in the rows ("ok": false); `run.py --strict` fails on them


if __name__ == "__main__":
    sys.exit(main())
