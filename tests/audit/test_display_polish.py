"""The object-history panel shows payload values as people read them: money, Moscow time, names."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext

from audit.selectors import events_for_object
from audit.services import record_event
from tests import factories

pytestmark = pytest.mark.django_db


def render(obj) -> tuple[str, int]:
    events = list(events_for_object(obj))
    with CaptureQueriesContext(connection) as captured:
        html = render_to_string("audit/_object_history.html", {"events": events})
    return html, len(captured)


def test_money_times_and_people_are_shown_readably(officer, firm):
    approver = factories.OfficerFactory(
        first_name="Irina", last_name="Volkova", organisation=officer.organisation
    )
    record_event(
        actor=approver,
        action="payout.approve",
        obj=firm,
        before={"state": "proposed", "approved_by": None, "amount": Decimal("4000000.00")},
        after={
            "state": "approved",
            "approved_by": approver.pk,
            "approved_at": dt.datetime(2026, 11, 23, 11, 42, 7, tzinfo=dt.UTC),
            "due_date": dt.date(2026, 12, 1),
            "amount": Decimal("3500000.50"),
            "net_paid_kopecks": 123456,
            "accepted_total": Decimal("7000001.00"),
            "consensus_total": "4.50",
            "claim": 2,
        },
        reason="Second signature.",
    )
    html, _queries = render(firm)
    assert "approved_by:</span>" in html and "<ins>Irina Volkova</ins>" in html
    assert "null" not in html  # an empty value before is not written out
    assert f"approved_by: {approver.pk}" not in html
    assert "<del>4\u202f000\u202f000,00\u00a0₽</del> → <ins>3\u202f500\u202f000,50\u00a0₽</ins>" in html
    assert "<ins>1\u202f234,56\u00a0₽</ins>" in html and "<ins>7\u202f000\u202f001,00\u00a0₽</ins>" in html
    assert "<ins>23.11.2026 14:42 МСК</ins>" in html and "2026-11-23T11:42" not in html
    assert "<ins>01.12.2026</ins>" in html
    # Neither scores nor other ids are taken for money or people.
    assert "<ins>4.50</ins>" in html and "<ins>2</ins>" in html
    assert f'title="{approver.username}">Irina Volkova</span>' in html  # the actor by name too


def test_one_query_for_every_person_however_many_events(officer, firm):
    def event(n: int) -> None:
        person = factories.OfficerFactory(organisation=officer.organisation)
        record_event(actor=person, action="x.update", obj=firm, after={"decided_by": person.pk, "step": n})

    event(0)
    _html, few = render(firm)
    for n in range(1, 6):
        event(n)
    html, many = render(firm)
    assert few == many == 1
    assert "decided_by: #" not in html
