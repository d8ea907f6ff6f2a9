"""The append-only ledger (rule 35): every money movement of every agreement, one signed row each.

Signs by kind: a commitment (+) reserves an agreement's cap against its round's budget; a release (−)
gives back what was not paid; a payout (+) is money paid to the firm; a recovery (−) is money
demanded back. Balances are sums of these rows (`trials.balances`), never stored. PostgreSQL refuses
UPDATE and DELETE on the table (trigger in migration 0002); the model refuses them in Python too.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.money import MoneyField
from trials.enums import LedgerKind
from trials.models.agreement import Agreement
from trials.models.payouts import Payout, Recovery


class LedgerEntryQuerySet(models.QuerySet):
    def update(self, **kwargs):  # type: ignore[override]
        raise PermissionError("Ledger entries are append-only.")

    def delete(self):  # type: ignore[override]
        raise PermissionError("Ledger entries are append-only.")


class LedgerEntry(models.Model):
    round = models.ForeignKey("grants.Round", on_delete=models.PROTECT, related_name="ledger_entries")
    agreement = models.ForeignKey(Agreement, on_delete=models.PROTECT, related_name="ledger_entries")
    kind = models.CharField(_("kind"), max_length=16, choices=LedgerKind.choices)
    amount = MoneyField(_("amount, ₽"))
    payout = models.ForeignKey(
        Payout, on_delete=models.PROTECT, related_name="ledger_entries", null=True, blank=True
    )
    recovery = models.ForeignKey(
        Recovery, on_delete=models.PROTECT, related_name="ledger_entries", null=True, blank=True
    )
    reason = models.TextField(_("reason"), blank=True)
    created_at = models.DateTimeField(_("recorded"), default=timezone.now, db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )

    objects = LedgerEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=LedgerKind.values), name="ledger_kind_valid"),
            models.CheckConstraint(
                condition=Q(
                    kind=LedgerKind.COMMITMENT, amount__gt=0, payout__isnull=True, recovery__isnull=True
                )
                | Q(kind=LedgerKind.RELEASE, amount__lt=0, payout__isnull=True)
                | Q(kind=LedgerKind.PAYOUT, amount__gt=0, payout__isnull=False, recovery__isnull=True)
                | Q(kind=LedgerKind.RECOVERY, amount__lt=0, recovery__isnull=False, payout__isnull=True),
                name="ledger_sign_and_reference_by_kind",
            ),
            models.UniqueConstraint(
                fields=["agreement"],
                condition=Q(kind=LedgerKind.COMMITMENT),
                name="ledger_one_commitment_per_agreement",
            ),
            models.UniqueConstraint(
                fields=["payout"], condition=Q(kind=LedgerKind.PAYOUT), name="ledger_one_entry_per_payout"
            ),
            models.UniqueConstraint(
                fields=["recovery"],
                condition=Q(kind=LedgerKind.RECOVERY),
                name="ledger_one_entry_per_recovery",
            ),
        ]
        indexes = [
            models.Index(fields=["round", "created_at"], name="ledger_round_time_idx"),
            models.Index(fields=["agreement", "created_at"], name="ledger_agreement_time_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount} ({self.agreement_id})"

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.get("force_insert"):
            raise PermissionError("Ledger entries are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("Ledger entries are append-only.")
