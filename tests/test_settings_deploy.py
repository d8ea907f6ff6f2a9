"""Production settings: `check --deploy` is clean with production variables, and the settings refuse
to start without the secrets production needs. Each case loads the settings afresh in a subprocess,
with the plain settings module and no inherited configuration."""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

from django.conf import settings

BASE_DIR = Path(settings.BASE_DIR)
PASSED_THROUGH = {"PATH", "HOME", "LANG", "LC_ALL", "PYTHONPATH", "VIRTUAL_ENV", "TMPDIR"}


def production_env(tmp_path: Path, **overrides: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k in PASSED_THROUGH}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        FIRSTCLASS_VAR_DIR=str(tmp_path),
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="firstclass.example,localhost",
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/postgres",
        REDIS_URL="redis://127.0.0.1:6379/0",
        EMAIL_HOST="smtp.firstclass.example",
    )
    for name, value in overrides.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


def manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(BASE_DIR / "manage.py"), *args],
        env=env,
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_with_production_variables(tmp_path):
    done = manage(production_env(tmp_path), "check", "--deploy", "--fail-level", "WARNING")

    assert done.returncode == 0, done.stdout + done.stderr
    assert "System check identified no issues" in done.stdout


def test_check_deploy_fails_on_a_weak_secret_key(tmp_path):
    done = manage(
        production_env(tmp_path, SECRET_KEY="short"), "check", "--deploy", "--fail-level", "WARNING"
    )

    assert done.returncode != 0
    assert "security.W009" in done.stderr


def test_check_deploy_fails_without_a_real_mail_server(tmp_path):
    done = manage(production_env(tmp_path, EMAIL_HOST=None), "check", "--deploy", "--fail-level", "WARNING")

    assert done.returncode != 0
    assert "mail.E001" in done.stderr


def test_settings_refuse_to_load_without_secret_key_when_debug_is_off(tmp_path):
    done = manage(production_env(tmp_path, SECRET_KEY=None), "check")

    assert done.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off." in done.stderr


def test_settings_refuse_to_load_without_allowed_hosts_when_debug_is_off(tmp_path):
    done = manage(production_env(tmp_path, ALLOWED_HOSTS=None), "check")

    assert done.returncode != 0
    assert "ALLOWED_HOSTS must be set when DEBUG is off." in done.stderr


def test_healthz_answers_plain_http_while_pages_redirect_to_https(tmp_path):
    """Container probes call /healthz over HTTP inside the network; users are sent to HTTPS."""
    code = (
        "import json; from django.test import Client; c = Client(HTTP_HOST='localhost'); "
        "h = c.get('/healthz'); p = c.get('/accounts/login/'); "
        "print('RESULT=' + json.dumps([h.status_code, h['Content-Type'], p.status_code, p.get('Location')]))"
    )
    done = manage(production_env(tmp_path), "shell", "--no-imports", "-c", code)

    assert done.returncode == 0, done.stderr
    line = next(line for line in done.stdout.splitlines() if line.startswith("RESULT="))
    health_status, health_type, page_status, page_location = json.loads(line.removeprefix("RESULT="))
    assert health_status in {200, 503}
    assert health_type == "application/json"
    assert page_status == 301
    assert page_location == "https://localhost/accounts/login/"


ENV_READ = re.compile(r"""(?:environ(?:\.get)?[\[(]|env_\w+\()\s*["']([A-Z][A-Z0-9_]+)["']""")


def test_readme_documents_every_environment_variable_the_settings_read():
    read = set(ENV_READ.findall((BASE_DIR / "config" / "settings.py").read_text()))
    readme = (BASE_DIR / "README.md").read_text()

    assert {"DEBUG", "SECRET_KEY", "DATABASE_URL", "REDIS_URL"} <= read  # the pattern still finds them
    assert sorted(name for name in read if f"`{name}`" not in readme) == []
