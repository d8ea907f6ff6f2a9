"""What every reviewers page shares: domain refusals as 404/403 pages, policy checks, going back."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.http import url_has_allowed_host_and_scheme

from core import policy
from core.errors import DomainError, Forbidden, NotFound

PAGE_SIZE = 25


def pages(view: Callable) -> Callable:
    """Selectors refuse with NotFound (shown as the 404 page: nothing leaks) or Forbidden (403 with
    the reason); a view then only handles the refusals it can explain on the page itself."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except NotFound as exc:
            raise Http404 from exc
        except Forbidden as exc:
            raise PermissionDenied(exc.message) from exc

    return wrapper


def require(request: HttpRequest, name: str, obj: Any = None) -> None:
    decision = policy.can(request.user, name, obj)
    if not decision:
        raise PermissionDenied(decision.reason)


def back(request: HttpRequest, fallback: str) -> HttpResponseRedirect:
    """Return to the page the form was on (same host only), else `fallback`."""
    target = request.POST.get("next") or request.META.get("HTTP_REFERER", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return HttpResponseRedirect(target)
    return HttpResponseRedirect(fallback)


def act(request: HttpRequest, action: Callable[[], Any], success: str, fallback: str) -> HttpResponseRedirect:
    """Run a one-button action; tell the result (or the refusal's reason) and go back."""
    try:
        action()
    except NotFound:
        raise
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, success)
    return back(request, fallback)
