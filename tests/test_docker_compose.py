"""docker-compose.yml and the Dockerfile describe the production shape the design promises.

There is no Docker engine where the tests run, so the YAML is parsed and its structure asserted, and
the environment it gives the app containers is fed to the real settings with `check --deploy`.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from django.conf import settings

BASE_DIR = Path(settings.BASE_DIR)
APP_SERVICES = ("web", "worker", "beat")
INTERPOLATION = re.compile(r"\$\{(\w+)(?::?-([^}]*))?\}")


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((BASE_DIR / "docker-compose.yml").read_text())


def interpolate(value: str) -> str:
    """Compose's `${NAME:-default}` with nothing set in the environment: the default wins."""
    return INTERPOLATION.sub(lambda m: m.group(2) or "", value).replace("$$", "$")


def command_text(service: dict) -> str:
    command = service["command"]
    return " ".join(command) if isinstance(command, list) else command


def test_services_are_web_worker_one_beat_postgres_and_redis(compose):
    services = compose["services"]

    assert {"web", "worker", "beat", "postgres", "redis"} <= set(services)
    assert services["beat"]["deploy"]["replicas"] == 1
    for name in APP_SERVICES:
        assert services[name]["build"] == "."
        assert services[name]["image"] == services["web"]["image"]


def test_web_migrates_collects_static_and_serves_with_gunicorn(compose):
    web = compose["services"]["web"]
    command = command_text(web)

    assert (
        command.index("migrate --noinput")
        < command.index("collectstatic --noinput")
        < command.index("gunicorn")
    )
    assert "exec gunicorn config.wsgi" in command  # gunicorn is PID 1's child that receives SIGTERM
    assert "8000:8000" in web["ports"]


def test_worker_and_beat_run_celery_against_the_project(compose):
    services = compose["services"]

    assert command_text(services["worker"]).startswith("celery -A config worker")
    assert command_text(services["beat"]).startswith("celery -A config beat")
    for name in ("worker", "beat"):
        assert services[name]["depends_on"]["web"]["condition"] == "service_healthy"


def test_every_long_running_service_has_a_health_check(compose):
    services = compose["services"]

    for name in (*APP_SERVICES, "postgres", "redis"):
        assert services[name]["healthcheck"]["test"], name
    assert "/healthz" in " ".join(services["web"]["healthcheck"]["test"])
    assert "inspect ping" in " ".join(services["worker"]["healthcheck"]["test"])
    assert "pg_isready" in " ".join(services["postgres"]["healthcheck"]["test"])
    assert services["web"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert services["web"]["depends_on"]["redis"]["condition"] == "service_healthy"


def test_postgres_16_and_redis_append_only_without_eviction(compose):
    services = compose["services"]

    assert services["postgres"]["image"] == "postgres:16"
    assert services["redis"]["image"].startswith("redis:7")
    redis_command = command_text(services["redis"])
    assert "--appendonly yes" in redis_command
    assert "--maxmemory-policy noeviction" in redis_command


def test_state_lives_in_named_volumes(compose):
    declared = set(compose["volumes"])
    used = {
        volume.split(":", 1)[0]
        for service in compose["services"].values()
        for volume in service.get("volumes", [])
    }

    assert {"pgdata", "redis-data", "media", "beat-state"} <= declared
    assert used <= declared  # no bind mounts of the host's files
    assert "pgdata:/var/lib/postgresql/data" in compose["services"]["postgres"]["volumes"]
    assert "redis-data:/data" in compose["services"]["redis"]["volumes"]


def test_app_environment_is_production_and_every_variable_is_read_by_settings(compose):
    settings_source = (BASE_DIR / "config" / "settings.py").read_text()

    for name in APP_SERVICES:
        env = compose["services"][name]["environment"]
        assert env["DEBUG"] == "0"
        assert interpolate(env["DATABASE_URL"]).startswith("postgres://firstclass:")
        assert interpolate(env["REDIS_URL"]) == "redis://redis:6379/0"
        for variable in ("SECRET_KEY", "ALLOWED_HOSTS"):
            assert interpolate(env[variable]), variable
        for variable in env:
            assert f'"{variable}"' in settings_source, f"{variable} is set in compose but never read"


def test_compose_environment_passes_check_deploy_except_the_proxy_terminated_tls(compose, tmp_path):
    """With compose's defaults the settings load; the only finding is SSL redirect left to the proxy."""
    env = {k: v for k, v in os.environ.items() if k in {"PATH", "HOME", "LANG"}}
    env.update({k: interpolate(str(v)) for k, v in compose["services"]["web"]["environment"].items()})
    env.update(DJANGO_SETTINGS_MODULE="config.settings", FIRSTCLASS_VAR_DIR=str(tmp_path))

    done = subprocess.run(
        [sys.executable, str(BASE_DIR / "manage.py"), "check", "--deploy"],
        env=env,
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert done.returncode == 0, done.stderr
    assert re.findall(r"\(([a-z_]+\.[WE]\d+)\)", done.stdout + done.stderr) == ["security.W008"]


def test_dockerfile_builds_on_python_312_slim_with_pdf_libraries():
    dockerfile = (BASE_DIR / "Dockerfile").read_text()

    assert re.findall(r"^FROM (.+)$", dockerfile, re.MULTILINE) == ["python:3.12-slim"]
    for package in ("libpango-1.0-0", "libpangoft2-1.0-0", "fonts-dejavu-core"):
        assert package in dockerfile
    assert "pip install -r requirements.txt" in dockerfile
    assert re.search(r"^USER firstclass$", dockerfile, re.MULTILINE)  # not root
    ignored = (BASE_DIR / ".dockerignore").read_text().split()
    assert {".git", ".venv", "var"} <= set(ignored)
