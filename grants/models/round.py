"""Selection rounds, their admitted priority areas (with quotas) and the rubric."""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from core.money import MoneyField
from grants.enums import NonFitPolicy, RankingBasis, RoundState
from grants.models.program import PriorityArea, Program


class Round(models.Model):
    """One call for applications under a program. Dates are instants (UTC), shown in Moscow time."""

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="rounds")
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    opens_at = models.DateTimeField(_("opens"))
    closes_at = models.DateTimeField(_("closes"))
    review_due_at = models.DateTimeField(_("reviews due"))
    decision_at = models.DateTimeField(_("decision"))
    appeal_window_days = models.PositiveSmallIntegerField(_("appeal window, days"), default=30)
    budget = MoneyField(_("budget, ₽"), default=Decimal("0"))
    priority_areas = models.ManyToManyField(
        PriorityArea, through="RoundPriorityArea", related_name="rounds", verbose_name=_("priority areas")
    )
    reviewers_per_application = models.PositiveSmallIntegerField(_("reviewers per application"), default=3)
    min_load = models.PositiveSmallIntegerField(_("minimum applications per reviewer"), default=0)
    max_load = models.PositiveSmallIntegerField(_("maximum applications per reviewer"), default=10)
    total_threshold = models.DecimalField(
        _("total score threshold"), max_digits=6, decimal_places=2, default=Decimal("3.00")
    )
    ranking_basis = models.CharField(
        _("ranking basis"), max_length=16, choices=RankingBasis.choices, default=RankingBasis.RAW
    )
    # Ordered keys, e.g. [{"key": "criterion", "criterion": "novelty"}, {"key": "lower_request"}].
    tie_break = models.JSONField(_("tie-break order"), default=list, blank=True)
    non_fit_policy = models.CharField(
        _("if an application does not fit the remaining budget"),
        max_length=8,
        choices=NonFitPolicy.choices,
        default=NonFitPolicy.SKIP,
    )
    state = models.CharField(
        _("state"), max_length=16, choices=RoundState.choices, default=RoundState.DRAFT, editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("round")
        verbose_name_plural = _("rounds")
        ordering = ["-opens_at", "-id"]
        constraints = [
            # Rule 3: opens < closes < review due < decision.
            models.CheckConstraint(
                condition=Q(opens_at__lt=F("closes_at"))
                & Q(closes_at__lt=F("review_due_at"))
                & Q(review_due_at__lt=F("decision_at")),
                name="round_dates_ordered",
            ),
            models.CheckConstraint(condition=Q(budget__gte=0), name="round_budget_not_negative"),
            models.CheckConstraint(
                condition=Q(appeal_window_days__gte=1), name="round_appeal_window_positive"
            ),
            models.CheckConstraint(
                condition=Q(reviewers_per_application__gte=1), name="round_reviewers_per_application_positive"
            ),
            models.CheckConstraint(
                condition=Q(min_load__lte=F("max_load")), name="round_load_limits_ordered"
            ),
            models.CheckConstraint(
                condition=Q(total_threshold__gte=0), name="round_total_threshold_not_negative"
            ),
            models.CheckConstraint(condition=Q(state__in=RoundState.values), name="round_state_valid"),
        ]
        indexes = [models.Index(fields=["state", "closes_at"])]

    def __str__(self) -> str:
        return self.title


class RoundPriorityArea(models.Model):
    """A priority area admitted in a round, with an optional quota (rule 5: quotas sum to at most the budget)."""

    round = models.ForeignKey(Round, on_delete=models.PROTECT, related_name="area_links")
    area = models.ForeignKey(PriorityArea, on_delete=models.PROTECT, related_name="round_links")
    quota = MoneyField(_("quota, ₽"), null=True, blank=True)

    class Meta:
        verbose_name = _("admitted priority area")
        verbose_name_plural = _("admitted priority areas")
        ordering = ["area__position", "area_id"]
        constraints = [
            models.UniqueConstraint(fields=["round", "area"], name="round_priority_area_unique"),
            models.CheckConstraint(
                condition=Q(quota__isnull=True) | Q(quota__gt=0), name="round_priority_area_quota_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.round_id}:{self.area_id}"


class Criterion(models.Model):
    """One rubric criterion. The rubric is frozen once the round opens (rule 4)."""

    round = models.ForeignKey(Round, on_delete=models.PROTECT, related_name="criteria")
    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    weight = models.DecimalField(_("weight"), max_digits=5, decimal_places=3)
    scale_min = models.DecimalField(_("lowest score"), max_digits=4, decimal_places=1, default=Decimal("0"))
    scale_max = models.DecimalField(_("highest score"), max_digits=4, decimal_places=1, default=Decimal("5"))
    step = models.DecimalField(_("score step"), max_digits=3, decimal_places=1, default=Decimal("0.5"))
    threshold = models.DecimalField(_("threshold"), max_digits=4, decimal_places=1, default=Decimal("3"))
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("criterion")
        verbose_name_plural = _("criteria")
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["round", "code"], name="criterion_code_unique_in_round"),
            models.CheckConstraint(condition=Q(weight__gt=0), name="criterion_weight_positive"),
            models.CheckConstraint(condition=Q(step__gt=0), name="criterion_step_positive"),
            models.CheckConstraint(condition=Q(scale_min__lt=F("scale_max")), name="criterion_scale_ordered"),
            models.CheckConstraint(
                condition=Q(threshold__gte=F("scale_min")) & Q(threshold__lte=F("scale_max")),
                name="criterion_threshold_on_scale",
            ),
        ]

    def __str__(self) -> str:
        return self.name
