"""Walking the hash chain (rule 36): the first event whose link or hash does not hold is named.

The table is streamed in id order with a server-side cursor, keeping only the previous event's id and
hash, so memory stays flat however long the trail grows. Besides each event's own hash and its link to
the previous one, the walk checks two anchors kept outside the events: the chain head (the last
appended id and hash, read before the walk so concurrent appends cannot cause a false alarm) and every
successful checkpoint. They catch a deleted tail and a chain recomputed after an edit.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext

from audit.enums import ChainProblem
from audit.hashing import GENESIS_HASH, HASHED_FIELDS, event_hash, fields_of
from audit.models import AuditCheckpoint, AuditEvent, ChainHead

COLUMNS = (*HASHED_FIELDS, "prev_hash", "hash")


@dataclass(frozen=True)
class ChainReport:
    """The outcome of one walk. When `ok` is false, `first_broken_id` and `problem` say where and what."""

    ok: bool
    events_checked: int
    last_verified_id: int
    last_verified_hash: str
    first_broken_id: int | None = None
    problem: str = ""
    detail: str = ""
    head_event_id: int = 0
    checked_at: datetime = field(default_factory=timezone.now)

    @property
    def problem_label(self) -> str:
        return str(ChainProblem(self.problem).label) if self.problem else ""

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["problem_label"] = self.problem_label
        data["checked_at"] = self.checked_at.isoformat()
        return data


def stored_hash_matches(event: Any) -> bool:
    """Whether one event's stored hash is the hash of its own fields (the link is not checked)."""
    return event_hash(event.prev_hash, fields_of(event)) == event.hash


def _anchors() -> tuple[int, dict[int, str]]:
    """The chain head's last id, and the hash each anchored event must have."""
    anchors = dict(AuditCheckpoint.objects.filter(ok=True).values_list("last_event_id", "last_hash"))
    head = ChainHead.objects.filter(id=1).values_list("last_event_id", "last_hash").first()
    head_id = 0
    if head and head[0] > 0:
        head_id = head[0]
        anchors[head_id] = head[1]
    return head_id, anchors


def _check(row: Any, expected_id: int, prev_hash: str, anchors: dict[int, str]) -> tuple[str, str]:
    """(problem, detail) for one event given the event before it; ("", "") when it holds."""
    if row.id != expected_id:
        return ChainProblem.DELETED, gettext("expected event #%(expected)s, found #%(found)s") % {
            "expected": expected_id,
            "found": row.id,
        }
    if row.prev_hash != prev_hash:
        return ChainProblem.REORDERED, gettext("it links to %(link)s…, the previous event is %(prev)s…") % {
            "link": row.prev_hash[:12],
            "prev": prev_hash[:12],
        }
    recomputed = event_hash(row.prev_hash, fields_of(row))
    if recomputed != row.hash:
        return ChainProblem.EDITED, gettext("stored hash %(stored)s…, its content hashes to %(actual)s…") % {
            "stored": row.hash[:12],
            "actual": recomputed[:12],
        }
    anchored = anchors.get(row.id)
    if anchored is not None and anchored != row.hash:
        return ChainProblem.REWRITTEN, gettext("hash %(stored)s…, recorded earlier as %(anchored)s…") % {
            "stored": row.hash[:12],
            "anchored": anchored[:12],
        }
    return "", ""


def verify_chain(*, chunk_size: int = 2000, progress: Callable[[int], None] | None = None) -> ChainReport:
    """Walk the whole trail in id order and report the first broken event, if any. `progress` is
    told the number of events checked after every `chunk_size` of them."""
    head_id, anchors = _anchors()
    # On PostgreSQL a transaction lets the server-side cursor stream; in autocommit Django opens it
    # WITH HOLD, which materialises the whole result before the first row. SQLite's transactions
    # take the write lock (IMMEDIATE mode), so there the walk runs without one.
    in_transaction = transaction.atomic() if connection.vendor == "postgresql" else nullcontext()
    with in_transaction:
        return _walk(head_id, anchors, chunk_size, progress)


def _walk(
    head_id: int, anchors: dict[int, str], chunk_size: int, progress: Callable[[int], None] | None
) -> ChainReport:
    checked = 0
    last_id, last_hash = 0, GENESIS_HASH
    rows = AuditEvent.objects.order_by("id").values_list(*COLUMNS, named=True).iterator(chunk_size=chunk_size)
    for row in rows:
        checked += 1
        problem, detail = _check(row, last_id + 1, last_hash, anchors)
        if problem:
            return ChainReport(
                ok=False,
                events_checked=checked,
                last_verified_id=last_id,
                last_verified_hash=last_hash,
                first_broken_id=row.id,
                problem=problem,
                detail=detail,
                head_event_id=head_id,
            )
        last_id, last_hash = row.id, row.hash
        if progress is not None and checked % chunk_size == 0:
            progress(checked)
    if last_id < head_id:
        return ChainReport(
            ok=False,
            events_checked=checked,
            last_verified_id=last_id,
            last_verified_hash=last_hash,
            first_broken_id=last_id + 1,
            problem=ChainProblem.TRUNCATED,
            detail=gettext("the chain head records event #%(head)s, the trail ends at #%(last)s")
            % {"head": head_id, "last": last_id},
            head_event_id=head_id,
        )
    return ChainReport(
        ok=True,
        events_checked=checked,
        last_verified_id=last_id,
        last_verified_hash=last_hash,
        head_event_id=head_id,
    )
