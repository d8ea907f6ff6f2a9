"""Who reads the trail, and the history panel other pages include."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.template.loader import render_to_string

from audit.selectors import events_for_object, events_visible_to
from audit.services import record_event
from audit.templatetags.audit_trail import audit_time
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.mark.rule(37)
@pytest.mark.parametrize(
    ("fixture", "sees"), [("auditor", 5), ("officer", 5), ("applicant", 0), ("reviewer", 0)]
)
def test_events_visible_to_by_role(request, chain, fixture, sees):
    user = request.getfixturevalue(fixture)
    assert events_visible_to(user).count() == sees


def test_administrator_sees_everything(chain):
    admin = factories.UserFactory(role="admin", organisation=None, is_superuser=True, is_staff=True)
    assert events_visible_to(admin).count() == 5


def test_anonymous_sees_nothing(chain):
    assert list(events_visible_to(AnonymousUser())) == []


def test_events_for_object_is_its_history_oldest_first(officer, firm, chain):
    record_event(actor=officer, action="organisation.update", obj=firm, after={"name": "Other"})
    history = list(events_for_object(officer.organisation))
    assert [e.id for e in history] == [e.id for e in chain]
    assert [e.id for e in events_for_object(officer.organisation, limit=2)] == [chain[3].id, chain[4].id]


def test_events_for_object_scoped_to_a_user(officer, applicant, chain):
    assert list(events_for_object(officer.organisation, user=applicant)) == []
    assert len(events_for_object(officer.organisation, user=officer)) == 5


def test_history_panel_shows_moscow_time_actor_role_change_and_reason(officer, chain):
    html = render_to_string("audit/_object_history.html", {"events": events_for_object(officer.organisation)})
    assert audit_time(chain[0].created_at) in html
    assert officer.username in html
    assert "Program officer" in html
    assert "<del>Name 1</del> → <ins>Name 2</ins>" in html
    assert "step 5" in html


def test_history_panel_when_nothing_happened():
    html = render_to_string("audit/_object_history.html", {"events": []})
    assert "Nothing recorded yet." in html


def test_audit_time_is_moscow_to_the_second():
    assert audit_time(datetime(2026, 12, 31, 21, 0, 5, tzinfo=UTC)) == "01.01.2027 00:00:05"
