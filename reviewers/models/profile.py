"""A reviewer's expertise, load override, ties to organisations and declared competing projects."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from grants.models import PriorityArea
from reviewers.enums import AffiliationKind

# INN: 10 digits (organisation) or 12 (individual); OGRN: 13 digits, OGRNIP 15; matched as typed.
INN_REGEX = r"^[0-9]{10}([0-9]{2})?$"
OGRN_REGEX = r"^([0-9]{13}|[0-9]{15})$"


class ReviewerProfile(models.Model):
    """What a reviewer knows (matched against applications, domain-rules §3.6) and how much they take.

    Lists are JSON arrays of strings (PostgreSQL in production, SQLite in the demo): modalities are
    `grants.enums.Modality` values, ICD-10 chapters Roman numerals ("II"), ICD-10 categories "C92",
    ATC groups any level ("L01", "L01FX"), keywords free words.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="reviewer_profile"
    )
    priority_areas = models.ManyToManyField(
        PriorityArea, blank=True, related_name="+", verbose_name=_("priority areas")
    )
    modalities = models.JSONField(_("modalities"), default=list, blank=True)
    icd10_chapters = models.JSONField(_("ICD-10 chapters"), default=list, blank=True)
    icd10_codes = models.JSONField(_("ICD-10 categories"), default=list, blank=True)
    atc_groups = models.JSONField(_("ATC groups"), default=list, blank=True)
    keywords = models.JSONField(_("keywords"), default=list, blank=True)
    # Overrides the round's maximum load for this reviewer (e.g. part-time experts take fewer).
    max_load = models.PositiveSmallIntegerField(_("maximum applications per round"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("reviewer profile")
        verbose_name_plural = _("reviewer profiles")
        ordering = ["user__last_name", "user__first_name", "id"]

    def __str__(self) -> str:
        return str(self.user)


class Affiliation(models.Model):
    """A past or current tie of the reviewer to an organisation, matched by INN/OGRN (rule 13)."""

    profile = models.ForeignKey(ReviewerProfile, on_delete=models.PROTECT, related_name="affiliations")
    kind = models.CharField(_("kind"), max_length=24, choices=AffiliationKind.choices)
    organisation_name = models.CharField(_("organisation"), max_length=300)
    inn = models.CharField(_("INN"), max_length=12)
    ogrn = models.CharField(_("OGRN"), max_length=15, blank=True)
    started_on = models.DateField(_("from"), null=True, blank=True)
    ended_on = models.DateField(_("to"), null=True, blank=True, help_text=_("Empty while it lasts."))
    note = models.CharField(_("note"), max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("affiliation")
        verbose_name_plural = _("affiliations")
        ordering = ["-started_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=AffiliationKind.values), name="affiliation_kind_valid"
            ),
            models.CheckConstraint(condition=Q(inn__regex=INN_REGEX), name="affiliation_inn_format"),
            models.CheckConstraint(
                condition=Q(ogrn="") | Q(ogrn__regex=OGRN_REGEX), name="affiliation_ogrn_format"
            ),
            models.CheckConstraint(
                condition=Q(started_on__isnull=True)
                | Q(ended_on__isnull=True)
                | Q(started_on__lte=F("ended_on")),
                name="affiliation_dates_ordered",
            ),
        ]
        indexes = [models.Index(fields=["inn"]), models.Index(fields=["ogrn"])]

    def __str__(self) -> str:
        return f"{self.organisation_name} ({self.inn})"


class CompetingProject(models.Model):
    """A product the reviewer works on elsewhere: the same target or indication is a potential conflict
    (rule 14; domain-rules §2.2, "competitor COI")."""

    profile = models.ForeignKey(ReviewerProfile, on_delete=models.PROTECT, related_name="competing_projects")
    organisation_name = models.CharField(_("organisation"), max_length=300, blank=True)
    target = models.CharField(_("target or mechanism"), max_length=200, blank=True)
    icd10_code = models.CharField(_("ICD-10 code of the indication"), max_length=8, blank=True)
    atc_code = models.CharField(_("ATC code"), max_length=7, blank=True)
    ended_on = models.DateField(_("ended"), null=True, blank=True, help_text=_("Empty while it lasts."))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("competing project")
        verbose_name_plural = _("competing projects")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(target="") | ~Q(icd10_code="") | ~Q(atc_code=""),
                name="competing_project_names_something",
            ),
        ]

    def __str__(self) -> str:
        return self.target or self.icd10_code or self.atc_code
