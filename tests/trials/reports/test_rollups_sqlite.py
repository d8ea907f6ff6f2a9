"""The demo's SQLite database keeps the money rollups with triggers of its own (migrations 0003 and
0004 write one set per database): they must give the report the figures the rows give, as PostgreSQL's
do (`test_rollups.py`).

Runs in a subprocess with the demo's settings (no DATABASE_URL): migrate, seed the demo through the
services, then compare inside that process; the check prints one line per mismatch.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

pytestmark = [pytest.mark.slow, pytest.mark.rule(35), pytest.mark.timeout(300)]

CHECK = """
import datetime as dt
from collections import defaultdict
from grants.models import Application
from accounts.models import User
from trials.models import Agreement, MoneyMonth, MoneyRollup
from trials.reports.filters import ReportFilters
from trials.reports.queries import detail_groups, report_groups

def months():
    rows = MoneyMonth.objects.filter(entries__gt=0)
    return {(r.round_id, r.organisation_id, r.area_id, r.month, r.kind): (r.amount, r.entries) for r in rows}

def expected():
    groups = {a.pk: (a.round_id, a.organisation_id, a.application.priority_area_id)
              for a in Agreement.objects.select_related("application")}
    sums = defaultdict(lambda: [0, 0])
    for r in MoneyRollup.objects.filter(entries__gt=0):
        key = (*groups[r.agreement_id], r.day.replace(day=1), r.kind)
        sums[key][0] += r.amount
        sums[key][1] += r.entries
    return {key: tuple(value) for key, value in sums.items()}

def check(label):
    problems = 0
    if not months() or months() != expected():
        print("MISMATCH months", label, months(), expected())
        problems += 1
    auditor = User.objects.get(username="auditor")
    days = sorted(MoneyRollup.objects.values_list("day", flat=True).distinct())
    for by in ("round", "firm", "area", "month"):
        for since, as_of in ((None, None), (days[0], days[-1]), (days[-1] - dt.timedelta(days=40), None),
                             (None, days[-1] - dt.timedelta(days=1))):
            filters = ReportFilters(by=by, since=since, as_of=as_of)
            if report_groups(auditor, filters) != detail_groups(auditor, filters):
                print("MISMATCH report", label, filters)
                problems += 1
    return problems

problems = check("seeded")
agreement = Agreement.objects.filter(ledger_entries__kind="payout").first()
Application.objects.filter(pk=agreement.application_id).update(priority_area=None)
problems += check("area moved")
print("ROLLUP CHECK", "ok" if problems == 0 else f"{problems} problems")
"""


def test_the_demo_database_keeps_the_rollups_that_the_report_reads(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "DEBUG"}}
    env.update(DJANGO_SETTINGS_MODULE="config.settings", FIRSTCLASS_VAR_DIR=str(tmp_path / "var"))
    manage = [sys.executable, str(Path(settings.BASE_DIR) / "manage.py")]
    for args in (["migrate", "-v0"], ["seed_demo"], ["shell", "--no-imports", "-c", CHECK]):
        done = subprocess.run(
            [*manage, *args], env=env, cwd=settings.BASE_DIR, capture_output=True, text=True, timeout=240
        )
        assert done.returncode == 0, done.stderr[-3000:]
    assert "ROLLUP CHECK ok" in done.stdout, done.stdout[-3000:]
