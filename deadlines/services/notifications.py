"""Notifications: the in-app inbox and the e-mail copy of each message.

`notify` writes one row per recipient, rendered in the recipient's language, and queues the e-mail
through the outbox, so the send happens after commit and survives a broker outage. The unique key
(recipient, deadline, kind) makes a second sweep or a re-delivered task notify nobody twice; the
send task itself checks `emailed_at` under a row lock, so a re-delivered send mails nobody twice.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from core.errors import NotFound
from deadlines.models import Deadline, Notification

logger = logging.getLogger(__name__)

SEND_EMAIL_TASK = "deadlines.send_notification_email"
SUBJECT_MAX = Notification._meta.get_field("subject").max_length


def render_notification(*, template: str, context: dict, recipient: Any) -> tuple[str, str]:
    """Subject and body of `deadlines/email/<template>.txt` in the recipient's language.

    The template's first line is the subject; the rest is the body.
    """
    language = getattr(recipient, "language", "") or settings.LANGUAGE_CODE
    with translation.override(language):
        text = render_to_string(f"deadlines/email/{template}.txt", {**context, "recipient": recipient})
    subject, _newline, body = text.strip().partition("\n")
    return " ".join(subject.split())[:SUBJECT_MAX], body.strip()


def _enqueue_email(notification_id: int) -> None:
    from core import outbox

    outbox.enqueue(SEND_EMAIL_TASK, notification_id=notification_id)


def notify(
    *,
    recipients: Iterable[Any],
    kind: str,
    template: str,
    context: dict,
    deadline: Deadline | None = None,
    url: str = "",
) -> list[Notification]:
    """Tell each recipient once: an inbox entry now, an e-mail after commit. Returns the new rows.

    With a `deadline`, a recipient already notified of `kind` for it is skipped, so running a
    handler again adds nothing.
    """
    people = list({person.pk: person for person in recipients}.values())
    if not people:
        return []
    # No savepoint of its own: inside a caller's transaction (the sweeper's, usually) it adds
    # nothing but two queries; a failure here fails the caller's unit of work anyway.
    with transaction.atomic(savepoint=False):
        if deadline is not None:
            done = set(
                Notification.objects.filter(
                    deadline=deadline, kind=kind, recipient_id__in=[p.pk for p in people]
                ).values_list("recipient_id", flat=True)
            )
            people = [p for p in people if p.pk not in done]
        now = timezone.now()
        rows = []
        for person in people:
            subject, body = render_notification(template=template, context=context, recipient=person)
            rows.append(
                Notification(
                    recipient=person,
                    kind=kind,
                    deadline=deadline,
                    subject=subject,
                    body=body,
                    url=url,
                    created_at=now,
                )
            )
        try:
            with transaction.atomic():
                created = Notification.objects.bulk_create(rows)
        except IntegrityError:
            # Someone notified part of this group meanwhile: fall back to one row at a time.
            created = []
            for row in rows:
                _obj, was_new = Notification.objects.get_or_create(
                    recipient=row.recipient,
                    deadline=deadline,
                    kind=kind,
                    defaults={"subject": row.subject, "body": row.body, "url": url, "created_at": now},
                )
                if was_new:
                    created.append(_obj)
        for row in created:
            if row.recipient.email:
                _enqueue_email(row.pk)
        return created


def _absolute(url: str) -> str:
    if not url or url.startswith(("http://", "https://")):
        return url
    return getattr(settings, "SITE_URL", "").rstrip("/") + url


def notification_send_email(*, notification_id: int) -> bool:
    """Mail one notification unless it was mailed already. True when this call sent it.

    The row lock makes a second, concurrent delivery of the same task wait and then find
    `emailed_at` set. A mail server error propagates so the task retries with backoff.
    """
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update(of=("self",))
            .select_related("recipient")
            .filter(pk=notification_id)
            .first()
        )
        if notification is None or notification.emailed_at is not None:
            return False
        address = notification.recipient.email
        if not address:
            return False
        body = notification.body
        link = _absolute(notification.url)
        if link:
            body = f"{body}\n\n{link}"
        EmailMessage(subject=notification.subject, body=body, to=[address]).send()
        notification.emailed_at = timezone.now()
        notification.save(update_fields=["emailed_at"])
        return True


def notification_mark_read(*, notification: Notification, user: Any) -> Notification:
    """Mark one of the user's notifications read (a no-op when it already is)."""
    if notification.recipient_id != user.pk:
        raise NotFound("notification_not_found", "No such notification.")
    if notification.read_at is None:
        now = timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=now)
        notification.read_at = now
    return notification


def notification_mark_all_read(*, user: Any) -> int:
    """Mark every unread notification of the user read; returns how many changed."""
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(read_at=timezone.now())
