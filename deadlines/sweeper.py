"""The sweeper: fire every due deadline once, one transaction per row.

For each due row, in due order: claim it, run its handler inside a savepoint, and mark it fired, all
in one transaction. So the handler's effects and the "fired" mark commit together or not at all. A
worker killed halfway leaves the row scheduled, and the next sweep fires it.

Claiming: on PostgreSQL `SELECT … FOR UPDATE SKIP LOCKED` lets several sweepers work side by side,
each taking different rows. Everywhere, the claim is also a conditional UPDATE
(`WHERE state = 'scheduled'`), so on SQLite, which has no row locks, two sweepers still cannot both
fire a row: the loser updates nothing and moves on.

A failing handler rolls back to its savepoint; the row gets attempts + 1, the error text and a later
`run_after` (exponential backoff), or is parked after the kind's `max_attempts`. Other rows go on.
"""

from __future__ import annotations

import logging
import time
import traceback
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from audit.services import record_event
from deadlines.models import Deadline, DeadlineState
from deadlines.registry import registration_for

logger = logging.getLogger(__name__)

SWEEP_ACTOR = "system:deadlines.sweep"
ERROR_MAX_CHARS = 4000
# Rows a lost conditional claim may skip within one pick before giving up until the next sweep.
CLAIM_TRIES = 5


class NoHandler(LookupError):
    """The row's kind has no registered handler (an app was removed or is misconfigured)."""


@dataclass
class SweepResult:
    fired: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    parked: list[int] = field(default_factory=list)

    @property
    def processed(self) -> int:
        return len(self.fired) + len(self.failed) + len(self.parked)


def retry_delay(attempts: int) -> timedelta:
    """Wait before attempt `attempts + 1`: base × 2^(attempts−1), capped."""
    base = float(getattr(settings, "DEADLINE_RETRY_BASE_SECONDS", 30))
    cap = float(getattr(settings, "DEADLINE_RETRY_MAX_SECONDS", 3600))
    return timedelta(seconds=min(cap, base * 2 ** max(attempts - 1, 0)))


def _due(now: datetime):
    return Deadline.objects.filter(state=DeadlineState.SCHEDULED, run_after__lte=now).order_by("due_at", "id")


def _claim(now: datetime) -> Deadline | None:
    """Take the earliest due row for this transaction, or None when nothing is due (or free)."""
    skipped: list[int] = []
    for _try in range(CLAIM_TRIES):
        rows = _due(now).exclude(pk__in=skipped)
        if connection.features.has_select_for_update_skip_locked:
            rows = rows.select_for_update(skip_locked=True)
        deadline = rows.first()
        if deadline is None:
            return None
        claimed = Deadline.objects.filter(pk=deadline.pk, state=DeadlineState.SCHEDULED).update(
            state=DeadlineState.FIRED, fired_at=now, attempts=F("attempts") + 1, updated_at=now
        )
        if claimed:
            deadline.state = DeadlineState.FIRED
            deadline.fired_at = now
            deadline.attempts += 1
            return deadline
        skipped.append(deadline.pk)  # another sweeper fired it between our read and our update
    return None


def _run_handler(deadline: Deadline) -> None:
    registration = registration_for(deadline.kind)
    if registration is None:
        raise NoHandler(f"No handler is registered for the kind {deadline.kind!r}.")
    registration.handler(deadline)


def _record_failure(deadline: Deadline, error: BaseException, now: datetime) -> str:
    registration = registration_for(deadline.kind)
    max_attempts = registration.max_attempts if registration else 1
    parked = deadline.attempts >= max_attempts
    text = "".join(traceback.format_exception(error))[-ERROR_MAX_CHARS:]
    state = DeadlineState.PARKED if parked else DeadlineState.SCHEDULED
    Deadline.objects.filter(pk=deadline.pk).update(
        state=state,
        fired_at=None,
        last_error=text,
        run_after=now + retry_delay(deadline.attempts),
        updated_at=now,
    )
    logger.warning(
        "deadline %s (%s) failed on attempt %s%s",
        deadline.pk,
        deadline.kind,
        deadline.attempts,
        ", parked" if parked else "",
        exc_info=error,
    )
    if parked:
        record_event(
            actor=SWEEP_ACTOR,
            action="deadline.parked",
            obj=deadline,
            before={"state": DeadlineState.SCHEDULED},
            after={"state": DeadlineState.PARKED, "attempts": deadline.attempts, "error": str(error)[:500]},
        )
        return "parked"
    return "failed"


def fire_next() -> tuple[str, int] | None:
    """Claim and fire the earliest due deadline in one transaction.

    Returns ("fired" | "failed" | "parked", deadline id), or None when nothing is due.
    """
    now = timezone.now()
    with transaction.atomic():
        deadline = _claim(now)
        if deadline is None:
            return None
        try:
            with transaction.atomic():  # savepoint: a failing handler's writes go, the claim stays
                _run_handler(deadline)
        except Exception as error:
            return _record_failure(deadline, error, now), deadline.pk
        record_event(
            actor=SWEEP_ACTOR,
            action="deadline.fired",
            obj=deadline,
            before={"state": DeadlineState.SCHEDULED},
            after={
                "state": DeadlineState.FIRED,
                "kind": deadline.kind,
                "due_at": deadline.due_at,
                "attempt": deadline.attempts,
            },
        )
        return "fired", deadline.pk


def sweep(*, max_rows: int | None = None, max_seconds: float | None = None) -> SweepResult:
    """Fire due deadlines until none is due, or until `max_rows` / `max_seconds` is reached.

    Safe to run in several processes at once and to run again at any time.
    """
    result = SweepResult()
    started = time.monotonic()
    while max_rows is None or result.processed < max_rows:
        if max_seconds is not None and time.monotonic() - started >= max_seconds:
            break
        outcome = fire_next()
        if outcome is None:
            break
        status, deadline_id = outcome
        getattr(result, status).append(deadline_id)
    if result.processed:
        logger.info(
            "deadline sweep: %s fired, %s failed, %s parked",
            len(result.fired),
            len(result.failed),
            len(result.parked),
        )
    return result
