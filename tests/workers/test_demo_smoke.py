"""The demo configuration (SQLite + `filesystem://`, no services) really runs Celery worker and beat.

Everything runs in subprocesses with the plain settings module and no DATABASE_URL / REDIS_URL, as a
newcomer's `make demo` does; a temporary FIRSTCLASS_VAR_DIR keeps the database and broker folders
apart from every other run.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

pytestmark = [pytest.mark.slow, pytest.mark.timeout(170)]

BASE_DIR = Path(settings.BASE_DIR)
MANAGE = str(BASE_DIR / "manage.py")
WAIT_SECONDS = 60


@pytest.fixture
def demo_env(tmp_path: Path) -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "DEBUG", "SECRET_KEY"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        FIRSTCLASS_VAR_DIR=str(tmp_path / "var"),
        HEARTBEAT_SECONDS="1",
        PYTHONUNBUFFERED="1",
    )
    return env


def manage(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, MANAGE, *args], env=env, cwd=BASE_DIR, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def read_heartbeat(env: dict[str, str]) -> datetime | None:
    code = "from django.core.cache import cache; print('HEARTBEAT=' + (cache.get('celery:heartbeat') or ''))"
    output = manage(env, "shell", "--no-imports", "-c", code)
    value = re.search(r"^HEARTBEAT=(.*)$", output, re.MULTILINE)
    assert value is not None, output
    return datetime.fromisoformat(value.group(1)) if value.group(1) else None


def start(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen(
            command, env=env, cwd=BASE_DIR, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )


def stop(children: list[subprocess.Popen[bytes]]) -> None:
    for child in children:
        if child.poll() is None:
            child.terminate()
    for child in children:
        try:
            child.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(child.pid, signal.SIGKILL)
            child.wait()


def logs(tmp_path: Path) -> str:
    return "\n".join(
        f"--- {p.name}\n{p.read_text(errors='replace')[-2500:]}" for p in sorted(tmp_path.glob("*.log"))
    )


def wait_for_fresh_heartbeat(env: dict[str, str], since: datetime) -> datetime | None:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        beat = read_heartbeat(env)
        if beat is not None and beat >= since:
            return beat
        time.sleep(2)
    return None


def test_worker_runs_a_beat_scheduled_task_on_sqlite_and_filesystem_broker(demo_env, tmp_path):
    manage(
        demo_env,
        "shell",
        "-c",
        "from core.management.commands.rundemo import prepare_database; prepare_database(seed=False)",
    )
    assert read_heartbeat(demo_env) is None
    started = timezone.now() - timedelta(seconds=1)
    celery = [sys.executable, "-m", "celery", "-A", "config"]
    children = [
        start([*celery, "worker", "--loglevel=info", "--pool=solo"], demo_env, tmp_path / "worker.log"),
        start([*celery, "beat", "--loglevel=info"], demo_env, tmp_path / "beat.log"),
    ]
    try:
        beat = wait_for_fresh_heartbeat(demo_env, started)
    finally:
        stop(children)

    assert beat is not None, "core.heartbeat never ran within 60 s\n" + logs(tmp_path)
    assert "Sending due task heartbeat (core.heartbeat)" in (tmp_path / "beat.log").read_text()
    assert "Task core.heartbeat" in (tmp_path / "worker.log").read_text()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get_json(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


def started_children(log: Path) -> list[int]:
    return [int(pid) for pid in re.findall(r"Started \w+ \(pid (\d+)\)", log.read_text())]


def is_ours(pid: int, var_dir: str) -> bool:
    """The process is alive and was started with this test's FIRSTCLASS_VAR_DIR (not a reused pid)."""
    try:
        return f"FIRSTCLASS_VAR_DIR={var_dir}".encode() in Path(f"/proc/{pid}/environ").read_bytes().split(
            b"\0"
        )
    except OSError:
        return False


def stop_demo(demo: subprocess.Popen[bytes], log: Path, var_dir: str) -> None:
    """SIGTERM lets rundemo stop its children; if it hangs, kill it and whatever it started."""
    if demo.poll() is None:
        demo.send_signal(signal.SIGTERM)
        try:
            demo.wait(timeout=30)
        except subprocess.TimeoutExpired:
            demo.kill()
            demo.wait()
    for pid in started_children(log):
        if is_ours(pid, var_dir):
            os.kill(pid, signal.SIGKILL)


def test_rundemo_serves_the_demo_with_a_live_worker_and_stops_everything_on_sigterm(demo_env, tmp_path):
    port = free_port()
    log = tmp_path / "rundemo.log"
    demo = start([sys.executable, MANAGE, "rundemo", f"127.0.0.1:{port}"], demo_env, log)
    status, health = 0, {}
    try:
        deadline = time.monotonic() + WAIT_SECONDS
        while time.monotonic() < deadline and demo.poll() is None:
            if "Firstclass demo is running at" in log.read_text():
                status, health = get_json(f"http://127.0.0.1:{port}/healthz")
                if health.get("worker", {}).get("fresh"):
                    break
            time.sleep(1)
        output = log.read_text()
        assert health.get("status") == "ok", f"{health}\n{logs(tmp_path)}"
        assert status == 200
        assert "firstclass-demo" in output and "officer" in output and "aurora" in output
        children = started_children(log)
        assert len(children) == 3

        demo.send_signal(signal.SIGTERM)
        assert demo.wait(timeout=30) == 0, logs(tmp_path)
        # Web, worker and beat ran in their own sessions: none of them may outlive the command.
        assert [pid for pid in children if is_ours(pid, demo_env["FIRSTCLASS_VAR_DIR"])] == [], logs(tmp_path)
        assert "Stopped." in log.read_text()
    finally:
        stop_demo(demo, log, demo_env["FIRSTCLASS_VAR_DIR"])


def test_runtime_folders_exist_for_beat_even_when_the_database_is_not_sqlite(tmp_path, settings):
    """With DATABASE_URL and REDIS_URL set nothing else creates the var folder beat writes to."""
    from core.management.commands.rundemo import make_runtime_folders

    settings.CELERY_BEAT_SCHEDULE_FILENAME = str(tmp_path / "var" / "celerybeat-schedule")
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:6379/0"

    made = make_runtime_folders()

    assert made == [tmp_path / "var"]
    assert (tmp_path / "var").is_dir()
