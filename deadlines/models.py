"""Deadline rows and the notifications their handlers send.

A deadline is a dated obligation on some object ("round 12 closes at 18:00"). The sweeper fires each
due row once, in the same transaction as the handler's effects; nothing else schedules work by date.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from deadlines.registry import kind_label


class DeadlineState(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    FIRED = "fired", _("Fired")
    CANCELLED = "cancelled", _("Cancelled")
    PARKED = "parked", _("Parked")


# A (kind, target) pair has at most one row in these states; fired and cancelled rows are history.
LIVE_STATES = (DeadlineState.SCHEDULED, DeadlineState.PARKED)


class DeadlineQuerySet(models.QuerySet):
    def for_target(self, target: models.Model) -> DeadlineQuerySet:
        return self.filter(target_type=ContentType.objects.get_for_model(target), target_id=target.pk)

    def live(self) -> DeadlineQuerySet:
        """Rows that may still fire: scheduled, or parked waiting for a retry."""
        return self.filter(state__in=LIVE_STATES)


class Deadline(models.Model):
    kind = models.CharField(_("kind"), max_length=64, db_index=True)
    target_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    target_id = models.PositiveBigIntegerField()
    target = GenericForeignKey("target_type", "target_id")
    due_at = models.DateTimeField(_("due at"))
    # When the sweeper may next try: the due time, or later after a failed attempt (backoff).
    run_after = models.DateTimeField()
    state = models.CharField(
        _("state"), max_length=16, choices=DeadlineState.choices, default=DeadlineState.SCHEDULED
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    fired_at = models.DateTimeField(_("fired at"), null=True, blank=True)
    payload = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = DeadlineQuerySet.as_manager()

    class Meta:
        verbose_name = _("deadline")
        verbose_name_plural = _("deadlines")
        ordering = ["due_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "target_type", "target_id"],
                condition=Q(state__in=["scheduled", "parked"]),
                name="deadline_one_live_row_per_kind_and_target",
            ),
            models.CheckConstraint(
                condition=Q(state="fired", fired_at__isnull=False) | ~Q(state="fired"),
                name="deadline_fired_has_time",
            ),
        ]
        indexes = [
            # The sweeper's query: scheduled rows whose time has come, in due order.
            models.Index(fields=["due_at", "id"], condition=Q(state="scheduled"), name="deadline_sweep_idx"),
            models.Index(fields=["target_type", "target_id"], name="deadline_target_idx"),
        ]

    def __str__(self) -> str:
        # get_for_id is served from ContentType's cache, so printing a row costs no query.
        model = ContentType.objects.get_for_id(self.target_type_id).model
        return f"{self.kind} {model}#{self.target_id}"

    @property
    def kind_label(self) -> Any:
        return kind_label(self.kind)

    @property
    def is_failing(self) -> bool:
        """Scheduled again after at least one failed attempt."""
        return self.state == DeadlineState.SCHEDULED and self.attempts > 0


class Notification(models.Model):
    """One message to one person, shown in the inbox and e-mailed once.

    Subject and body are rendered in the recipient's language when created, so the inbox shows what
    the e-mail said even if templates change later.
    """

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="notifications",
        verbose_name=_("recipient"),
    )
    kind = models.CharField(_("kind"), max_length=64)
    deadline = models.ForeignKey(
        Deadline, on_delete=models.PROTECT, null=True, blank=True, related_name="notifications"
    )
    subject = models.CharField(_("subject"), max_length=300)
    body = models.TextField(_("text"))
    url = models.CharField(_("link"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("e-mailed"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        constraints = [
            # A re-delivered task or a second sweep cannot notify the same person twice.
            models.UniqueConstraint(
                fields=["recipient", "deadline", "kind"], name="notification_once_per_deadline"
            ),
        ]
        indexes = [
            models.Index(fields=["recipient", "-created_at", "-id"], name="notification_inbox_idx"),
            models.Index(
                fields=["recipient"], condition=Q(read_at__isnull=True), name="notification_unread_idx"
            ),
        ]

    def __str__(self) -> str:
        return self.subject

    @property
    def is_read(self) -> bool:
        return self.read_at is not None
