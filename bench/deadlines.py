"""Benchmark: sweep 10,000 due reminders and count what happened.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/firstclass .venv/bin/python bench/deadlines.py
    .venv/bin/python bench/deadlines.py --count 2000 --sweepers 2 --json out.json

Works in a scratch database (`bench_fc_deadlines`, created and dropped here), never in the one
DATABASE_URL names. Each reminder is a deadline whose handler notifies one person (an inbox row
plus an e-mail queued in the outbox), as the real reminders do. Reports the time to drain the
queue, the effect count (which must be exactly one notification per deadline) and the queries the
sweep ran per deadline. `--sweepers 2` runs two sweeps side by side, as two worker processes would.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
KIND = "bench.reminder"


def setup_django() -> None:
    sys.path.insert(0, str(BASE_DIR))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/firstclass")
    import django

    django.setup()


def remind(deadline) -> None:
    """The benchmark's handler: what a real reminder does, one notification to the target person."""
    from django.utils.translation import gettext_lazy as _

    from deadlines.services import notify

    notify(
        recipients=[deadline.target],
        kind=KIND,
        template="generic",
        context={
            "subject": _("Reminder"),
            "text": _("Your draft is not submitted yet."),
            "due_at": deadline.due_at,
        },
        deadline=deadline,
        url="/notifications/",
    )


def seed(count: int) -> None:
    """`count` people, each with one reminder that fell due in the last day."""
    from django.contrib.contenttypes.models import ContentType
    from django.utils import timezone

    from accounts.models import Organisation, User
    from deadlines.models import Deadline

    firm = Organisation.objects.create(
        kind="firm", name="Bench Pharma", inn="7707083893", ogrn="1027700132195", kpp="773601001"
    )
    users = User.objects.bulk_create(
        (
            User(
                username=f"bench{i}",
                email=f"bench{i}@example.org",
                organisation=firm,
                language="ru" if i % 2 else "en",
            )
            for i in range(count)
        ),
        batch_size=2000,
    )
    user_type = ContentType.objects.get_for_model(User)
    now = timezone.now()
    Deadline.objects.bulk_create(
        (
            Deadline(
                kind=KIND,
                target_type=user_type,
                target_id=user.pk,
                due_at=now - timedelta(seconds=86400 * (i + 1) / count),
                run_after=now - timedelta(seconds=86400 * (i + 1) / count),
            )
            for i, user in enumerate(users)
        ),
        batch_size=2000,
    )


class QueryCounter:
    """Counts queries on every connection of this process (each sweeper thread has its own)."""

    def __init__(self) -> None:
        self.count = 0
        self._lock = threading.Lock()

    def __call__(self, execute, sql, params, many, context):
        with self._lock:
            self.count += 1
        return execute(sql, params, many, context)


def drain(sweepers: int, counter: QueryCounter) -> tuple[float, int, list[str]]:
    from django.db import connection

    from deadlines.sweeper import sweep

    processed: list[int] = []
    errors: list[str] = []

    def work() -> None:
        try:
            with connection.execute_wrapper(counter):
                processed.append(sweep().processed)
        except Exception as exc:
            errors.append(repr(exc))
        finally:
            connection.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=work) for _ in range(sweepers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started, sum(processed), errors


def run(count: int = 10_000, sweepers: int = 1) -> dict:
    """Seed, sweep and verify in a scratch database; return the measurements."""
    from django.db import connection

    from config.celery import app

    # The e-mails are queued in the outbox and published after each commit, as in production, but
    # to an in-process broker: the demo's broker folders and a shared Redis stay untouched.
    app.conf.broker_url = "memory://"
    app.conf.broker_transport_options = {}
    connection.settings_dict["TEST"]["NAME"] = "bench_fc_deadlines"
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        from core.models import OutboxMessage
        from deadlines.models import Deadline, DeadlineState, Notification
        from deadlines.registry import register_handler

        register_handler(KIND, remind)
        seed(count)
        counter = QueryCounter()
        seconds, processed, errors = drain(sweepers, counter)
        fired = Deadline.objects.filter(state=DeadlineState.FIRED).count()
        notifications = Notification.objects.filter(kind=KIND).count()
        distinct = Notification.objects.filter(kind=KIND).values("deadline").distinct().count()
        queued = OutboxMessage.objects.filter(task_name="deadlines.send_notification_email").count()
        return {
            "scenario": "deadlines: due reminders swept",
            "deadlines": count,
            "sweepers": sweepers,
            "seconds_to_drain": round(seconds, 2),
            "deadlines_per_second": round(processed / seconds, 1) if seconds else None,
            "processed": processed,
            "fired": fired,
            "notifications": notifications,
            "deadlines_with_a_notification": distinct,
            "emails_queued": queued,
            "queries_per_deadline": round(counter.count / max(processed, 1), 2),
            "errors": errors,
            "ok": not errors and fired == count and notifications == count and distinct == count,
        }
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


def metrics(result: dict) -> list[dict]:
    """The rows `bench/run.py` tabulates (issue 4: time to drain, effect count, queries per deadline)."""
    sys.path.insert(0, str(BASE_DIR))
    from bench.seeding import metric

    n = result["deadlines"]
    return [
        metric(
            f"time to drain {n:,} due reminders ({result['sweepers']} sweeper)",
            result["seconds_to_drain"],
            "s",
        ),
        metric("notifications sent (exactly one per deadline)", result["notifications"], "", n, op="="),
        metric("deadlines with a notification", result["deadlines_with_a_notification"], "", n, op="="),
        metric("sweep queries per deadline", result["queries_per_deadline"], ""),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--sweepers", type=int, default=1)
    parser.add_argument("--quick", action="store_true", help="500 deadlines")
    parser.add_argument("--json", type=Path, help="also write the result to this file")
    args = parser.parse_args(argv)
    if args.quick:
        args.count = 500
    setup_django()
    import logging

    logging.getLogger("deadlines").setLevel(logging.WARNING)
    result = run(count=args.count, sweepers=args.sweepers)
    text = json.dumps([*metrics(result), result], indent=2)
    print(text)
    if args.json:
        args.json.write_text(text + "\n")
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
