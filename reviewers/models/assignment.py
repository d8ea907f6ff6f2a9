"""Per-round review settings, assignment runs and the assignments themselves."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from grants.models import Application, Round
from reviewers.enums import AssignmentSource, AssignmentState, RunKind, RunStatus


def default_window_months() -> int:
    return int(getattr(settings, "REVIEWER_CONFLICT_WINDOW_MONTHS", 36))


class ReviewSettings(models.Model):
    """The review settings of one round; a round without a row uses these defaults."""

    round = models.OneToOneField(Round, on_delete=models.PROTECT, related_name="review_settings")
    conflict_window_months = models.PositiveSmallIntegerField(
        _("conflict look-back, months"), default=default_window_months
    )
    discussion_spread = models.DecimalField(
        _("needs discussion when reviewers' totals differ by"),
        max_digits=6,
        decimal_places=2,
        default=Decimal("1.50"),
    )
    criterion_discussion_spread = models.DecimalField(
        _("or when one criterion's scores differ by"), max_digits=4, decimal_places=1, default=Decimal("2.0")
    )
    calibration_min_reviews = models.PositiveSmallIntegerField(
        _("reviews a reviewer needs before calibration corrects them"), default=6
    )
    seed = models.PositiveIntegerField(_("tie-break seed of the assignment"), default=0)
    # Each application's best candidates kept as arcs (speed at scale); empty keeps every candidate.
    max_candidates = models.PositiveSmallIntegerField(_("candidates per application"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("review settings")
        verbose_name_plural = _("review settings")
        constraints = [
            models.CheckConstraint(
                condition=Q(calibration_min_reviews__gte=2), name="review_settings_calibration_min_2"
            ),
            models.CheckConstraint(
                condition=Q(discussion_spread__gt=0), name="review_settings_spread_positive"
            ),
            models.CheckConstraint(
                condition=Q(criterion_discussion_spread__gt=0),
                name="review_settings_criterion_spread_positive",
            ),
            models.CheckConstraint(
                condition=Q(max_candidates__isnull=True) | Q(max_candidates__gte=1),
                name="review_settings_max_candidates_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"review settings of round {self.round_id}"


class AssignmentRun(models.Model):
    """One solve of the round's assignment, kept with its inputs' hash and objective (rule 16)."""

    round = models.ForeignKey(Round, on_delete=models.PROTECT, related_name="assignment_runs")
    kind = models.CharField(_("kind"), max_length=8, choices=RunKind.choices)
    status = models.CharField(_("result"), max_length=16, choices=RunStatus.choices)
    inputs_hash = models.CharField(_("inputs hash (SHA-256)"), max_length=64)
    objective = models.DecimalField(_("total expertise fit"), max_digits=14, decimal_places=3)
    seed = models.PositiveIntegerField(_("seed"))
    algorithm = models.CharField(_("algorithm"), max_length=64)
    solver = models.CharField(_("solver"), max_length=64)
    solver_version = models.CharField(_("solver version"), max_length=32)
    # Counts, loads and (when infeasible) the blockers with the applications and reviewers they name.
    report = models.JSONField(_("report"), default=dict)
    pairs_added = models.PositiveIntegerField(_("assignments made"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    created_at = models.DateTimeField(_("run at"))

    class Meta:
        verbose_name = _("assignment run")
        verbose_name_plural = _("assignment runs")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=RunStatus.values), name="assignment_run_status_valid"
            ),
            models.CheckConstraint(condition=Q(kind__in=RunKind.values), name="assignment_run_kind_valid"),
            # An impossible assignment assigns nothing (rule 16).
            models.CheckConstraint(
                condition=~Q(status=RunStatus.INFEASIBLE) | Q(pairs_added=0),
                name="assignment_run_infeasible_assigns_nothing",
            ),
        ]

    def __str__(self) -> str:
        return f"run {self.pk} of round {self.round_id} ({self.status})"


class Assignment(models.Model):
    """A reviewer asked to review an application. A pair is assigned at most once, ever: a reviewer who
    declined, was reassigned or had a conflict is not offered the same application again."""

    round = models.ForeignKey(Round, on_delete=models.PROTECT, related_name="+")
    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="assignments")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="assignments"
    )
    run = models.ForeignKey(AssignmentRun, on_delete=models.PROTECT, related_name="assignments", null=True)
    source = models.CharField(_("made by"), max_length=8, choices=AssignmentSource.choices)
    state = models.CharField(
        _("state"),
        max_length=16,
        choices=AssignmentState.choices,
        default=AssignmentState.ASSIGNED,
        editable=False,
    )
    affinity = models.DecimalField(_("expertise fit"), max_digits=8, decimal_places=3, default=Decimal(0))
    due_at = models.DateTimeField(_("review due"))
    assigned_at = models.DateTimeField(_("assigned"))
    declared_at = models.DateTimeField(_("declared"), null=True, blank=True, editable=False)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True, editable=False)
    # Reminders go out in decreasing days before the due time; this is the last one sent.
    last_reminder_days = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)
    overdue_flagged_at = models.DateTimeField(_("flagged overdue"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        ordering = ["due_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["application", "reviewer"], name="assignment_pair_once"),
            models.CheckConstraint(
                condition=Q(state__in=AssignmentState.values), name="assignment_state_valid"
            ),
            models.CheckConstraint(
                condition=~Q(state=AssignmentState.DECLARED) | Q(declared_at__isnull=False),
                name="assignment_declared_has_time",
            ),
            models.CheckConstraint(
                condition=Q(state__in=[AssignmentState.ASSIGNED, AssignmentState.DECLARED])
                | Q(ended_at__isnull=False),
                name="assignment_ended_has_time",
            ),
            models.CheckConstraint(
                condition=Q(source=AssignmentSource.MANUAL) | Q(run__isnull=False),
                name="assignment_solver_pairs_have_a_run",
            ),
        ]
        indexes = [
            models.Index(fields=["reviewer", "state"]),
            models.Index(fields=["round", "state"]),
            models.Index(fields=["application", "state"]),
        ]

    def __str__(self) -> str:
        return f"{self.application_id} ← {self.reviewer_id}"

    @property
    def is_active(self) -> bool:
        return self.state in (AssignmentState.ASSIGNED, AssignmentState.DECLARED)
