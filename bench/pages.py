"""Benchmark: response times of pages and API endpoints under production settings.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/firstclass .venv/bin/python bench/pages.py
    .venv/bin/python bench/pages.py --requests 500 --json out.json

Runs in a scratch database (`bench_fc_pages`, created, seeded with `seed_demo` and dropped here)
with DEBUG off, the manifest static storage and session authentication, sending requests through
Django's test client in this process: the numbers are the application's own cost per request
(middleware, queries, templates, serializers), without a network or a WSGI server in front.
Each scenario: a warm-up, then N sequential requests; p50/p95/max in milliseconds and the queries
one request runs. Later issues add scenarios to SCENARIOS.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
OUT_DIR = BASE_DIR / "bench" / "out"


@dataclass(frozen=True)
class Scenario:
    name: str
    username: str  # a seed_demo login
    path: str  # a URL path, or "name:" + a URL name to reverse
    expect: int = 200


SCENARIOS: list[Scenario] = [
    Scenario("API /api/v1/me (applicant)", "aurora", "name:me"),
    Scenario("dashboard (applicant)", "aurora", "name:core:dashboard"),
    Scenario("dashboard (officer)", "officer", "name:core:dashboard"),
    Scenario("dashboard (auditor)", "auditor", "name:core:dashboard"),
]


def setup_django() -> None:
    """Production-shaped settings: DEBUG off, compressed manifest static files, no SSL redirect."""
    sys.path.insert(0, str(BASE_DIR))
    os.environ.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="testserver,localhost,127.0.0.1",
        SECURE_SSL_REDIRECT="0",
        STATIC_ROOT=str(OUT_DIR / "static"),
        EMAIL_HOST="localhost",
        LOG_LEVEL="WARNING",
    )
    os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/firstclass")
    import django

    django.setup()


def resolve(path: str) -> str:
    from django.urls import reverse

    return reverse(path.removeprefix("name:")) if path.startswith("name:") else path


def measure(scenario: Scenario, requests: int, warmup: int) -> dict:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from accounts.models import User

    client = Client()
    client.force_login(User.objects.get(username=scenario.username))
    url = resolve(scenario.path)
    for _ in range(warmup):
        client.get(url)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    query_count = len(queries)  # now: the log is cleared at the start of every later request
    if response.status_code != scenario.expect:
        raise RuntimeError(
            f"{scenario.name}: {url} answered {response.status_code}, expected {scenario.expect}"
        )
    timings = []
    for _ in range(requests):
        started = time.perf_counter()
        client.get(url)
        timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    return {
        "scenario": scenario.name,
        "url": url,
        "requests": requests,
        "p50_ms": round(statistics.median(timings), 2),
        "p95_ms": round(timings[max(int(len(timings) * 0.95) - 1, 0)], 2),
        "max_ms": round(timings[-1], 2),
        "requests_per_second": round(1000 * len(timings) / sum(timings), 1),
        "queries": query_count,
    }


def run(requests: int = 200, warmup: int = 20, only: list[str] | None = None) -> list[dict]:
    """Collect static files, make and seed the scratch database, measure every scenario, drop it."""
    from django.core.management import call_command
    from django.db import connection

    call_command("collectstatic", interactive=False, verbosity=0)
    connection.settings_dict["TEST"]["NAME"] = "bench_fc_pages"  # keeps the other TEST defaults
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115 (one short-lived process)
        chosen = [s for s in SCENARIOS if not only or any(word in s.name for word in only)]
        return [measure(scenario, requests, warmup) for scenario in chosen]
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--quick", action="store_true", help="30 requests per scenario")
    parser.add_argument("--only", nargs="*", help="run the scenarios whose name contains one of these words")
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    args = parser.parse_args(argv)
    if args.quick:
        args.requests, args.warmup = 30, 5
    setup_django()
    results = run(requests=args.requests, warmup=args.warmup, only=args.only)
    text = json.dumps(results, indent=2, ensure_ascii=False)
    print(text)
    if args.json:
        args.json.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
