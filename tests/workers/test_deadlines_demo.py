"""The demo defaults (SQLite + `filesystem://`, no DATABASE_URL or REDIS_URL) fire deadlines too.

There are no row locks on SQLite, so this also exercises the sweeper's conditional-UPDATE claim.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

from tests.deadlines.processes import BASE_DIR, logs, process_env, start_beat, start_worker, wait_until

pytestmark = [pytest.mark.slow, pytest.mark.timeout(170)]

SCHEDULE = """
from datetime import timedelta
from django.utils import timezone
from deadlines.services import deadline_schedule
from tests import factories
import tests.deadlines.handlers
now = timezone.now()
for minutes in (3, 1, 2):
    deadline_schedule(kind="test.effect", target=factories.OrganisationFactory(),
                      due_at=now - timedelta(minutes=minutes))
"""

REPORT = """
from audit.models import AuditEvent
from deadlines.models import Deadline
import json
rows = list(Deadline.objects.order_by("due_at").values_list("id", "state"))
effects = list(AuditEvent.objects.filter(action="test.effect").order_by("id").values_list("object_id", flat=True))
print("REPORT", json.dumps([rows, effects]))
"""


def manage(env: dict[str, str], code: str) -> str:
    done = subprocess.run(
        [sys.executable, str(BASE_DIR / "manage.py"), "shell", "--no-imports", "-c", code],
        env=env,
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def report(env: dict[str, str]) -> tuple[list, list]:
    line = re.search(r"^REPORT (.*)$", manage(env, REPORT), re.MULTILINE)
    assert line is not None
    rows, effects = json.loads(line.group(1))
    return rows, effects


def test_worker_and_beat_on_sqlite_and_the_filesystem_broker_fire_due_deadlines(tmp_path):
    env = process_env(tmp_path, demo=True)  # no DATABASE_URL, no REDIS_URL: the demo defaults
    assert "DATABASE_URL" not in env and "REDIS_URL" not in env
    manage(env, "from core.management.commands.rundemo import prepare_database; prepare_database(seed=False)")
    manage(env, SCHEDULE)
    procs = [start_worker(env, tmp_path, "worker", "--pool=solo"), start_beat(env, tmp_path)]
    try:
        fired = wait_until(lambda: all(state == "fired" for _id, state in report(env)[0]), 90, interval=2)
    finally:
        for proc in procs:
            proc.stop()
    rows, effects = report(env)
    assert fired, logs(*procs)
    assert effects == [str(pk) for pk, _state in rows]  # each once, in due order
    assert "deadlines.sweep" in procs[1].output()
