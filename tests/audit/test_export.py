"""CSV export of the filtered trail: streamed, Excel-readable, formulas defused."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest
import time_machine
from django.http import StreamingHttpResponse
from django.urls import reverse

from audit.exports import escape_cell
from audit.services import record_event

pytestmark = pytest.mark.django_db

EXPORT = reverse("audit:export")


def download(client, user, **params) -> tuple[StreamingHttpResponse, str]:
    client.force_login(user)
    response = client.get(EXPORT, params)
    assert response.status_code == 200
    return response, b"".join(response.streaming_content).decode("utf-8")


def test_export_streams_every_matching_event_with_a_bom(client, auditor, chain):
    response, text = download(client, auditor)
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="audit-trail-')
    assert text.startswith("\ufeffEvent,Time (Moscow),Actor,")
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
    assert [int(r[0]) for r in rows[1:]] == [e.id for e in chain]  # oldest first, like the chain
    first = dict(zip(rows[0], rows[1], strict=True))
    assert first["Action"] == "organisation.update"
    assert first["Before"] == '{"name": "Name 1"}'
    assert first["Reason"] == "step 1"
    assert first["Hash"] == chain[0].hash


def test_export_applies_the_page_filters(client, auditor, officer, chain):
    other = record_event(
        actor="system:x", action="deadline.fire", object_type="deadlines.deadline", object_id=3
    )
    _, text = download(client, auditor, action="deadline.")
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
    assert [int(r[0]) for r in rows[1:]] == [other.id]


def test_export_times_are_moscow(client, auditor, officer):
    with time_machine.travel(datetime(2026, 5, 9, 21, 15, 30, tzinfo=UTC), tick=False):
        record_event(actor=officer, action="x", object_type="t", object_id=1)
    _, text = download(client, auditor)
    assert "2026-05-10T00:15:30+03:00" in text


def test_formula_like_cells_are_defused(client, auditor, officer):
    record_event(
        actor=officer,
        action="claim.reject",
        object_type="trials.claim",
        object_id=1,
        reason='=HYPERLINK("http://evil.example","click")',
    )
    record_event(actor=officer, action="x", object_type="t", object_id="-1", reason="@SUM(A1)")
    _, text = download(client, auditor)
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
    reasons = [r[12] for r in rows[1:]]
    assert reasons == ['\'=HYPERLINK("http://evil.example","click")', "'@SUM(A1)"]
    assert rows[2][8] == "'-1"  # object id


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+7 495", "'+7 495"),
        ("-5", "'-5"),
        ("@x", "'@x"),
        ("\tx", "'\tx"),
        ("ok", "ok"),
        (5, 5),
    ],
)
def test_escape_cell(value, expected):
    assert escape_cell(value) == expected


def test_invalid_filter_is_a_400_page_not_a_file(client, auditor, chain):
    client.force_login(auditor)
    response = client.get(EXPORT, {"date_to": "31.02.2026"})
    assert response.status_code == 400
    assert "Enter a valid date." in response.content.decode()
