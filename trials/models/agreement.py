"""Agreements (rule 27) and the trials they cover (rule 28)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation
from core.money import MoneyField
from grants.enums import TrialPhase
from trials.enums import AgreementState, TrialStatus


class Agreement(models.Model):
    """The ministry's agreement with a selected firm: the cap it may be paid and the trials it covers.

    `round` and `organisation` repeat the application's so that ledger sums and locks need no join.
    Money figures (committed, paid, remaining) are never stored here: `trials.balances` derives them
    from the ledger.
    """

    application = models.OneToOneField(
        "grants.Application",
        on_delete=models.PROTECT,
        related_name="agreement",
        verbose_name=_("application"),
    )
    round = models.ForeignKey(
        "grants.Round", on_delete=models.PROTECT, related_name="agreements", verbose_name=_("round")
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="agreements", verbose_name=_("firm")
    )
    number = models.CharField(_("number"), max_length=32, unique=True)
    # The amount the committee selected; the cap may not exceed it (rule 27).
    approved_amount = MoneyField(_("selected amount, ₽"))
    cap = MoneyField(_("cap, ₽"))
    reporting_interval_months = models.PositiveSmallIntegerField(
        _("progress report every, months"), default=6
    )
    state = models.CharField(
        _("state"),
        max_length=20,
        choices=AgreementState.choices,
        default=AgreementState.DRAFT,
        editable=False,
    )
    signed_on = models.DateField(_("signed on"), null=True, blank=True)
    firm_signatory = models.CharField(_("signed for the firm by"), max_length=200, blank=True)
    activated_at = models.DateTimeField(_("active since"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("agreement")
        verbose_name_plural = _("agreements")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(cap__gt=0), name="agreement_cap_positive"),
            models.CheckConstraint(
                condition=Q(cap__lte=F("approved_amount")), name="agreement_cap_within_selected"
            ),
            models.CheckConstraint(
                condition=Q(reporting_interval_months__gte=1, reporting_interval_months__lte=24),
                name="agreement_reporting_interval_range",
            ),
            models.CheckConstraint(
                condition=Q(state__in=AgreementState.values), name="agreement_state_valid"
            ),
            models.CheckConstraint(
                condition=Q(state=AgreementState.DRAFT)
                | Q(signed_on__isnull=False)
                | Q(state=AgreementState.CLOSED),
                name="agreement_signed_has_date",
            ),
        ]
        indexes = [
            models.Index(fields=["round", "state"]),
            models.Index(fields=["organisation", "-created_at"]),
        ]

    def __str__(self) -> str:
        return self.number


class Trial(models.Model):
    """A clinical trial covered by an agreement, with what the firm reports about it."""

    agreement = models.ForeignKey(Agreement, on_delete=models.PROTECT, related_name="trials")
    covered_trial = models.ForeignKey(
        "grants.CoveredTrial", on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    title = models.CharField(_("trial title"), max_length=300, blank=True)
    phase = models.CharField(_("phase"), max_length=4, choices=TrialPhase.choices)
    nct_id = models.CharField(_("ClinicalTrials.gov id"), max_length=11, blank=True)
    permission_number = models.CharField(_("permission number"), max_length=64, blank=True)
    permission_date = models.DateField(_("permission date"), null=True, blank=True)
    sites = models.JSONField(_("sites"), default=list, blank=True)
    planned_enrolment = models.PositiveIntegerField(_("planned enrolment"), null=True, blank=True)
    actual_enrolment = models.PositiveIntegerField(_("actual enrolment"), null=True, blank=True)
    planned_start = models.DateField(_("planned start"), null=True, blank=True)
    planned_end = models.DateField(_("planned end"), null=True, blank=True)
    actual_start = models.DateField(_("actual start"), null=True, blank=True)
    actual_end = models.DateField(_("actual end"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=TrialStatus.choices, default=TrialStatus.PLANNED
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("trial")
        verbose_name_plural = _("trials")
        ordering = ["agreement_id", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(phase__in=TrialPhase.values), name="trials_trial_phase_valid"),
            models.CheckConstraint(
                condition=Q(status__in=TrialStatus.values), name="trials_trial_status_valid"
            ),
            models.CheckConstraint(
                condition=~Q(permission_number="") | ~Q(nct_id=""), name="trials_trial_has_identifier"
            ),
            models.CheckConstraint(
                condition=Q(nct_id="") | Q(nct_id__regex=r"^NCT[0-9]{8}$"), name="trials_trial_nct_format"
            ),
            models.CheckConstraint(
                condition=Q(actual_start__isnull=True)
                | Q(actual_end__isnull=True)
                | Q(actual_start__lte=F("actual_end")),
                name="trials_trial_actual_dates_ordered",
            ),
            # A finished trial says when it finished.
            models.CheckConstraint(
                condition=~Q(status__in=[TrialStatus.COMPLETED, TrialStatus.TERMINATED])
                | Q(actual_end__isnull=False),
                name="trials_trial_finished_has_end",
            ),
        ]

    def __str__(self) -> str:
        return self.nct_id or self.permission_number or self.title
