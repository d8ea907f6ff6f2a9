"""Programs and their reference lists: cost categories and priority areas."""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from core.money import MoneyField

DEFAULT_PROJECT_CAP = Decimal(
    "250000000.00"
)  # 2025 draft decree; a program setting, never a constant in rules


class BilingualName(models.Model):
    """Reference rows seeded in both languages; `name` follows the active language."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_ru = models.CharField(_("name (Russian)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    description_ru = models.TextField(_("description (Russian)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        abstract = True
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.name_en if (get_language() or "ru").startswith("en") else self.name_ru

    @property
    def description(self) -> str:
        return self.description_en if (get_language() or "ru").startswith("en") else self.description_ru


class CostCategory(BilingualName):
    """The clinical-trial cost taxonomy (domain-rules §6.2). INELIG rows can never carry a budget line."""

    is_eligible = models.BooleanField(_("eligible"), default=True)

    class Meta(BilingualName.Meta):
        verbose_name = _("cost category")
        verbose_name_plural = _("cost categories")


class PriorityArea(BilingualName):
    """A therapeutic area or technology on the council's list."""

    class Meta(BilingualName.Meta):
        verbose_name = _("priority area")
        verbose_name_plural = _("priority areas")


class Program(models.Model):
    """A support scheme: rate, cap and what counts (eligible costs, success events, applicants)."""

    name = models.CharField(_("name"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    # Fraction of verified costs paid back: 0 < rate <= 1 (e.g. 0.5000 or 1.0000).
    rate = models.DecimalField(_("compensation rate"), max_digits=5, decimal_places=4, default=Decimal("1"))
    project_cap = MoneyField(_("per-project cap, ₽"), default=DEFAULT_PROJECT_CAP)
    cost_categories = models.ManyToManyField(
        CostCategory, related_name="programs", verbose_name=_("eligible cost categories"), blank=True
    )
    success_events = models.JSONField(_("accepted success events"), default=list, blank=True)
    admits_individual_entrepreneurs = models.BooleanField(
        _("individual entrepreneurs may apply"), default=False
    )
    eligible_from = models.DateField(_("costs eligible from"), null=True, blank=True)
    eligible_until = models.DateField(_("costs eligible until"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("program")
        verbose_name_plural = _("programs")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(rate__gt=0, rate__lte=1), name="program_rate_in_0_1"),
            models.CheckConstraint(condition=Q(project_cap__gt=0), name="program_cap_positive"),
            models.CheckConstraint(
                condition=Q(eligible_from__isnull=True)
                | Q(eligible_until__isnull=True)
                | Q(eligible_from__lte=models.F("eligible_until")),
                name="program_eligibility_window_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.name
