"""Evidence files: cost documents of claim lines, report files and the officer's success evidence.

A file is stored privately under MEDIA_ROOT and read back only through a permission-checked view.
Rule 38: a file that backs an accepted line or a decision is never deleted — the service refuses,
PostgreSQL refuses (trigger in migration 0002) and the decision's PROTECT foreign keys refuse.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from trials.enums import EvidenceKind
from trials.models.agreement import Agreement


def evidence_path(instance: EvidenceFile, filename: str) -> str:
    # The stored name is random: the original name is kept in a column, never trusted as a path.
    return f"trials/agreements/{instance.agreement_id}/{instance.storage_key}"


class EvidenceFile(models.Model):
    agreement = models.ForeignKey(Agreement, on_delete=models.PROTECT, related_name="evidence")
    kind = models.CharField(_("kind"), max_length=32, choices=EvidenceKind.choices)
    # What the file backs: at most one of these; none for the officer's success evidence, which the
    # decision points at instead.
    line = models.ForeignKey(
        "trials.ClaimLine", on_delete=models.PROTECT, related_name="evidence", null=True, blank=True
    )
    progress_report = models.ForeignKey(
        "trials.ProgressReport", on_delete=models.PROTECT, related_name="evidence", null=True, blank=True
    )
    outcome_report = models.ForeignKey(
        "trials.OutcomeReport", on_delete=models.PROTECT, related_name="evidence", null=True, blank=True
    )
    file = models.FileField(_("file"), upload_to=evidence_path, max_length=300)
    storage_key = models.CharField(max_length=80, editable=False)
    original_name = models.CharField(_("file name"), max_length=255)
    size = models.PositiveBigIntegerField(_("size, bytes"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    content_type = models.CharField(_("content type"), max_length=120)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        verbose_name = _("evidence file")
        verbose_name_plural = _("evidence files")
        ordering = ["uploaded_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(size__gte=1), name="evidence_not_empty"),
            models.CheckConstraint(condition=Q(kind__in=EvidenceKind.values), name="evidence_kind_valid"),
            models.CheckConstraint(
                condition=Q(line__isnull=True, progress_report__isnull=True)
                | Q(line__isnull=True, outcome_report__isnull=True)
                | Q(progress_report__isnull=True, outcome_report__isnull=True),
                name="evidence_backs_one_thing",
            ),
        ]

    def __str__(self) -> str:
        return self.original_name
