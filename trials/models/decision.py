"""The officer's record of success or failure (rule 29)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from grants.enums import ClaimKind, SuccessEvent
from trials.enums import DecisionOutcome
from trials.models.agreement import Agreement, Trial
from trials.models.evidence import EvidenceFile


class SuccessDecision(models.Model):
    """Success (an accepted event with its evidence and the confirmed first/best-in-class status)
    or failure (a reason). Written once; the evidence it points at can never be deleted."""

    agreement = models.OneToOneField(Agreement, on_delete=models.PROTECT, related_name="decision")
    outcome = models.CharField(_("outcome"), max_length=16, choices=DecisionOutcome.choices)
    event_kind = models.CharField(_("success event"), max_length=32, choices=SuccessEvent.choices, blank=True)
    authorisation_number = models.CharField(_("marketing authorisation number"), max_length=64, blank=True)
    authorisation_date = models.DateField(_("marketing authorisation date"), null=True, blank=True)
    conditional_obligations = models.TextField(_("obligations of the conditional authorisation"), blank=True)
    endpoint_trial = models.ForeignKey(
        Trial, on_delete=models.PROTECT, related_name="+", null=True, blank=True, verbose_name=_("trial")
    )
    endpoint_result = models.TextField(_("primary endpoint result"), blank=True)
    class_status = models.CharField(
        _("confirmed status"), max_length=16, choices=ClaimKind.choices, blank=True
    )
    class_confirmed = models.BooleanField(_("first/best-in-class status confirmed"), default=False)
    authorisation_document = models.ForeignKey(
        EvidenceFile, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    endpoint_document = models.ForeignKey(
        EvidenceFile, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    expert_opinion = models.ForeignKey(
        EvidenceFile, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    reason = models.TextField(_("reason"), blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(_("decided"))

    class Meta:
        verbose_name = _("success decision")
        verbose_name_plural = _("success decisions")
        constraints = [
            models.CheckConstraint(
                condition=Q(outcome__in=DecisionOutcome.values), name="success_decision_outcome_valid"
            ),
            models.CheckConstraint(
                condition=Q(outcome=DecisionOutcome.FAILURE, event_kind="", class_confirmed=False)
                & ~Q(reason="")
                | Q(outcome=DecisionOutcome.SUCCESS, class_confirmed=True, expert_opinion__isnull=False)
                & ~Q(event_kind="")
                & ~Q(class_status=""),
                name="success_decision_complete",
            ),
            models.CheckConstraint(
                condition=~Q(
                    event_kind__in=["marketing_authorisation", "conditional_authorisation", "new_indication"]
                )
                | Q(authorisation_date__isnull=False, authorisation_document__isnull=False)
                & ~Q(authorisation_number=""),
                name="success_decision_authorisation_evidence",
            ),
            models.CheckConstraint(
                condition=~Q(event_kind="primary_endpoint")
                | Q(endpoint_trial__isnull=False, endpoint_document__isnull=False) & ~Q(endpoint_result=""),
                name="success_decision_endpoint_evidence",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.agreement_id}: {self.outcome}"
