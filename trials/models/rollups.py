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
`MoneyMonth` sums this table again by the report's own groups (round, firm, priority area) and month,
kept by a trigger on this table (migration 0004): the report reads whole months from it, which at a
million entries is a few thousand rows, and only its partial months (around `since` and `as_of`) from
the daily rows here.

Nothing in Python writes either table; `tests/trials/reports/test_rollups.py` reconciles both with
their sources.
"""

from __future__ import annotations

from django.db import models
from django.db.models import F, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation
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
        # The report reads the days of partial months by day range: with every column it needs in
        # the index, that is an index-only scan of those days instead of a scan of the table.
        indexes = [
            models.Index(
                fields=["day", "kind", "agreement", "amount", "entries"], name="money_rollup_by_day"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.agreement_id} {self.day} {self.kind}: {self.amount}"


class MoneyMonth(models.Model):
    """Money per round, firm, priority area, Moscow month and kind: `MoneyRollup` summed once more.

    An agreement's round, firm and area are those of its rows here; a change of any of them (an
    application's area corrected in the admin) moves its sums between rows in the same transaction.
    Rows are shared by every agreement of a group, so concurrent writers of one group and month queue
    on its row until they commit (writes are short; a payout's transaction already locks more).
    """

    round = models.ForeignKey("grants.Round", on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    area = models.ForeignKey("grants.PriorityArea", on_delete=models.PROTECT, related_name="+", null=True)
    month = models.DateField(_("month (its first day, Moscow time)"))
    kind = models.CharField(_("kind"), max_length=16)  # as MoneyRollup.kind
    amount = MoneyField(_("amount, ₽"))  # signed like the ledger
    entries = models.IntegerField(_("rows summed"))

    class Meta:
        verbose_name = _("monthly money rollup")
        verbose_name_plural = _("monthly money rollups")
        constraints = [
            # No area is a group of its own: COALESCE makes it one key (NULLs are distinct in a unique index).
            models.UniqueConstraint(
                F("round"),
                F("organisation"),
                Coalesce(F("area"), Value(0)),
                F("month"),
                F("kind"),
                name="money_month_key",
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.round_id}/{self.organisation_id}/{self.area_id} {self.month} {self.kind}: {self.amount}"
        )
