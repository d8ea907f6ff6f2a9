"""Applications, their covered trials, budget lines and frozen versions."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation
from core.money import MoneyField
from grants.enums import ApplicationState, ClaimKind, DevelopmentStage, Modality, TrialPhase
from grants.models.program import CostCategory, PriorityArea
from grants.models.round import Round


class Application(models.Model):
    """A firm's working copy. What the ministry assesses is the latest `ApplicationVersion` (rule 11)."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="applications", verbose_name=_("applicant")
    )
    round = models.ForeignKey(Round, on_delete=models.PROTECT, related_name="applications")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("project title"), max_length=300)
    drug_name = models.CharField(_("drug candidate"), max_length=200, blank=True)
    modality = models.CharField(_("modality"), max_length=24, choices=Modality.choices, blank=True)
    mechanism = models.TextField(_("mechanism of action or target"), blank=True)
    indication = models.CharField(_("indication"), max_length=300, blank=True)
    icd10_code = models.CharField(_("ICD-10 code"), max_length=8, blank=True)
    atc_code = models.CharField(_("ATC code"), max_length=7, blank=True)
    priority_area = models.ForeignKey(
        PriorityArea,
        on_delete=models.PROTECT,
        related_name="applications",
        null=True,
        blank=True,
        verbose_name=_("priority area"),
    )
    claim_kind = models.CharField(_("claim"), max_length=16, choices=ClaimKind.choices, blank=True)
    novelty_statement = models.TextField(_("why the drug is first or best in class"), blank=True)
    comparator_name = models.CharField(_("comparator (INN)"), max_length=200, blank=True)
    comparator_atc = models.CharField(_("comparator ATC code"), max_length=7, blank=True)
    superiority_endpoint = models.CharField(_("superiority endpoint"), max_length=300, blank=True)
    superiority_result = models.TextField(_("superiority result"), blank=True)
    superiority_trial = models.CharField(_("trial showing superiority"), max_length=300, blank=True)
    development_stage = models.CharField(
        _("development stage"), max_length=24, choices=DevelopmentStage.choices, blank=True
    )
    state = models.CharField(
        _("state"),
        max_length=16,
        choices=ApplicationState.choices,
        default=ApplicationState.DRAFT,
        editable=False,
    )
    current_version = models.PositiveIntegerField(_("latest submitted version"), default=0, editable=False)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True, editable=False)
    # The working copy differs from the latest submitted version (the firm edited and has not resubmitted).
    has_unsubmitted_changes = models.BooleanField(default=False, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=ApplicationState.values), name="application_state_valid"
            ),
            models.CheckConstraint(
                condition=Q(claim_kind="") | Q(claim_kind__in=ClaimKind.values),
                name="application_claim_valid",
            ),
            # A submitted (or later) application has a version and a submission time.
            models.CheckConstraint(
                condition=Q(state=ApplicationState.DRAFT)
                | Q(current_version__gte=1, submitted_at__isnull=False),
                name="application_submitted_has_version",
            ),
        ]
        indexes = [
            models.Index(fields=["round", "state"]),
            models.Index(fields=["organisation", "-created_at"]),
            # The round table's default order: a page is read off the index instead of sorting the
            # whole round (bench/grants.py: 5,000 applications).
            models.Index(fields=["round", "-created_at", "-id"]),
        ]

    def __str__(self) -> str:
        return self.title


class TrialIdentifier(models.Model):
    """Which firm a trial identifier belongs to: the DB-level guard of rule 8 across firms.

    `value` is the NCT id, or 'permission number|ISO date' for a national permission.
    """

    class Kind(models.TextChoices):
        NCT = "nct", _("ClinicalTrials.gov")
        PERMISSION = "permission", _("National permission")

    kind = models.CharField(max_length=16, choices=Kind.choices)
    value = models.CharField(max_length=100)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "value"], name="trial_identifier_unique")]

    def __str__(self) -> str:
        return f"{self.kind}:{self.value}"


class CoveredTrial(models.Model):
    """A clinical trial whose costs the application asks to compensate (rule 8)."""

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="trials")
    title = models.CharField(_("trial title"), max_length=300, blank=True)
    phase = models.CharField(_("phase"), max_length=4, choices=TrialPhase.choices)
    permission_number = models.CharField(_("permission number"), max_length=64, blank=True)
    permission_date = models.DateField(_("permission date"), null=True, blank=True)
    nct_id = models.CharField(_("ClinicalTrials.gov id"), max_length=11, blank=True)
    planned_enrolment = models.PositiveIntegerField(_("planned enrolment"), null=True, blank=True)
    start_date = models.DateField(_("start"), null=True, blank=True)
    end_date = models.DateField(_("planned end"), null=True, blank=True)

    class Meta:
        verbose_name = _("covered trial")
        verbose_name_plural = _("covered trials")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(phase__in=TrialPhase.values), name="trial_phase_valid"),
            # A permission is a number with its date; at least one identifier is present.
            models.CheckConstraint(
                condition=Q(permission_number="", permission_date__isnull=True)
                | (~Q(permission_number="") & Q(permission_date__isnull=False)),
                name="trial_permission_number_with_date",
            ),
            models.CheckConstraint(
                condition=~Q(permission_number="") | ~Q(nct_id=""), name="trial_has_identifier"
            ),
            models.CheckConstraint(
                condition=Q(nct_id="") | Q(nct_id__regex=r"^NCT[0-9]{8}$"), name="trial_nct_format"
            ),
            models.CheckConstraint(
                condition=Q(start_date__isnull=True)
                | Q(end_date__isnull=True)
                | Q(start_date__lte=F("end_date")),
                name="trial_dates_ordered",
            ),
            models.CheckConstraint(
                condition=Q(planned_enrolment__isnull=True) | Q(planned_enrolment__gte=1),
                name="trial_enrolment_positive",
            ),
        ]

    def __str__(self) -> str:
        return self.nct_id or self.permission_number


class BudgetLine(models.Model):
    """One requested cost; the requested amount is the sum of lines (rule 10), never typed."""

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="budget_lines")
    category = models.ForeignKey(CostCategory, on_delete=models.PROTECT, related_name="+")
    description = models.CharField(_("description"), max_length=500)
    amount = MoneyField(_("amount, ₽"))

    class Meta:
        verbose_name = _("budget line")
        verbose_name_plural = _("budget lines")
        ordering = ["id"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="budget_line_amount_positive")]

    def __str__(self) -> str:
        return self.description


class ApplicationVersion(models.Model):
    """The frozen content of one submission: a canonical JSON snapshot and its SHA-256 (rule 11)."""

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    snapshot = models.JSONField()
    content_sha256 = models.CharField(_("content hash (SHA-256)"), max_length=64)
    requested_amount = MoneyField(_("requested amount, ₽"))
    submitted_at = models.DateTimeField(_("submitted"))
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("application version")
        verbose_name_plural = _("application versions")
        ordering = ["application_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["application", "number"], name="application_version_unique"),
            models.CheckConstraint(condition=Q(number__gte=1), name="application_version_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.application_id} v{self.number}"
