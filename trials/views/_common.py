"""Helpers shared by the trials pages: policy checks, scoped lookups, running one service."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect

from core import policy
from core.errors import DomainError, Forbidden, NotFound
from core.forms import apply_domain_error
from core.idempotency import run_once

MANAGE = "trials.manage"
FIRM = "trials.firm_edit"
READ = "trials.read"
READ_ALL = "trials.read_all"
UPLOAD = "trials.evidence_upload"
PAGE_SIZE = 25


def require(request: HttpRequest, name: str, obj: Any = None) -> None:
    """403 with the policy's reason (the error page shows it)."""
    decision = policy.can(request.user, name, obj)
    if not decision:
        raise PermissionDenied(decision.reason)


def found(lookup: Callable[..., Any], request: HttpRequest, pk: Any) -> Any:
    """Call a scoped selector; its NotFound (also for another firm's object) becomes a 404 page.

    No role check first: the selectors scope by role, so anyone who may not read an object (another
    firm, a reviewer) gets the same 404 as for an id that does not exist."""
    try:
        return lookup(request.user, pk)
    except NotFound as exc:
        raise Http404(exc.message) from exc


def refused(exc: DomainError) -> None:
    """A service's Forbidden or NotFound becomes the 403/404 page; other refusals are the caller's."""
    if isinstance(exc, Forbidden):
        raise PermissionDenied(exc.message) from exc
    if isinstance(exc, NotFound):
        raise Http404(exc.message) from exc


def show_refusal(form: forms.BaseForm, exc: DomainError) -> None:
    """Every message of `details` beside its field (or on top), else the message beside `exc.field`."""
    details = {name: msgs for name, msgs in (exc.details or {}).items() if isinstance(msgs, list | tuple)}
    if not details:
        apply_domain_error(form, exc)
        return
    for name, texts in details.items():
        for text in texts:
            form.add_error(name if name in form.fields else None, str(text))


def submit(
    request: HttpRequest,
    form: forms.BaseForm,
    call: Callable[[dict], Any],
    *,
    success: Any,
    to: Callable[[Any], str],
    page: Callable[[], HttpResponse],
) -> HttpResponse:
    """Validate `form`, run one service `call(cleaned_data)` once per form token, and redirect to
    `to(result)` with `success`; otherwise render `page()` with the refusal beside its field (400)."""

    def handle() -> HttpResponse:
        if form.is_valid():
            try:
                result = call(form.cleaned_data)
            except DomainError as exc:
                refused(exc)
                show_refusal(form, exc)
            else:
                messages.success(request, success)
                return redirect(to(result))
        response = page()
        response.status_code = 400
        return response

    try:
        return run_once(request, handle)
    except DomainError as exc:  # a replayed token with other values, or one still in flight
        show_refusal(form, exc)
        response = page()
        response.status_code = 409 if exc.status_code == 409 else 400
        return response


def button(request: HttpRequest, call: Callable[[], Any], *, success: Any, back: str) -> HttpResponse:
    """A POST button without fields: run one service, say what happened, go back to the page."""

    def handle() -> HttpResponse:
        try:
            call()
        except DomainError as exc:
            refused(exc)
            messages.error(request, exc.message)
        else:
            messages.success(request, success)
        return redirect(back)

    try:
        return run_once(request, handle)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect(back)


def paginate(request: HttpRequest, queryset: Any) -> Any:
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
