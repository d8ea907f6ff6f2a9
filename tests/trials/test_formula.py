"""Rule 33: payout = min(round half-up to the kopeck of rate × Σ accepted, cap − net paid)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from trials.formula import payout_amount

KOPECK = Decimal("0.01")
money = st.integers(min_value=0, max_value=10**13).map(lambda k: Decimal(k) / 100)
rates = st.integers(min_value=1, max_value=10_000).map(lambda r: Decimal(r) / 10_000)


@pytest.mark.rule(33)
@given(rate=rates, accepted=money, cap=money, paid=money)
def test_never_negative_never_past_the_cap_exact_to_the_kopeck(rate, accepted, cap, paid):
    amount = payout_amount(rate=rate, accepted_total=accepted, cap=cap, net_paid=paid)
    assert amount >= 0
    assert amount == amount.quantize(KOPECK)
    if paid <= cap:
        assert paid + amount <= cap  # never takes the agreement past its cap
    else:
        assert amount == 0  # already past it (data error): nothing more
    # It is the formula, not an approximation of it.
    exact = rate * accepted
    assert abs(min(exact, max(cap - paid, Decimal(0))) - amount) <= Decimal("0.005")


@pytest.mark.rule(33)
@given(rate=rates, accepted=money)
def test_below_the_cap_it_pays_the_rounded_rate_times_accepted(rate, accepted):
    cap = Decimal("99999999999999.99")
    amount = payout_amount(rate=rate, accepted_total=accepted, cap=cap, net_paid=Decimal(0))
    product = rate * accepted
    # Half-up: the error lies in (-½, +½] kopeck; half-even would sometimes round a half down (-½).
    assert Decimal("-0.005") < amount - product <= Decimal("0.005")


@pytest.mark.rule(33)
@pytest.mark.parametrize(
    ("rate", "accepted", "expected"),
    [
        (Decimal("0.5"), Decimal("0.01"), Decimal("0.01")),  # 0.005 -> 0.01 (half-up, not half-even 0.00)
        (Decimal("0.5"), Decimal("0.03"), Decimal("0.02")),  # 0.015 -> 0.02
        (Decimal("0.5"), Decimal("0.05"), Decimal("0.03")),  # 0.025 -> 0.03 (half-even would give 0.02)
        (Decimal("0.3333"), Decimal("0.03"), Decimal("0.01")),  # 0.009999 -> 0.01
        (Decimal("0.0001"), Decimal("0.49"), Decimal("0.00")),  # 0.000049 -> 0.00
        (Decimal("1"), Decimal("1234567.89"), Decimal("1234567.89")),
    ],
)
def test_half_up_at_the_half_kopeck(rate, accepted, expected):
    cap = Decimal("10000000")
    assert payout_amount(rate=rate, accepted_total=accepted, cap=cap, net_paid=Decimal(0)) == expected


@pytest.mark.rule(33)
def test_the_cap_wins_over_the_rate():
    amount = payout_amount(
        rate=Decimal("1"),
        accepted_total=Decimal("700.00"),
        cap=Decimal("1000.00"),
        net_paid=Decimal("400.00"),
    )
    assert amount == Decimal("600.00")
    assert payout_amount(
        rate=Decimal("1"), accepted_total=Decimal("5.00"), cap=Decimal("1000.00"), net_paid=Decimal("1000.00")
    ) == Decimal("0.00")


@pytest.mark.rule(33)
@pytest.mark.parametrize(
    "kwargs",
    [
        {"rate": 0.5},  # a float is never money
        {"rate": Decimal("0")},
        {"rate": Decimal("1.0001")},
        {"accepted_total": Decimal("-1")},
        {"cap": Decimal("10.001")},
        {"net_paid": Decimal("NaN")},
    ],
)
def test_refuses_nonsense_inputs(kwargs):
    values = {
        "rate": Decimal("1"),
        "accepted_total": Decimal("1"),
        "cap": Decimal("1"),
        "net_paid": Decimal("0"),
    }
    values.update(kwargs)
    with pytest.raises((TypeError, ValueError)):
        payout_amount(**values)
