"""Real processes for the deadline worker tests: a private redis-server, Celery workers and beat.

Each test gets its own redis-server on a free port, so stopping it (the outage test) or filling it
disturbs nobody else's tests, and no key prefixes are needed. Workers and beat run with the plain
settings module against the test database, with `tests.deadlines.handlers` included so the test
handlers are registered in the worker too.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.db import connection

BASE_DIR = Path(settings.BASE_DIR)
CELERY = [sys.executable, "-m", "celery", "-A", "config"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(check: Callable[[], object], timeout: float, interval: float = 0.2) -> object:
    """Poll `check` until it returns something truthy; return that, or the last falsy value."""
    end = time.monotonic() + timeout
    value = check()
    while not value and time.monotonic() < end:
        time.sleep(interval)
        value = check()
    return value


class RedisServer:
    """A throw-away redis-server (no persistence) that a test may stop and start again."""

    def __init__(self, workdir: Path, port: int | None = None) -> None:
        self.port = port or free_port()
        self.workdir = workdir
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        self.workdir.mkdir(parents=True, exist_ok=True)
        log = (self.workdir / "redis.log").open("ab")
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.workdir),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        if not wait_until(self.ping, 10, 0.05):
            raise RuntimeError(f"redis-server on port {self.port} did not start")
        return self

    def ping(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None


def process_env(tmp_path: Path, redis_url: str = "", *, demo: bool = False, **extra: str) -> dict[str, str]:
    """Environment for a worker or beat: plain settings, this test's database, this test's broker.

    With `demo`, no database or broker URL at all: SQLite and `filesystem://` under `tmp_path`.
    """
    db = connection.settings_dict
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "DEBUG"}}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        FIRSTCLASS_VAR_DIR=str(tmp_path / "var"),
        PYTHONUNBUFFERED="1",
        DEADLINE_SWEEP_SECONDS="1",
        DEADLINE_RETRY_BASE_SECONDS="1",
        HEARTBEAT_SECONDS="3600",
    )
    if not demo:
        env["DATABASE_URL"] = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    if redis_url:
        env["REDIS_URL"] = redis_url
    env.update(extra)
    return env


class Proc:
    """A worker or beat in its own session, so a SIGKILL takes its pool children with it."""

    def __init__(self, name: str, command: list[str], env: dict[str, str], log_dir: Path) -> None:
        self.name = name
        self.log = log_dir / f"{name}.log"
        log_dir.mkdir(parents=True, exist_ok=True)
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                command, env=env, cwd=BASE_DIR, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def kill(self) -> None:
        """SIGKILL the whole process group: no warm shutdown, no chance to requeue or ack."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()
        else:
            self.process.wait()


def start_worker(env: dict[str, str], log_dir: Path, name: str = "worker", *args: str) -> Proc:
    command = [
        *CELERY,
        "worker",
        "--loglevel=info",
        "--include=tests.deadlines.handlers",
        f"--hostname={name}@%h",
        "--without-gossip",
        "--without-mingle",
        *args,
    ]
    return Proc(name, command, env, log_dir)


def start_beat(env: dict[str, str], log_dir: Path, name: str = "beat") -> Proc:
    schedule = log_dir / f"{name}-schedule"
    return Proc(name, [*CELERY, "beat", "--loglevel=info", f"--schedule={schedule}"], env, log_dir)


def logs(*procs: Proc) -> str:
    return "\n".join(f"--- {p.name}\n{p.output()[-3000:]}" for p in procs)


def send_task(broker_url: str, name: str, times: int = 1, **kwargs: object) -> None:
    """Publish `name` to the broker `times` times, as beat or the outbox would."""
    from celery import Celery

    app = Celery("deadline-tests", broker=broker_url, set_as_current=False)
    app.conf.update(task_serializer="json", accept_content=["json"], broker_connection_retry_on_startup=True)
    try:
        for _ in range(times):
            app.send_task(name, kwargs=kwargs)
    finally:
        app.close()


class PublishingTo:
    """Point this process's Celery app (the one the outbox publishes with) at `broker_url`.

    The test settings use `memory://`; the outage test needs the real on-commit publish to hit
    (or miss) its own redis-server. Connection pools are dropped on entry and exit so that neither
    broker's connections leak into the other.
    """

    def __init__(self, broker_url: str) -> None:
        from config.celery import app

        self.app = app
        self.url = broker_url

    def _reset(self) -> None:
        from kombu import pools

        if self.app._pool is not None:
            self.app._pool.force_close_all()
        self.app._pool = None
        self.app.__dict__.pop("amqp", None)
        # kombu keeps producer pools per broker in a registry of its own: one there would still hold
        # the connections closed above, and every later publish to that broker (an in-process test
        # worker's, when it started before this test) fails with "Acquire on closed pool".
        pools.reset()

    def __enter__(self) -> PublishingTo:
        self.saved = (self.app.conf.broker_url, self.app.conf.broker_transport_options)
        self.app.conf.broker_url = self.url
        self.app.conf.broker_transport_options = {"socket_connect_timeout": 1, "socket_timeout": 2}
        self._reset()
        return self

    def __exit__(self, *exc: object) -> None:
        self._reset()
        self.app.conf.broker_url, self.app.conf.broker_transport_options = self.saved
