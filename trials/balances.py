"""Every money figure, derived from the ledger by SQL aggregates at any as-of moment (rule 35).

Nothing here is stored. `as_of` is a datetime (entries recorded at or before it) or a date (entries
recorded up to the end of that day, Moscow time); None means now.

Figures (all Decimal roubles, non-negative):
- committed: Σ commitments; released: −Σ releases; active commitments = committed − released
  (what still counts against the round's budget, rule 27);
- paid: Σ payouts; recovered: −Σ recoveries; net paid = paid − recovered;
- round remaining = budget − active commitments;
- agreement cap = its commitment; remaining cap = active commitments − net paid (zero once closed:
  closing releases exactly what was not paid).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db.models import BigIntegerField, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from core.money import MoneyField, from_kopecks
from trials.enums import LedgerKind
from trials.models import Agreement, LedgerEntry

MOSCOW = ZoneInfo("Europe/Moscow")
ZERO = Decimal("0.00")
# Field name in the annotations -> ledger kind; releases and recoveries are negative in the ledger.
KIND_FIGURES = {
    "committed": LedgerKind.COMMITMENT,
    "released": LedgerKind.RELEASE,
    "paid": LedgerKind.PAYOUT,
    "recovered": LedgerKind.RECOVERY,
}
NEGATIVE_KINDS = frozenset({LedgerKind.RELEASE, LedgerKind.RECOVERY})


def as_of_q(as_of: dt.datetime | dt.date | None, field: str = "created_at") -> Q:
    """The filter "recorded by `as_of`" (see the module docstring)."""
    if as_of is None:
        return Q()
    if isinstance(as_of, dt.datetime):
        moment = as_of if timezone.is_aware(as_of) else timezone.make_aware(as_of, MOSCOW)
        return Q(**{f"{field}__lte": moment})
    next_midnight = dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time.min, tzinfo=MOSCOW)
    return Q(**{f"{field}__lt": next_midnight})


@dataclass(frozen=True)
class Totals:
    committed: Decimal = ZERO
    released: Decimal = ZERO
    paid: Decimal = ZERO
    recovered: Decimal = ZERO

    @property
    def active_commitments(self) -> Decimal:
        return self.committed - self.released

    @property
    def net_paid(self) -> Decimal:
        return self.paid - self.recovered

    @property
    def unpaid_commitments(self) -> Decimal:
        return self.active_commitments - self.net_paid


@dataclass(frozen=True)
class RoundBalances(Totals):
    budget: Decimal = ZERO

    @property
    def remaining(self) -> Decimal:
        return self.budget - self.active_commitments


@dataclass(frozen=True)
class AgreementBalances(Totals):
    @property
    def cap(self) -> Decimal:
        return self.committed

    @property
    def remaining_cap(self) -> Decimal:
        return self.active_commitments - self.net_paid


def _sums(entries: QuerySet[LedgerEntry]) -> dict[str, Decimal]:
    rows = entries.order_by().aggregate(
        **{
            name: Coalesce(Sum("amount", filter=Q(kind=kind)), Value(0), output_field=BigIntegerField())
            for name, kind in KIND_FIGURES.items()
        }
    )
    # Kopecks -> roubles; negative kinds are reported as positive figures.
    return {
        name: from_kopecks(-rows[name] if KIND_FIGURES[name] in NEGATIVE_KINDS else rows[name])
        for name in KIND_FIGURES
    }


def ledger_totals(entries: QuerySet[LedgerEntry], as_of: dt.datetime | dt.date | None = None) -> Totals:
    """The four figures of any set of entries (one aggregate query)."""
    return Totals(**_sums(entries.filter(as_of_q(as_of))))


def round_balances(round_, as_of: dt.datetime | dt.date | None = None) -> RoundBalances:
    """Budget, commitments, payments and what remains of one round."""
    sums = _sums(LedgerEntry.objects.filter(as_of_q(as_of), round_id=round_.pk))
    return RoundBalances(budget=round_.budget, **sums)


def agreement_balances(agreement: Agreement, as_of: dt.datetime | dt.date | None = None) -> AgreementBalances:
    return AgreementBalances(**_sums(LedgerEntry.objects.filter(as_of_q(as_of), agreement_id=agreement.pk)))


def active_commitments_of_round(round_id: int) -> Decimal:
    """Σ active commitments of a round now; the signing service calls it under the round's lock."""
    return ledger_totals(LedgerEntry.objects.filter(round_id=round_id)).active_commitments


def _kind_sum(kind: str, as_of: dt.datetime | dt.date | None) -> Coalesce:
    total = (
        LedgerEntry.objects.filter(as_of_q(as_of), agreement=OuterRef("pk"), kind=kind)
        .order_by()
        .values("agreement")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    return Coalesce(Subquery(total, output_field=BigIntegerField()), Value(0), output_field=MoneyField())


def with_balances(agreements: QuerySet[Agreement], as_of: dt.datetime | dt.date | None = None) -> QuerySet:
    """Annotate each agreement with `ledger_committed`, `ledger_released`, `ledger_paid` and
    `ledger_recovered` (signed as in the ledger) in the same query as the list.
    `balances_of(agreement)` turns them into an `AgreementBalances`."""
    return agreements.annotate(
        **{f"ledger_{name}": _kind_sum(kind, as_of) for name, kind in KIND_FIGURES.items()}
    )


def balances_of(agreement: Agreement) -> AgreementBalances:
    """The balances of an agreement annotated by `with_balances` (no query)."""
    return AgreementBalances(
        committed=agreement.ledger_committed,
        released=ZERO - agreement.ledger_released,
        paid=agreement.ledger_paid,
        recovered=ZERO - agreement.ledger_recovered,
    )
