"""Money per agreement, Moscow day and kind: derived state for the auditor's report (rule 35).

The ledger and the claim lines and payouts stay the record; this table only sums them so the report
reads a few rows per agreement and day instead of every entry. Database triggers (migration 0003)
keep it in the same transaction as the rows it sums, whoever writes them (services, admin, raw SQL,
the bench's bulk load), so it never lags:

- a ledger entry (append-only) adds its signed amount under its own kind, on its Moscow day;
- a claim line counts under "verified" with its accepted amount while it is accepted (or reduced),
  on the Moscow day it was verified; any change takes the old contribution out and puts the new in;
- a payout counts under "approved" with its amount while it is approved (or paid), on the Moscow day
  it was approved; a cancellation takes it out again.

`entries` counts the source rows behind a sum: a row with none left (a cancelled payout) is skipped.
Nothing in Python writes here; `tests/trials/reports/test_rollups.py` reconciles it with its sources.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from core.money import MoneyField
from trials.models.agreement import Agreement

VERIFIED = "verified"  # accepted amounts of claim lines, by the day they were verified
APPROVED = "approved"  # approved (or paid) payouts, by the day they were approved


class MoneyRollup(models.Model):
    agreement = models.ForeignKey(Agreement, on_delete=models.PROTECT, related_name="+")
    day = models.DateField(_("day (Moscow time)"))
    # A ledger kind (trials.enums.LedgerKind), VERIFIED or APPROVED.
    kind = models.CharField(_("kind"), max_length=16)
    amount = MoneyField(_("amount, ₽"))  # signed like the ledger
    entries = models.IntegerField(_("rows summed"))

    class Meta:
        verbose_name = _("money rollup")
        verbose_name_plural = _("money rollups")
        constraints = [
            models.UniqueConstraint(fields=["agreement", "day", "kind"], name="money_rollup_key"),
        ]

    def __str__(self) -> str:
        return f"{self.agreement_id} {self.day} {self.kind}: {self.amount}"
