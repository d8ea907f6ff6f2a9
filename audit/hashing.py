"""Canonical form and hash of an audit event; no ORM here so the verifier and writer share it."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from decimal import Decimal
from typing import Any

GENESIS_HASH = "0" * 64


def _default(value: Any) -> str:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def canonical_json(payload: dict) -> str:
    return json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=_default)


def normalise(value: Any) -> Any:
    """What a JSON column gives back for `value`, so the hash is the same before and after storage."""
    return json.loads(canonical_json({"v": value}))["v"]


def event_hash(prev_hash: str, fields: dict) -> str:
    return hashlib.sha256((prev_hash + canonical_json(fields)).encode("utf-8")).hexdigest()


HASHED_FIELDS = (
    "id",
    "created_at",
    "actor_id",
    "actor_label",
    "actor_role",
    "organisation_id",
    "action",
    "object_type",
    "object_id",
    "object_repr",
    "before",
    "after",
    "reason",
)


def fields_of(event: Any) -> dict:
    """The hashed fields of an event-like object (model instance or row namespace)."""
    out = {name: getattr(event, name) for name in HASHED_FIELDS}
    out["created_at"] = out["created_at"].isoformat()
    out["id"] = int(out["id"])
    return out
