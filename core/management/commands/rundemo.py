"""`manage.py rundemo`: prepare the database and run web, Celery worker and Celery beat together.

Works with nothing but Python (SQLite and the `filesystem://` broker, the settings' defaults) and
equally with DATABASE_URL / REDIS_URL set. The three servers are child processes in their own
sessions, so a Ctrl-C reaches only this command, which then stops them in order: Celery gets a
single SIGTERM (a warm shutdown that finishes the running task) instead of a terminal's double
Ctrl-C (a cold one).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from datetime import datetime
from io import StringIO
from pathlib import Path
from types import FrameType

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

STOP_GRACE_SECONDS = 15
READY_TIMEOUT_SECONDS = 60


class Stop(Exception):
    """Raised from the SIGTERM handler so the main loop unwinds like on Ctrl-C."""


def prepare_database(*, seed: bool) -> str:
    """Migrate, create the cache table and the runtime folders, seed demo data; return seed output."""
    call_command("migrate", interactive=False, verbosity=0)
    call_command("createcachetable", verbosity=0)
    make_runtime_folders()
    if not seed:
        return ""
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def make_runtime_folders() -> list[Path]:
    """Folders the processes write to: beat's schedule file and, for `filesystem://`, the queues.

    With DATABASE_URL set nothing else creates FIRSTCLASS_VAR_DIR, and beat cannot save its
    schedule into a missing folder.
    """
    folders = [Path(settings.CELERY_BEAT_SCHEDULE_FILENAME).parent]
    if str(settings.CELERY_BROKER_URL).startswith("filesystem://"):
        options = settings.CELERY_BROKER_TRANSPORT_OPTIONS
        keys = ("data_folder_in", "data_folder_out", "control_folder")
        folders += [Path(options[key]) for key in keys if key in options]
    for folder in folders:
        folder.mkdir(parents=True, exist_ok=True)
    return folders


def child_commands(addr: str) -> dict[str, list[str]]:
    """The processes of a running Firstclass, started with this interpreter."""
    python = sys.executable
    return {
        "worker": [python, "-m", "celery", "-A", "config", "worker", "--loglevel=info", "--pool=solo"],
        "beat": [python, "-m", "celery", "-A", "config", "beat", "--loglevel=info"],
        "web": [python, str(Path(settings.BASE_DIR) / "manage.py"), "runserver", addr, "--noreload"],
    }


def read_health(url: str) -> dict | None:
    """/healthz's JSON body (on 200 and on 503), or None while the web server does not answer."""
    try:
        with urllib.request.urlopen(url + "healthz", timeout=2) as response:  # noqa: S310 (our own loopback URL)
            return json.load(response)
    except urllib.error.HTTPError as error:
        return json.load(error)
    except (OSError, ValueError):
        return None


def wait_for(
    url: str, children: dict[str, subprocess.Popen[bytes]], timeout: float, ready: Callable[[dict], bool]
) -> bool:
    """Poll /healthz until `ready(body)`; False on timeout or when a child has died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(child.poll() is not None for child in children.values()):
            return False
        health = read_health(url)
        if health is not None and ready(health):
            return True
        time.sleep(0.5)
    return False


def heartbeat_since(moment: datetime) -> Callable[[dict], bool]:
    """A /healthz check: the worker has written a heartbeat at or after `moment`."""

    def ready(health: dict) -> bool:
        last = (health.get("worker") or {}).get("last_heartbeat")
        return bool(last) and datetime.fromisoformat(last) >= moment

    return ready


def request_heartbeat() -> datetime:
    """Queue one `core.heartbeat` now instead of waiting for beat's first interval to pass."""
    from config.celery import app as celery_app

    sent = timezone.now()
    celery_app.send_task("core.heartbeat")
    return sent


def stop_children(children: dict[str, subprocess.Popen[bytes]], grace: float = STOP_GRACE_SECONDS) -> None:
    """SIGTERM every child still running (web first, worker last), then SIGKILL what outlives the grace.

    A second Ctrl-C or SIGTERM while waiting skips the grace: the children are in their own
    sessions, so leaving one behind would leave it running.
    """
    try:
        for child in reversed(children.values()):
            if child.poll() is None:
                child.terminate()
        deadline = time.monotonic() + grace
        for child in reversed(children.values()):
            with contextlib.suppress(subprocess.TimeoutExpired):
                child.wait(timeout=max(deadline - time.monotonic(), 0.1))
    except (KeyboardInterrupt, Stop):
        pass
    finally:
        for child in children.values():
            if child.poll() is None:
                child.kill()
                child.wait()


class Command(BaseCommand):
    help = "Migrate, seed the demo data and run web, Celery worker and Celery beat until Ctrl-C."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "addrport", nargs="?", default="0.0.0.0:8000", help="Web server address (0.0.0.0:8000)."
        )
        parser.add_argument("--no-seed", action="store_true", help="Do not run seed_demo.")

    def handle(self, *args: object, **options: object) -> None:
        addr = str(options["addrport"])
        port = addr.rsplit(":", 1)[-1] if ":" in addr else addr
        url = f"http://127.0.0.1:{port}/"

        self.stdout.write("Preparing the database…")
        logins = prepare_database(seed=not options["no_seed"])
        self.stdout.write(logins)

        signal.signal(signal.SIGTERM, _raise_stop)
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        children: dict[str, subprocess.Popen[bytes]] = {}
        try:
            for name, command in child_commands(addr).items():
                children[name] = subprocess.Popen(
                    command, env=env, cwd=settings.BASE_DIR, start_new_session=True
                )
                self.stdout.write(f"Started {name} (pid {children[name].pid}): {' '.join(command[1:])}")
            if not wait_for(url, children, READY_TIMEOUT_SECONDS, lambda health: True):
                raise CommandError(_exit_summary(children) or f"The web server did not answer at {url}.")
            # The banner comes once the worker has run a task, so it is not buried under start-up logs
            # and "running" means web, broker and worker all work.
            if not wait_for(url, children, READY_TIMEOUT_SECONDS, heartbeat_since(request_heartbeat())):
                if summary := _exit_summary(children):
                    raise CommandError(summary)
                self.stderr.write("The worker has not run a task yet: see its log above.")
            self.stdout.write(self.style.SUCCESS(f"\nFirstclass demo is running at {url}"))
            self.stdout.write(logins)
            self.stdout.write("Press Ctrl-C to stop web, worker and beat.\n")
            while True:
                time.sleep(0.5)
                if summary := _exit_summary(children):
                    raise CommandError(summary)
        except (KeyboardInterrupt, Stop):
            self.stdout.write("\nStopping web, beat and worker…")
        finally:
            stop_children(children)
        self.stdout.write("Stopped.")


def _raise_stop(signum: int, frame: FrameType | None) -> None:
    raise Stop


def _exit_summary(children: dict[str, subprocess.Popen[bytes]]) -> str:
    exited = [
        f"{name} exited with code {child.returncode}"
        for name, child in children.items()
        if child.poll() is not None
    ]
    return "; ".join(exited)
