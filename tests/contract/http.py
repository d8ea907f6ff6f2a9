"""Requests as a signed-in person, and the database's row counts (to prove a refusal changed nothing)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.apps import apps
from django.urls import reverse
from rest_framework.test import APIClient

from tests.contract.discovery import Route

# Tables a request may legitimately touch without changing anyone's data.
UNCOUNTED_APPS = {"sessions", "axes", "admin", "contenttypes"}


@dataclass(frozen=True)
class Answer:
    status: int
    body: str
    location: str = ""

    def contains_any(self, secrets: list[str]) -> list[str]:
        return [secret for secret in secrets if secret and secret in self.body]


def client_for(user) -> APIClient:
    """A session-signed-in client (pages and API alike), English pages."""
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.raise_request_exception = False  # a crash is a 500 in the list of failures, not a stop
    client.force_login(user)
    return client


def url_of(route: Route, kwargs: dict[str, str] | None = None) -> str:
    return reverse(route.name, kwargs=kwargs or None)


def fetch(client: APIClient, method: str, url: str, *, api: bool, data: dict | None = None) -> Answer:
    """Send one request; a streamed body (CSV, file downloads) is read to the end."""
    if method == "get":
        response = client.get(url, data or {})
    elif api:
        response = client.generic(method.upper(), url, data="{}", content_type="application/json")
        if response.status_code == 400 and _code(response) == "idempotency_key_required":
            # Send a fresh key, as a real client must: the endpoint then answers with its scoping.
            response = client.generic(
                method.upper(),
                url,
                data="{}",
                content_type="application/json",
                headers={"Idempotency-Key": f"contract-{uuid.uuid4().hex}"},
            )
    else:
        response = client.generic(
            method.upper(), url, data="", content_type="application/x-www-form-urlencoded"
        )
    raw = b"".join(response.streaming_content) if getattr(response, "streaming", False) else response.content
    return Answer(response.status_code, raw.decode("utf-8", "replace"), response.get("Location", ""))


def _code(response) -> str:
    try:
        return str(response.json().get("code", ""))
    except (ValueError, AttributeError):
        return ""


def row_counts() -> dict[str, int]:
    return {
        model._meta.label: model._base_manager.count()
        for model in apps.get_models()
        if model._meta.app_label not in UNCOUNTED_APPS and not model._meta.proxy
    }


def changed_tables(before: dict[str, int], after: dict[str, int]) -> dict[str, tuple[int, int]]:
    return {
        label: (before.get(label, 0), count)
        for label, count in after.items()
        if before.get(label, 0) != count
    }


def report(problems: list[str], title: str, known: dict[str, str] | None = None) -> None:
    """Fail with every problem on its own line (pytest's diff would cut the list short).

    `known` maps the start of a problem ("POST grants:clarification_detail") to the defect it is, for
    defects in code another engineer is still changing. Like a strict xfail: a known defect that no
    longer shows fails too, so the entry is removed once it is fixed.
    """
    import pytest

    known = known or {}

    def key_of(problem: str) -> str | None:
        return next((key for key in known if problem.startswith(key + " ")), None)

    fresh = [problem for problem in problems if key_of(problem) is None]
    seen = {key_of(problem) for problem in problems}
    fixed = [f"{key} (was: {reason})" for key, reason in known.items() if key not in seen]
    lines = []
    if fresh:
        lines += [title, *(f"  {problem}" for problem in fresh)]
    if fixed:
        lines += [
            "Known defects that no longer show; remove them from the test's list:",
            *(f"  {f}" for f in fixed),
        ]
    if lines:
        pytest.fail("\n".join(lines), pytrace=False)
