"""Progress reports on the agreement's schedule (rule 28) and the outcome report."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from trials.enums import OutcomeState, ReportState
from trials.models.agreement import Agreement


class ProgressReport(models.Model):
    """One scheduled progress report. `overdue_at` is set when its due time passes unsubmitted."""

    agreement = models.ForeignKey(Agreement, on_delete=models.PROTECT, related_name="progress_reports")
    number = models.PositiveIntegerField(_("report no."))
    period_start = models.DateTimeField(_("period from"))
    due_at = models.DateTimeField(_("due"))
    state = models.CharField(
        _("state"), max_length=16, choices=ReportState.choices, default=ReportState.DUE, editable=False
    )
    summary = models.TextField(_("progress summary"), blank=True)
    enrolled = models.PositiveIntegerField(_("participants enrolled so far"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    overdue_at = models.DateTimeField(_("flagged overdue"), null=True, blank=True)

    class Meta:
        verbose_name = _("progress report")
        verbose_name_plural = _("progress reports")
        ordering = ["agreement_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["agreement", "number"], name="progress_report_number_unique"),
            models.CheckConstraint(
                condition=Q(due_at__gt=models.F("period_start")), name="progress_report_due_after_start"
            ),
            models.CheckConstraint(
                condition=~Q(state=ReportState.SUBMITTED) | (Q(submitted_at__isnull=False) & ~Q(summary="")),
                name="progress_report_submitted_has_summary",
            ),
        ]
        indexes = [models.Index(fields=["state", "due_at"])]

    def __str__(self) -> str:
        return f"{self.agreement_id}#{self.number}"

    @property
    def is_overdue(self) -> bool:
        return self.state == ReportState.DUE and self.overdue_at is not None


class OutcomeReport(models.Model):
    """The firm's account of how the covered trials ended, with its documents."""

    agreement = models.OneToOneField(Agreement, on_delete=models.PROTECT, related_name="outcome_report")
    summary = models.TextField(_("outcome summary"), blank=True)
    primary_endpoint_met = models.BooleanField(_("primary endpoint met"), null=True, blank=True)
    state = models.CharField(
        _("state"), max_length=16, choices=OutcomeState.choices, default=OutcomeState.DRAFT, editable=False
    )
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("outcome report")
        verbose_name_plural = _("outcome reports")
        constraints = [
            models.CheckConstraint(
                condition=~Q(state=OutcomeState.SUBMITTED) | (Q(submitted_at__isnull=False) & ~Q(summary="")),
                name="outcome_report_submitted_has_summary",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.agreement_id}: outcome"
