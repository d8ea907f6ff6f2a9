"""Payouts (rules 33-34) and recoveries. Money already paid is never edited: PostgreSQL refuses any
UPDATE of a paid payout and any change to a recovery (trigger in migration 0002)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.money import MoneyField
from trials.enums import PayoutState
from trials.models.agreement import Agreement
from trials.models.claims import CostClaim


class Payout(models.Model):
    """A payment for one verified claim: proposed, approved by a second officer, marked paid."""

    agreement = models.ForeignKey(Agreement, on_delete=models.PROTECT, related_name="payouts")
    claim = models.ForeignKey(CostClaim, on_delete=models.PROTECT, related_name="payouts")
    # The formula's inputs as they were at the proposal, so the amount can be re-derived later.
    accepted_total = MoneyField(_("verified costs, ₽"))
    rate = models.DecimalField(_("compensation rate"), max_digits=5, decimal_places=4)
    amount = MoneyField(_("amount, ₽"))
    state = models.CharField(
        _("state"), max_length=16, choices=PayoutState.choices, default=PayoutState.PROPOSED, editable=False
    )
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    proposed_at = models.DateTimeField(_("proposed"))
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)
    paid_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    paid_at = models.DateTimeField(_("marked paid"), null=True, blank=True)
    payment_order_number = models.CharField(_("payment order no."), max_length=32, blank=True)
    payment_order_date = models.DateField(_("payment order date"), null=True, blank=True)
    cancel_reason = models.TextField(_("reason for cancelling"), blank=True)

    class Meta:
        verbose_name = _("payout")
        verbose_name_plural = _("payouts")
        ordering = ["-proposed_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payout_amount_positive"),
            models.CheckConstraint(condition=Q(accepted_total__gt=0), name="payout_accepted_total_positive"),
            models.CheckConstraint(condition=Q(rate__gt=0, rate__lte=1), name="payout_rate_in_0_1"),
            models.CheckConstraint(condition=Q(state__in=PayoutState.values), name="payout_state_valid"),
            models.CheckConstraint(
                condition=~Q(state=PayoutState.PAID)
                | Q(paid_at__isnull=False, payment_order_date__isnull=False, approved_by__isnull=False)
                & ~Q(payment_order_number=""),
                name="payout_paid_has_order",
            ),
            models.CheckConstraint(
                condition=~Q(state__in=[PayoutState.APPROVED, PayoutState.PAID])
                | Q(approved_by__isnull=False),
                name="payout_approved_has_approver",
            ),
            # Rule 34: the approver is a second person.
            models.CheckConstraint(
                condition=Q(approved_by__isnull=True) | ~Q(approved_by=models.F("proposed_by")),
                name="payout_approver_is_not_proposer",
            ),
            # A claim is paid at most once; a cancelled proposal leaves room for a new one.
            models.UniqueConstraint(
                fields=["claim"], condition=~Q(state=PayoutState.CANCELLED), name="payout_one_live_per_claim"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.agreement_id}: {self.amount}"


class Recovery(models.Model):
    """Money demanded back from the firm: a new negative ledger entry, never an edit of a payout."""

    agreement = models.ForeignKey(Agreement, on_delete=models.PROTECT, related_name="recoveries")
    payout = models.ForeignKey(
        Payout, on_delete=models.PROTECT, related_name="recoveries", null=True, blank=True
    )
    amount = MoneyField(_("amount, ₽"))
    reason = models.TextField(_("reason"))
    due_date = models.DateField(_("to be repaid by"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("recorded"))

    class Meta:
        verbose_name = _("recovery")
        verbose_name_plural = _("recoveries")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="recovery_amount_positive"),
            models.CheckConstraint(condition=~Q(reason=""), name="recovery_has_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.agreement_id}: -{self.amount}"
