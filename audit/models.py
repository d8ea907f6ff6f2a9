"""The append-only, hash-chained audit trail (rule 36).

Each event's hash covers the previous event's hash and a canonical JSON of its own fields, so an
edit, deletion or reordering breaks the chain at the first tampered event. PostgreSQL refuses
UPDATE and DELETE on the table (trigger in a migration); the model refuses them in Python too.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from audit.enums import ChainProblem


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):  # type: ignore[override]
        raise PermissionError("Audit events are append-only.")

    def delete(self):  # type: ignore[override]
        raise PermissionError("Audit events are append-only.")


class AuditEvent(models.Model):
    # `id` is the sequence number: gaps and reorders are visible because the chain links consecutive ids.
    id = models.BigAutoField(primary_key=True)
    created_at = models.DateTimeField(_("time"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    actor_label = models.CharField(_("actor"), max_length=200)  # "system:<task>" when no user
    actor_role = models.CharField(_("role"), max_length=16, blank=True)
    organisation_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    action = models.CharField(_("action"), max_length=80, db_index=True)
    object_type = models.CharField(_("object type"), max_length=80, db_index=True)
    object_id = models.CharField(_("object id"), max_length=64, db_index=True)
    object_repr = models.CharField(_("object"), max_length=300, blank=True)
    before = models.JSONField(default=dict, blank=True)
    after = models.JSONField(default=dict, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        indexes = [models.Index(fields=["object_type", "object_id", "id"])]

    def __str__(self) -> str:
        return f"#{self.id} {self.action} {self.object_type}:{self.object_id}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.get("force_insert"):
            raise PermissionError("Audit events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("Audit events are append-only.")


class ChainHead(models.Model):
    """One row whose lock serialises appends, so two transactions never link to the same parent."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_event_id = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="0" * 64)

    class Meta:
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="chainhead_singleton")]

    def __str__(self) -> str:
        return f"chain head #{self.last_event_id}"


class AuditCheckpoint(models.Model):
    """The result of one verification walk, kept as an anchor: a later rewrite of the chain up to
    `last_event_id` shows as a hash that no longer matches `last_hash`. Append-only like the events."""

    created_at = models.DateTimeField(_("checked at"), db_index=True)
    last_event_id = models.BigIntegerField(_("last verified event"))
    last_hash = models.CharField(_("hash of the last verified event"), max_length=64)
    ok = models.BooleanField(_("chain intact"))
    events_checked = models.BigIntegerField(_("events checked"), default=0)
    broken_event_id = models.BigIntegerField(_("first broken event"), null=True, blank=True)
    problem = models.CharField(_("problem"), max_length=32, blank=True)

    class Meta:
        ordering = ["-id"]
        get_latest_by = "id"
        verbose_name = _("audit checkpoint")
        verbose_name_plural = _("audit checkpoints")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ok=True, broken_event_id__isnull=True, problem="")
                | models.Q(ok=False) & ~models.Q(problem=""),
                name="auditcheckpoint_ok_has_no_problem",
            ),
        ]

    def __str__(self) -> str:
        return f"checkpoint #{self.last_event_id} {'ok' if self.ok else self.problem}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.get("force_insert"):
            raise PermissionError("Audit checkpoints are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("Audit checkpoints are append-only.")

    @property
    def problem_label(self) -> str:
        return str(ChainProblem(self.problem).label) if self.problem else ""
