"""Notifications: once per (recipient, deadline, kind), in the recipient's language, e-mailed once."""

from datetime import UTC, datetime

import pytest
from django.core import mail
from django.utils.translation import gettext_lazy as _

from core.models import OutboxMessage
from deadlines.models import Notification
from deadlines.services import notification_send_email, notify
from tests import factories

pytestmark = pytest.mark.django_db

DUE = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)  # 15:00 in Moscow
CONTEXT = {"subject": _("Something is due"), "text": _("Please act."), "due_at": DUE}


class BrokenMailer:
    """A mail server that refuses every message (what the retrying task must survive)."""

    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("mail server down")


def send_pending():
    sent = 0
    for message in OutboxMessage.objects.filter(task_name="deadlines.send_notification_email"):
        sent += notification_send_email(**message.kwargs)
    return sent


def test_notify_renders_in_each_recipients_language(make_due):
    deadline = make_due()
    russian = factories.ApplicantFactory(language="ru", first_name="Иван", last_name="Петров")
    english = factories.ApplicantFactory(language="en", first_name="Jane", last_name="Doe")
    notify(
        recipients=[russian, english],
        kind="test.notice",
        template="generic",
        context=CONTEXT,
        deadline=deadline,
    )

    ru = Notification.objects.get(recipient=russian)
    en = Notification.objects.get(recipient=english)
    assert en.subject == "Something is due"  # the first line of the template
    assert "30 ноября 2026, 15:00" in ru.body  # Moscow time, Russian month name
    assert "30 November 2026, 15:00" in en.body
    assert "Иван Петров" in ru.body
    assert ru.deadline == deadline and ru.read_at is None and ru.emailed_at is None


def test_notifying_twice_for_one_deadline_creates_nothing_new(make_due):
    deadline = make_due()
    person = factories.ApplicantFactory()
    first = notify(
        recipients=[person], kind="test.notice", template="generic", context=CONTEXT, deadline=deadline
    )
    second = notify(
        recipients=[person, person],
        kind="test.notice",
        template="generic",
        context=CONTEXT,
        deadline=deadline,
    )
    assert len(first) == 1 and second == []
    assert Notification.objects.count() == 1
    assert OutboxMessage.objects.filter(task_name="deadlines.send_notification_email").count() == 1


def test_another_kind_for_the_same_deadline_is_a_separate_notification(make_due):
    deadline = make_due()
    person = factories.ApplicantFactory()
    notify(recipients=[person], kind="test.notice", template="generic", context=CONTEXT, deadline=deadline)
    notify(recipients=[person], kind="test.other", template="generic", context=CONTEXT, deadline=deadline)
    assert Notification.objects.filter(recipient=person).count() == 2


def test_the_email_is_queued_in_the_outbox_and_sent_once(make_due, settings):
    settings.SITE_URL = "https://firstclass.example"
    person = factories.ApplicantFactory(email="firm@example.org", language="en")
    notify(
        recipients=[person],
        kind="test.notice",
        template="generic",
        context=CONTEXT,
        deadline=make_due(),
        url="/notifications/",
    )
    assert mail.outbox == []  # nothing leaves before the outbox publishes the task

    assert send_pending() == 1
    assert send_pending() == 0  # the same task delivered again sends nothing
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["firm@example.org"]
    assert message.subject == "Something is due"
    assert message.body.endswith("https://firstclass.example/notifications/")
    assert Notification.objects.get().emailed_at is not None


def test_a_person_without_an_address_gets_the_inbox_entry_but_no_email(make_due):
    person = factories.ApplicantFactory(email="")
    notify(recipients=[person], kind="test.notice", template="generic", context=CONTEXT, deadline=make_due())
    assert Notification.objects.filter(recipient=person).count() == 1
    assert not OutboxMessage.objects.filter(task_name="deadlines.send_notification_email").exists()


def test_a_mail_server_failure_leaves_the_notification_unsent_for_the_retry(make_due, settings):
    person = factories.ApplicantFactory()
    notify(recipients=[person], kind="test.notice", template="generic", context=CONTEXT, deadline=make_due())
    settings.MAILERS = {"default": {"BACKEND": "tests.deadlines.test_notifications.BrokenMailer"}}
    with pytest.raises(ConnectionRefusedError):
        send_pending()
    assert Notification.objects.get().emailed_at is None

    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    assert send_pending() == 1
    assert len(mail.outbox) == 1


def test_notifications_without_a_deadline_are_not_deduplicated():
    person = factories.ApplicantFactory()
    notify(recipients=[person], kind="test.notice", template="generic", context=CONTEXT)
    notify(recipients=[person], kind="test.notice", template="generic", context=CONTEXT)
    assert Notification.objects.filter(recipient=person).count() == 2
