"""Pieces shared by the trials API views: the money-move decorator and its documented header."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter

from core.idempotency import HEADER, idempotent

IDEMPOTENCY_KEY = OpenApiParameter(
    HEADER,
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=True,
    description="1-200 printable ASCII characters, unique per request. A replay with the same key and "
    "body returns the first response (header `Idempotent-Replayed: true`) and moves no money again; "
    "the same key with another body is a 422 `idempotency_key_reused`.",
)


def money_move(handler: Callable) -> Callable:
    """`@idempotent(required=True)` for a POST that moves money. On a detail route the object is looked
    up first, so another firm still gets its 404 and an auditor its 403 before the key is demanded
    (400 `idempotency_key_required`). Put it below `@action(...)`."""
    keyed = idempotent(handler, required=True)

    @wraps(handler)
    def wrapper(view: Any, request: Any, *args: Any, **kwargs: Any) -> Any:
        if (view.lookup_url_kwarg or view.lookup_field) in kwargs:
            view.get_object()
        return keyed(view, request, *args, **kwargs)

    return wrapper
