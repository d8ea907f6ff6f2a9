"""Reviews, their per-criterion scores and officers' consensus scores."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Mod
from django.db.models.lookups import Exact
from django.utils.translation import gettext_lazy as _

from grants.models import Application, ApplicationVersion, Criterion
from reviewers.enums import ReviewState
from reviewers.models.assignment import Assignment


class Review(models.Model):
    """One reviewer's review of one application, on the frozen version it scored (rule 11)."""

    assignment = models.OneToOneField(Assignment, on_delete=models.PROTECT, related_name="review")
    application_version = models.ForeignKey(
        ApplicationVersion, on_delete=models.PROTECT, related_name="+", verbose_name=_("version scored")
    )
    state = models.CharField(
        _("state"), max_length=16, choices=ReviewState.choices, default=ReviewState.DRAFT, editable=False
    )
    overall_comment = models.TextField(_("overall comment"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True, editable=False)
    # Set by the first submission and kept: from then on the reviewer may read the other reviews (rule 17).
    first_submitted_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(state__in=ReviewState.values), name="review_state_valid"),
            models.CheckConstraint(
                condition=~Q(state=ReviewState.SUBMITTED)
                | Q(submitted_at__isnull=False, first_submitted_at__isnull=False),
                name="review_submitted_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"review {self.pk} of application {self.application_version.application_id}"


class Score(models.Model):
    """A criterion's score and comment. The criterion's scale is copied in (the rubric is frozen once
    the round opens, rule 4) so the database itself refuses a value off the scale or its step."""

    review = models.ForeignKey(Review, on_delete=models.PROTECT, related_name="scores")
    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="+")
    value = models.DecimalField(_("score"), max_digits=4, decimal_places=1, null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    scale_min = models.DecimalField(max_digits=4, decimal_places=1, editable=False)
    scale_max = models.DecimalField(max_digits=4, decimal_places=1, editable=False)
    step = models.DecimalField(max_digits=3, decimal_places=1, editable=False)

    class Meta:
        verbose_name = _("score")
        verbose_name_plural = _("scores")
        ordering = ["criterion__position", "criterion_id"]
        constraints = [
            models.UniqueConstraint(fields=["review", "criterion"], name="score_once_per_criterion"),
            models.CheckConstraint(condition=Q(step__gt=0), name="score_step_positive"),
            models.CheckConstraint(
                condition=Q(value__isnull=True)
                | (
                    Q(value__gte=F("scale_min"))
                    & Q(value__lte=F("scale_max"))
                    & Exact(Mod(F("value") - F("scale_min"), F("step")), 0)
                ),
                name="score_on_scale_and_step",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.criterion_id}: {self.value}"


class ConsensusScore(models.Model):
    """An officer's consensus score for an application, with its reason; shown beside the raw scores.
    The latest row counts; earlier ones stay as history."""

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="+")
    criterion_scores = models.JSONField(_("score per criterion"))  # {"novelty": "4.0", ...}
    total = models.DecimalField(_("total"), max_digits=10, decimal_places=4)
    reason = models.TextField(_("reason"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("recorded"))

    class Meta:
        verbose_name = _("consensus score")
        verbose_name_plural = _("consensus scores")
        ordering = ["-recorded_at", "-id"]
        constraints = [models.CheckConstraint(condition=~Q(reason=""), name="consensus_has_reason")]

    def __str__(self) -> str:
        return f"consensus {self.total} for {self.application_id}"
