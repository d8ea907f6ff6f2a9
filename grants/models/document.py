"""Uploaded documents, clarification requests and screening decisions."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from grants.enums import ClarificationState, DocumentKind, ScreeningOutcome
from grants.models.application import Application


class Clarification(models.Model):
    """An officer's question about a submitted application; the answer never edits a frozen version."""

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="clarifications")
    question = models.TextField(_("question"))
    asked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    asked_at = models.DateTimeField(_("asked"))
    due_at = models.DateTimeField(_("answer due"))
    answer = models.TextField(_("answer"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    state = models.CharField(
        _("state"),
        max_length=16,
        choices=ClarificationState.choices,
        default=ClarificationState.OPEN,
        editable=False,
    )

    class Meta:
        verbose_name = _("clarification request")
        verbose_name_plural = _("clarification requests")
        ordering = ["-asked_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(due_at__gt=models.F("asked_at")), name="clarification_due_after_asked"
            ),
            models.CheckConstraint(
                condition=~Q(state=ClarificationState.ANSWERED)
                | (Q(answered_at__isnull=False) & ~Q(answer="")),
                name="clarification_answered_has_answer",
            ),
        ]

    def __str__(self) -> str:
        return self.question[:80]


def document_path(instance: Document, filename: str) -> str:
    # The stored name is random: the original name is kept in a column, never trusted as a path.
    return f"grants/applications/{instance.application_id}/{instance.storage_key}"


class Document(models.Model):
    """A file stored privately under MEDIA_ROOT and served only through a permission-checked view."""

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="documents")
    clarification = models.ForeignKey(
        Clarification, on_delete=models.PROTECT, related_name="documents", null=True, blank=True
    )
    kind = models.CharField(_("kind"), max_length=16, choices=DocumentKind.choices)
    file = models.FileField(_("file"), upload_to=document_path, max_length=300)
    storage_key = models.CharField(max_length=80, editable=False)
    original_name = models.CharField(_("file name"), max_length=255)
    size = models.PositiveBigIntegerField(_("size, bytes"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    content_type = models.CharField(_("content type"), max_length=120)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)
    # The first submitted version that included the file: from then on the file is evidence and stays.
    frozen_in_version = models.PositiveIntegerField(null=True, blank=True, editable=False)
    # Set when the firm removes a frozen file from its working copy; the file itself is kept.
    removed_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["uploaded_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(size__gte=1), name="document_not_empty"),
            models.CheckConstraint(
                condition=Q(removed_at__isnull=True) | Q(frozen_in_version__isnull=False),
                name="document_only_frozen_files_are_detached",
            ),
        ]

    def __str__(self) -> str:
        return self.original_name


class ScreeningDecision(models.Model):
    """The eligibility decision on a submitted application after the close (rule 12)."""

    application = models.OneToOneField(Application, on_delete=models.PROTECT, related_name="screening")
    outcome = models.CharField(_("outcome"), max_length=16, choices=ScreeningOutcome.choices)
    reason = models.TextField(_("reason"), blank=True)
    checklist = models.JSONField(_("checklist"), default=dict, blank=True)
    version_number = models.PositiveIntegerField(_("version screened"))
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(_("decided"))

    class Meta:
        verbose_name = _("screening decision")
        verbose_name_plural = _("screening decisions")
        constraints = [
            models.CheckConstraint(
                condition=Q(outcome__in=ScreeningOutcome.values), name="screening_outcome_valid"
            ),
            models.CheckConstraint(
                condition=Q(outcome=ScreeningOutcome.ELIGIBLE) | ~Q(reason=""),
                name="screening_ineligible_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.application_id}: {self.outcome}"
