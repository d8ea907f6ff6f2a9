"""The inbox (everyone, own notifications only) and the deadlines page (officers)."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from audit.services import record_event
from deadlines.models import Deadline, DeadlineState, Notification
from deadlines.services import deadline_schedule
from deadlines.sweeper import sweep

pytestmark = pytest.mark.django_db


def make_notes(person, count, **fields):
    return Notification.objects.bulk_create(
        Notification(recipient=person, kind="test.notice", subject=f"Note {i}", body="Text", **fields)
        for i in range(count)
    )


def test_the_inbox_lists_only_my_notifications_with_the_unread_count(client, applicant, other_applicant):
    make_notes(applicant, 2)
    make_notes(applicant, 1, read_at=timezone.now())
    Notification.objects.create(recipient=other_applicant, kind="x", subject="Someone else's", body="secret")
    client.force_login(applicant)
    page = client.get(reverse("deadlines:inbox")).content.decode()
    assert page.count('data-notification="') == 3
    assert "Someone else" not in page
    assert "2 unread notifications" in page


def test_marking_one_read_then_all_read(client, applicant):
    first, second, third = make_notes(applicant, 3)
    client.force_login(applicant)
    response = client.post(reverse("deadlines:notification_read", args=[first.pk]))
    assert response.headers["Location"] == reverse("deadlines:inbox")
    assert list(Notification.objects.filter(read_at__isnull=True).order_by("pk")) == [second, third]
    client.post(reverse("deadlines:notifications_read_all"))
    assert not Notification.objects.filter(read_at__isnull=True).exists()
    assert "0 unread notifications" in client.get(reverse("deadlines:inbox")).content.decode()


def test_opening_a_notification_marks_it_read_and_follows_its_link(client, applicant):
    note = Notification.objects.create(
        recipient=applicant, kind="x", subject="S", body="B", url="/deadlines/"
    )
    client.force_login(applicant)
    response = client.post(reverse("deadlines:notification_read", args=[note.pk]), {"open": "1"})
    assert response.headers["Location"] == "/deadlines/"
    note.refresh_from_db()
    assert note.read_at is not None


def test_an_outside_link_is_never_followed(client, applicant):
    note = Notification.objects.create(
        recipient=applicant, kind="x", subject="S", body="B", url="https://evil.test/"
    )
    client.force_login(applicant)
    response = client.post(
        reverse("deadlines:notification_read", args=[note.pk]), {"open": "1", "next": "https://evil.test/x"}
    )
    assert response.headers["Location"] == reverse("deadlines:inbox")


def test_someone_elses_notification_is_not_found_and_stays_unread(client, applicant, other_applicant):
    theirs = Notification.objects.create(recipient=other_applicant, kind="x", subject="S", body="B")
    client.force_login(applicant)
    response = client.post(reverse("deadlines:notification_read", args=[theirs.pk]))
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_the_top_bar_shows_the_unread_badge(client, applicant):
    make_notes(applicant, 4)
    client.force_login(applicant)
    page = client.get(reverse("deadlines:inbox")).content.decode()
    bell = page[page.index('id="fc-notifications"') :]
    assert '<span class="badge rounded-pill text-bg-danger">4' in bell[:600]


def test_the_inbox_runs_the_same_queries_for_5_and_40_notifications(
    client, applicant, django_assert_num_queries
):
    client.force_login(applicant)
    make_notes(applicant, 5)
    client.get(reverse("deadlines:inbox"))  # warm caches (content types, session)
    with CaptureQueriesContext(connection) as small:
        client.get(reverse("deadlines:inbox"))
    make_notes(applicant, 35)
    with django_assert_num_queries(len(small.captured_queries)):
        client.get(reverse("deadlines:inbox"))


# --- the officers' page ---------------------------------------------------------------------


def test_applicants_may_not_see_the_deadlines_page(client, applicant):
    client.force_login(applicant)
    response = client.get(reverse("deadlines:list"))
    assert response.status_code == 403
    assert "Only program officers see the deadlines page." in response.content.decode()


def test_officers_see_upcoming_failing_parked_and_fired_with_filters(client, officer, make_due, target):
    upcoming = deadline_schedule(kind="test.effect", target=target, due_at=timezone.now() + timedelta(days=2))
    fired = make_due(minutes_ago=30)
    failing = make_due(kind="test.fail", minutes_ago=20)
    sweep()
    parked = make_due(kind="test.fail", minutes_ago=10)
    Deadline.objects.filter(pk=parked.pk).update(state=DeadlineState.PARKED, attempts=3, last_error="Boom")

    client.force_login(officer)
    page = client.get(reverse("deadlines:list")).content.decode()
    for row in (upcoming, fired, failing, parked):
        assert f'data-deadline="{row.pk}"' in page
    assert "Test effect" in page  # the registered label of the kind
    assert str(target) in page  # the object the deadline belongs to

    def shown(**query):
        html = client.get(reverse("deadlines:list"), query).content.decode()
        return {row.pk for row in (upcoming, fired, failing, parked) if f'data-deadline="{row.pk}"' in html}

    assert shown(state="upcoming") == {upcoming.pk}
    assert shown(state="failing") == {failing.pk}
    assert shown(state="parked") == {parked.pk}
    assert shown(state="fired") == {fired.pk}
    assert shown(kind="test.fail") == {failing.pk, parked.pk}


def test_an_officer_retries_a_parked_deadline_and_it_fires(client, officer, make_due, test_handlers):
    row = make_due(kind="test.flaky")
    Deadline.objects.filter(pk=row.pk).update(state=DeadlineState.PARKED, attempts=5, last_error="not yet")
    client.force_login(officer)
    page = client.get(reverse("deadlines:list"), {"state": "parked"}).content.decode()
    assert reverse("deadlines:retry", args=[row.pk]) in page  # the confirmation dialog's form

    response = client.post(reverse("deadlines:retry", args=[row.pk]), follow=True)
    assert "The deadline is back in the queue" in response.content.decode()
    row.refresh_from_db()
    assert (row.state, row.attempts) == (DeadlineState.SCHEDULED, 0)
    event = AuditEvent.objects.get(action="deadline.retried")
    assert event.actor == officer

    # The handler's problem is mended: the retried deadline now fires at the next sweep.
    record_event(actor="system:test", action="test.allow", object_type="deadline", object_id=row.pk)
    assert sweep().fired == [row.pk]


def test_retrying_a_deadline_that_is_not_parked_says_so(client, officer, make_due):
    row = make_due()
    client.force_login(officer)
    response = client.post(reverse("deadlines:retry", args=[row.pk]), follow=True)
    assert "Only a parked deadline can be retried" in response.content.decode()
    row.refresh_from_db()
    assert row.state == DeadlineState.SCHEDULED


def test_applicants_cannot_retry(client, applicant, make_due):
    row = make_due(kind="test.fail")
    Deadline.objects.filter(pk=row.pk).update(state=DeadlineState.PARKED)
    client.force_login(applicant)
    assert client.post(reverse("deadlines:retry", args=[row.pk])).status_code == 403
    row.refresh_from_db()
    assert row.state == DeadlineState.PARKED


def test_the_deadlines_page_runs_the_same_queries_for_3_and_30_rows(
    client, officer, make_due, django_assert_num_queries
):
    client.force_login(officer)
    for _ in range(3):
        make_due(minutes_ago=-60)
    client.get(reverse("deadlines:list"))
    with CaptureQueriesContext(connection) as small:
        client.get(reverse("deadlines:list"))
    for _ in range(27):
        make_due(minutes_ago=-60)
    with django_assert_num_queries(len(small.captured_queries)):
        page = client.get(reverse("deadlines:list")).content.decode()
    assert page.count('data-deadline="') == 25  # one page


def test_the_officers_dashboard_shows_deadlines_needing_attention(
    client, officer, applicant, make_due, target
):
    upcoming = deadline_schedule(
        kind="test.effect", target=target, due_at=timezone.now() + timedelta(hours=2)
    )
    parked = make_due(kind="test.fail")
    Deadline.objects.filter(pk=parked.pk).update(state=DeadlineState.PARKED, attempts=3)
    client.force_login(officer)
    page = client.get(reverse("core:dashboard")).content.decode()
    panel = page[page.index('id="deadlines-panel"') :]
    assert 'Parked, need your retry: <strong class="text-danger">1</strong>' in panel
    assert "Upcoming: <strong>1</strong>" in panel
    assert f"Next: {upcoming.kind_label} at" in panel  # the next deadline to fire

    client.force_login(applicant)
    assert 'id="deadlines-panel"' not in client.get(reverse("core:dashboard")).content.decode()
