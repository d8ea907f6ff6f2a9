"""Cost claims and their lines (rules 30-32)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from core.money import MoneyField
from grants.models import CostCategory
from trials.enums import ACCEPTED_LINE_STATES, ClaimState, LineState
from trials.models.agreement import Agreement, Trial


class CostClaim(models.Model):
    """A firm's claim for verified costs, filed after success; verified line by line."""

    agreement = models.ForeignKey(Agreement, on_delete=models.PROTECT, related_name="claims")
    number = models.PositiveIntegerField(_("claim no."))
    state = models.CharField(
        _("state"), max_length=16, choices=ClaimState.choices, default=ClaimState.DRAFT, editable=False
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    # The verification SLA: when the officers' verification is due, and when it was flagged late.
    verification_due_at = models.DateTimeField(_("verification due"), null=True, blank=True)
    verification_overdue_at = models.DateTimeField(_("verification flagged late"), null=True, blank=True)
    verified_at = models.DateTimeField(_("verified"), null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )

    class Meta:
        verbose_name = _("cost claim")
        verbose_name_plural = _("cost claims")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["agreement", "number"], name="cost_claim_number_unique"),
            models.CheckConstraint(condition=Q(state__in=ClaimState.values), name="cost_claim_state_valid"),
            models.CheckConstraint(
                condition=Q(state=ClaimState.DRAFT)
                | Q(submitted_at__isnull=False, verification_due_at__isnull=False),
                name="cost_claim_submitted_has_due",
            ),
        ]
        indexes = [models.Index(fields=["state", "verification_due_at"])]

    def __str__(self) -> str:
        return f"{self.agreement.number}/{self.number}" if self.agreement_id else str(self.number)


class ClaimLine(models.Model):
    """One cost, with the document that proves it. `document_key` is the normalised document number:
    the same document typed two ways is still the same document (rule 31)."""

    claim = models.ForeignKey(CostClaim, on_delete=models.PROTECT, related_name="lines")
    trial = models.ForeignKey(Trial, on_delete=models.PROTECT, related_name="claim_lines")
    category = models.ForeignKey(CostCategory, on_delete=models.PROTECT, related_name="+")
    description = models.CharField(_("description"), max_length=500)
    document_date = models.DateField(_("document date"))
    counterparty_inn = models.CharField(_("counterparty INN"), max_length=12)
    counterparty_name = models.CharField(_("counterparty"), max_length=300, blank=True)
    document_number = models.CharField(_("document number"), max_length=64)
    document_key = models.CharField(max_length=64, editable=False)
    amount = MoneyField(_("claimed amount, ₽"))
    state = models.CharField(
        _("verification"), max_length=16, choices=LineState.choices, default=LineState.PENDING, editable=False
    )
    accepted_amount = MoneyField(_("accepted amount, ₽"), null=True, blank=True, editable=False)
    decision_reason = models.TextField(_("reason"), blank=True, editable=False)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        editable=False,
    )
    verified_at = models.DateTimeField(_("verified"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("claim line")
        verbose_name_plural = _("claim lines")
        ordering = ["claim_id", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="claim_line_amount_positive"),
            models.CheckConstraint(condition=Q(state__in=LineState.values), name="claim_line_state_valid"),
            models.CheckConstraint(
                condition=Q(counterparty_inn__regex=r"^([0-9]{10}|[0-9]{12})$"), name="claim_line_inn_format"
            ),
            models.CheckConstraint(condition=~Q(document_key=""), name="claim_line_has_document"),
            # Rule 32: accepted <= claimed; a reduction or a rejection carries its reason.
            models.CheckConstraint(
                condition=Q(state=LineState.PENDING, accepted_amount__isnull=True)
                | Q(state=LineState.ACCEPTED, accepted_amount=F("amount"))
                | Q(state=LineState.REDUCED, accepted_amount__gt=0, accepted_amount__lt=F("amount"))
                & ~Q(decision_reason="")
                | Q(state=LineState.REJECTED, accepted_amount=0) & ~Q(decision_reason=""),
                name="claim_line_decision_consistent",
            ),
            # Rule 31: one cost document backs at most one accepted line anywhere.
            models.UniqueConstraint(
                fields=["counterparty_inn", "document_key", "document_date", "amount"],
                condition=Q(state__in=ACCEPTED_LINE_STATES),
                name="claim_line_document_accepted_once",
            ),
        ]
        indexes = [models.Index(fields=["counterparty_inn", "document_key"])]

    def __str__(self) -> str:
        return f"{self.document_number} ({self.counterparty_inn})"
