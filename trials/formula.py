"""The payout formula (rule 33), the one place it is written. No ORM: property tests drive it directly.

    payout = min(round_kop(rate × Σ accepted), cap − net paid)

`round_kop` (half-up to the kopeck) is applied once, to the product, before the cap is taken, so
the cap never rounds anything. The result is never negative: an agreement already at (or, after a
data error, past) its cap gets zero.
"""

from __future__ import annotations

from decimal import Decimal

from core.money import KOPECK, round_kop

ZERO = Decimal("0.00")


def _exact(value: Decimal, name: str) -> Decimal:
    if not isinstance(value, Decimal | int) or isinstance(value, bool):
        raise TypeError(f"{name} must be a Decimal (money is never a float).")
    value = Decimal(value)
    if not value.is_finite():
        raise ValueError(f"{name} must be finite.")
    return value


def payout_amount(*, rate: Decimal, accepted_total: Decimal, cap: Decimal, net_paid: Decimal) -> Decimal:
    """What may be paid now for `accepted_total` of verified costs.

    `rate` is the program's compensation rate (0 < rate ≤ 1); `accepted_total` the sum of the
    accepted amounts being paid for; `cap` the agreement's cap; `net_paid` what the agreement has
    already paid net of recoveries, plus anything already promised to other payouts not yet paid.
    All amounts are roubles, exact to the kopeck.
    """
    rate = _exact(rate, "rate")
    accepted_total = _exact(accepted_total, "accepted_total")
    cap = _exact(cap, "cap")
    net_paid = _exact(net_paid, "net_paid")
    if not (0 < rate <= 1):
        raise ValueError("rate must be in (0, 1].")
    for name, amount in (("accepted_total", accepted_total), ("cap", cap), ("net_paid", net_paid)):
        if amount < 0:
            raise ValueError(f"{name} cannot be negative.")
        if amount != amount.quantize(KOPECK):
            raise ValueError(f"{name} has more than two decimal places.")
    due = round_kop(rate * accepted_total)
    headroom = cap - net_paid
    return max(ZERO, min(due, headroom)).quantize(KOPECK)
