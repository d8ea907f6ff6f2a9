"""Idempotency keys: a retried or double-clicked POST makes one record and gets the first response.

API: decorate a POST handler (APIView method or viewset action) with `@idempotent`, or mix
`IdempotentCreateMixin` into a viewset. A request carrying an `Idempotency-Key` header claims the
key for its user before the handler runs. Then:
- a repeat with the same key and the same body gets the stored first response (same status and body)
  with the header `Idempotent-Replayed: true`, and the handler does not run again;
- the same key with a different body (or another endpoint) -> 422 "idempotency_key_reused";
- a repeat while the first is still running -> 409 "idempotency_request_in_flight".
Only successful (2xx) responses are stored. If the handler fails, the key is released, so the client
may retry with it: a failed request changed nothing. Keys are kept 7 days (`core.purge_idempotency_keys`).

Pages: add `IdempotentFormMixin` (core.forms) to the form, which renders a hidden per-render token, and
in the view wrap the service call: `return run_once(request, lambda: create_and_redirect(form))`. A
double click then makes one record and both clicks land on the first redirect.
"""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils import timezone
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext as _
from rest_framework import mixins
from rest_framework.response import Response

from core.errors import Conflict, DomainError, Unprocessable
from core.models import IdempotencyKey

HEADER = "Idempotency-Key"
REPLAY_HEADER = "Idempotent-Replayed"
FORM_FIELD = "idempotency_token"
MAX_KEY_LENGTH = 200  # leaves room for the "form:" prefix within the column's 255
RETENTION = timedelta(days=7)
_NOT_HASHED_FORM_FIELDS = frozenset({"csrfmiddlewaretoken", FORM_FIELD})


# --- the fingerprint of a request -------------------------------------------------------------
def _canonical(value: Any) -> Any:
    if isinstance(value, MultiValueDict):
        return {str(key): [_canonical(item) for item in value.getlist(key)] for key in value}
    if isinstance(value, dict):
        return {str(key): _canonical(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_canonical(item) for item in value]
    if isinstance(value, UploadedFile):
        digest = hashlib.sha256()
        for chunk in value.chunks():
            digest.update(chunk)
        value.seek(0)
        return {"file": value.name, "size": value.size, "sha256": digest.hexdigest()}
    return value


def request_fingerprint(method: str, path: str, data: Any) -> str:
    """SHA-256 of the method, path and parsed body: equal for the same request however it is encoded."""
    payload = json.dumps(
        {"method": method.upper(), "path": path, "data": _canonical(data)},
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
        default=str,
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _valid_key(key: str) -> bool:
    return 0 < len(key) <= MAX_KEY_LENGTH and key.isascii() and key.isprintable()


# --- the store --------------------------------------------------------------------------------
def _claim(*, user: Any, key: str, method: str, path: str, request_hash: str) -> tuple[IdempotencyKey, bool]:
    """Insert the key (in its own transaction, so a concurrent duplicate sees it) or fetch the existing one."""
    for _attempt in range(3):
        try:
            with transaction.atomic():
                record = IdempotencyKey.objects.create(
                    user=user, key=key, method=method, path=path[:500], request_hash=request_hash
                )
                return record, True
        except IntegrityError:
            # The unique (user, key) index made us wait for the first request's claim to commit.
            existing = IdempotencyKey.objects.filter(user=user, key=key).first()
            if existing is not None:
                return existing, False
            # The first request failed and released the key in between: claim it again.
    raise _in_flight()


def _refuse_mismatch(record: IdempotencyKey, request_hash: str) -> None:
    if record.request_hash != request_hash:
        raise Unprocessable(
            "idempotency_key_reused",
            _("This idempotency key was already used for a different request."),
            HEADER,
        )


def _in_flight() -> Conflict:
    return Conflict(
        "idempotency_request_in_flight",
        _("The same request is still being processed. Wait a moment and retry."),
    )


def _complete(record: IdempotencyKey, status_code: int, body: Any) -> None:
    IdempotencyKey.objects.filter(pk=record.pk).update(
        status_code=status_code, response_body=body, completed=True
    )


def _release(record: IdempotencyKey) -> None:
    IdempotencyKey.objects.filter(pk=record.pk, completed=False).delete()


def purge_expired(*, now: Any = None) -> int:
    """Delete keys older than RETENTION; returns how many went."""
    cutoff = (now or timezone.now()) - RETENTION
    deleted, _per_model = IdempotencyKey.objects.filter(created_at__lt=cutoff).delete()
    return deleted


# --- API --------------------------------------------------------------------------------------
def idempotent(handler: Callable | None = None, *, required: bool = False) -> Any:
    """Decorate a DRF POST handler `(self, request, *args, **kwargs) -> Response` (see module doc).

    With `required=True` a request without the header is refused (400 "idempotency_key_required").
    Put it below `@action(...)` on viewset actions.
    """

    def decorate(func: Callable) -> Callable:
        @wraps(func)
        def wrapper(view: Any, request: Any, *args: Any, **kwargs: Any) -> Response:
            key = request.headers.get(HEADER, "")
            if not key:
                if required:
                    raise DomainError(
                        "idempotency_key_required",
                        _("Send an Idempotency-Key header with this request."),
                        HEADER,
                    )
                return func(view, request, *args, **kwargs)
            if not _valid_key(key):
                raise DomainError(
                    "invalid_idempotency_key",
                    _("An idempotency key is 1 to 200 printable ASCII characters."),
                    HEADER,
                )
            if not request.user.is_authenticated:  # keys are per user; permissions refuse anonymous writes
                return func(view, request, *args, **kwargs)
            path = request.get_full_path()
            request_hash = request_fingerprint(request.method, path, request.data)
            record, created = _claim(
                user=request.user, key=key, method=request.method, path=path, request_hash=request_hash
            )
            if not created:
                _refuse_mismatch(record, request_hash)
                if not record.completed:
                    raise _in_flight()
                return Response(
                    record.response_body, status=record.status_code, headers={REPLAY_HEADER: "true"}
                )
            try:
                response = func(view, request, *args, **kwargs)
            except BaseException:
                _release(record)
                raise
            if isinstance(response, Response) and 200 <= response.status_code < 300:
                _complete(record, response.status_code, response.data)
            else:
                _release(record)
            return response

        return wrapper

    return decorate(handler) if handler is not None else decorate


class IdempotentCreateMixin(mixins.CreateModelMixin):
    """DRF's CreateModelMixin whose `create` honours the Idempotency-Key header."""

    @idempotent
    def create(self, request: Any, *args: Any, **kwargs: Any) -> Response:
        return super().create(request, *args, **kwargs)


# --- pages ------------------------------------------------------------------------------------
def form_token() -> str:
    """A fresh token for one rendering of a form (the initial value of the hidden field)."""
    return uuid.uuid4().hex


def _wait_for(record: IdempotencyKey, seconds: float) -> IdempotencyKey | None:
    deadline = time.monotonic() + seconds
    while True:
        current = IdempotencyKey.objects.filter(pk=record.pk).first()
        if current is None or current.completed or time.monotonic() >= deadline:
            return current
        time.sleep(0.1)


def run_once(
    request: HttpRequest, handle: Callable[[], HttpResponse], *, wait_seconds: float = 10.0
) -> HttpResponse:
    """Run `handle` once per submitted form token; a repeat gets the first run's redirect.

    `handle` calls the service and returns the page's response. Only a redirect (the usual answer
    to a successful POST) is remembered; anything else (the form re-rendered with errors) releases
    the token. A repeat that arrives while the first is still running waits up to `wait_seconds` for
    it, because the browser shows the answer to the last click. Raises `Unprocessable`
    ("idempotency_key_reused") when the token comes back with other values and `Conflict`
    ("idempotency_request_in_flight") when the first run outlasts the wait; show them on the form
    with `core.forms.apply_domain_error`.
    """
    token = request.POST.get(FORM_FIELD, "")
    if not token or not _valid_key(token) or not request.user.is_authenticated:
        return handle()
    data = {key: values for key, values in request.POST.lists() if key not in _NOT_HASHED_FORM_FIELDS}
    request_hash = request_fingerprint(request.method or "POST", request.path, [data, request.FILES])
    record, created = _claim(
        user=request.user, key=f"form:{token}", method=request.method or "POST", path=request.path,
        request_hash=request_hash,
    )  # fmt: skip
    if not created:
        _refuse_mismatch(record, request_hash)
        finished = _wait_for(record, wait_seconds)
        if finished is None:  # the first run failed and released the token: this one runs instead
            return run_once(request, handle, wait_seconds=wait_seconds)
        if not finished.completed:
            raise _in_flight()
        response = HttpResponseRedirect(finished.response_body["location"])
        response.status_code = finished.status_code or 302
        response[REPLAY_HEADER] = "true"
        return response
    try:
        response = handle()
    except BaseException:
        _release(record)
        raise
    if 300 <= response.status_code < 400 and response.has_header("Location"):
        _complete(record, response.status_code, {"location": response["Location"]})
    else:
        _release(record)
    return response
