"""Helpers shared by the selection pages."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from core import policy


def require(request: HttpRequest, name: str, obj: Any = None) -> None:
    """403 with the policy's reason, which the error page shows."""
    decision = policy.can(request.user, name, obj)
    if not decision:
        raise PermissionDenied(decision.reason)


def allowed(request: HttpRequest, name: str, obj: Any = None) -> bool:
    return bool(policy.can(request.user, name, obj))


def found(select: Any, *args: Any) -> Any:
    """Call a scoped selector; its NotFound (also for another firm's object) becomes the 404 page."""
    from django.http import Http404

    from core.errors import NotFound

    try:
        return select(*args)
    except NotFound as exc:
        raise Http404(exc.message) from exc


def raise_page_error(exc: Any) -> None:
    """A service's Forbidden or NotFound becomes the 403/404 page; other refusals are shown on forms."""
    from django.http import Http404

    from core.errors import Forbidden, NotFound

    if isinstance(exc, NotFound):
        raise Http404(exc.message) from exc
    if isinstance(exc, Forbidden):
        raise PermissionDenied(exc.message) from exc
