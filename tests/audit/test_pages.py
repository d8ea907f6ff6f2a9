"""The auditor's trail page: filters, keyset pages, expandable rows, chain status, verify now, detail."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit import views
from audit.services import checkpoint_record, record_event
from tests.audit.conftest import raw_sql, trigger_disabled

pytestmark = pytest.mark.django_db

EVENTS = reverse("audit:events")


def page(client, user, url=EVENTS, **params):
    client.force_login(user)
    response = client.get(url, params)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def shown_ids(html: str) -> list[int]:
    import re

    return [int(n) for n in re.findall(r'<tr data-event-id="(\d+)">', html)]


@pytest.mark.rule(37)
def test_auditor_sees_the_trail_newest_first_with_actor_role_and_reason(client, auditor, chain):
    html = page(client, auditor)
    assert shown_ids(html) == [e.id for e in reversed(chain)]
    assert chain[0].actor_label in html
    assert "Program officer" in html  # the role, by its name
    assert "organisation.update" in html
    assert "step 3" in html


@pytest.mark.parametrize("fixture", ["applicant", "reviewer"])
def test_applicants_and_reviewers_are_refused_every_trail_page(client, request, fixture, chain):
    user = request.getfixturevalue(fixture)
    client.force_login(user)
    urls = [EVENTS, reverse("audit:event", args=[chain[0].id]), reverse("audit:export")]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 403, url
        assert "Only auditors, program officers and administrators can read the audit trail." in (
            response.content.decode()
        )
    assert client.post(reverse("audit:verify")).status_code == 403


def test_officer_reads_the_trail_too(client, officer, chain):
    assert shown_ids(page(client, officer)) == [e.id for e in reversed(chain)]


def test_signed_out_visitor_is_sent_to_sign_in(client):
    response = client.get(EVENTS)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_each_row_expands_to_its_before_and_after_json(client, auditor, chain):
    html = page(client, auditor)
    target = chain[1]
    assert f'data-bs-target="#event-{target.id}-data"' in html
    row = html.split(f'id="event-{target.id}-data"')[1].split("</tr>")[0]
    assert "&quot;name&quot;: &quot;Name 2&quot;" in row  # before
    assert "&quot;name&quot;: &quot;Name 3&quot;" in row  # after


def test_filters_by_action_prefix_object_actor_and_role(client, auditor, officer, chain):
    other = record_event(
        actor="system:deadlines.sweep", action="deadline.fire", object_type="deadlines.deadline", object_id=9
    )
    assert shown_ids(page(client, auditor, action="deadline.")) == [other.id]
    assert shown_ids(page(client, auditor, action="organisation")) == [e.id for e in reversed(chain)]
    assert shown_ids(page(client, auditor, object_type="deadlines.deadline", object_id="9")) == [other.id]
    assert shown_ids(page(client, auditor, actor=officer.username)) == [e.id for e in reversed(chain)]
    assert shown_ids(page(client, auditor, role="system")) == [other.id]
    assert shown_ids(page(client, auditor, role="officer", q="step 4")) == [chain[3].id]
    assert shown_ids(page(client, auditor, role="auditor")) == []
    assert "No event matches" in page(client, auditor, role="auditor")


def test_dates_are_moscow_calendar_days(client, auditor, officer):
    # 22:30 UTC on 1 March is 01:30 on 2 March in Moscow.
    with time_machine.travel(datetime(2026, 3, 1, 22, 30, tzinfo=UTC), tick=False):
        late = record_event(actor=officer, action="x.late", object_type="t", object_id=1)
    with time_machine.travel(datetime(2026, 3, 1, 20, 59, tzinfo=UTC), tick=False):
        early = record_event(actor=officer, action="x.early", object_type="t", object_id=2)

    assert shown_ids(page(client, auditor, date_from="2026-03-02")) == [late.id]
    assert shown_ids(page(client, auditor, date_to="2026-03-01")) == [early.id]
    html = page(client, auditor, date_from="2026-03-01", date_to="2026-03-01")
    assert shown_ids(html) == [early.id]
    assert "01.03.2026 23:59:00" in html  # shown in Moscow time


def test_an_invalid_filter_shows_the_error_and_no_events(client, auditor, chain):
    html = page(client, auditor, date_from="yesterday")
    assert shown_ids(html) == []
    assert "Some filters are not valid" in html
    assert "Enter a valid date." in html


def test_keyset_pages_walk_older_and_back_newer(client, auditor, chain, monkeypatch):
    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    ids = [e.id for e in reversed(chain)]  # newest first: 5 4 3 2 1 (relative)

    first = page(client, auditor)
    assert shown_ids(first) == ids[:2]
    assert "Newer events" not in first
    second = page(client, auditor, before=ids[1])
    assert shown_ids(second) == ids[2:4]
    last = page(client, auditor, before=ids[3])
    assert shown_ids(last) == ids[4:]
    assert "Older events" not in last
    back = page(client, auditor, after=ids[2])
    assert shown_ids(back) == ids[:2]
    assert "Newer events" not in back and "Older events" in back


def test_pager_links_keep_the_filters(client, auditor, chain, monkeypatch):
    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    html = page(client, auditor, action="organisation.")
    assert f"?action=organisation.&amp;before={chain[3].id}" in html
    assert 'href="/audit/export.csv?action=organisation."' in html


def test_list_runs_the_same_queries_at_two_sizes(client, auditor, officer, django_assert_num_queries):
    client.force_login(auditor)
    checkpoint_record()
    client.get(EVENTS)  # warm-up: first-request work (session, caches) is not the page's cost
    for n in range(3):
        record_event(actor=officer, action="x.small", object_type="t", object_id=n, after={"n": n})
    with CaptureQueriesContext(connection) as small:
        assert client.get(EVENTS).status_code == 200
    for n in range(40):
        record_event(actor=officer, action="x.large", object_type="t", object_id=n, reason="r")
    with django_assert_num_queries(len(small.captured_queries)):
        html = client.get(EVENTS).content.decode()
    assert len(shown_ids(html)) == 44


def test_status_panel_before_any_checkpoint(client, auditor, chain):
    assert "Not verified yet." in page(client, auditor)


def test_status_panel_shows_the_latest_checkpoint(client, auditor, chain, officer):
    checkpoint_record()
    record_event(actor=officer, action="x.after", object_type="t", object_id=1)
    html = page(client, auditor)
    assert f"Chain intact up to #{chain[-1].id}" in html
    assert "Last checkpoint" in html
    assert "2 events appended since" in html  # the checkpoint's own event and one more


def test_status_panel_shows_a_broken_checkpoint(client, auditor, chain):
    with trigger_disabled():
        raw_sql("UPDATE audit_auditevent SET reason = 'x' WHERE id = %s", [chain[2].id])
    checkpoint_record()
    html = page(client, auditor)
    assert f"Broken at #{chain[2].id}: edited: the event&#x27;s content no longer matches its hash" in html


def test_event_detail_shows_fields_hashes_and_changes(client, auditor, chain):
    event = chain[2]
    html = page(client, auditor, reverse("audit:event", args=[event.id]))
    assert f"Event #{event.id}: organisation.update" in html
    assert event.hash in html and event.prev_hash in html
    assert "matches the content" in html
    assert '<td class="font-monospace">name</td><td>Name 3</td><td>Name 4</td>' in html


@pytest.mark.rule(36)
def test_event_detail_flags_an_edited_event(client, auditor, chain):
    with trigger_disabled():
        raw_sql("UPDATE audit_auditevent SET reason = 'x' WHERE id = %s", [chain[2].id])
    html = page(client, auditor, reverse("audit:event", args=[chain[2].id]))
    assert "does not match the content: edited" in html


def test_missing_event_is_404(client, auditor, chain):
    client.force_login(auditor)
    assert client.get(reverse("audit:event", args=[chain[-1].id + 100])).status_code == 404


def test_auditor_dashboard_shows_the_chain_panel_and_the_menu_links_the_trail(client, auditor, chain):
    checkpoint_record()
    html = page(client, auditor, reverse("core:dashboard"))
    assert 'id="audit-panel-title"' in html
    assert "6 events recorded" in html  # five plus the checkpoint's own
    assert f"Chain intact up to #{chain[-1].id}" in html
    assert f'href="{EVENTS}"' in html


def test_applicant_menu_has_no_trail_link(client, applicant):
    html = page(client, applicant, reverse("core:dashboard"))
    assert f'href="{EVENTS}"' not in html
    assert 'id="audit-panel-title"' not in html
