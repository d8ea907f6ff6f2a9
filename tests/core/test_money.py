from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from hypothesis import given
from hypothesis import strategies as st

from core.money import MAX_ROUBLES, format_roubles, from_kopecks, parse_roubles, round_kop, to_kopecks
from tests.testapp.models import Gadget

amounts = st.decimals(min_value=-MAX_ROUBLES, max_value=MAX_ROUBLES, allow_nan=False, allow_infinity=False)
kopecks = st.integers(min_value=-(10**15) + 1, max_value=10**15 - 1)


@given(amounts)
def test_round_kop_is_idempotent_and_lands_on_a_kopeck(value):
    once = round_kop(value)
    assert round_kop(once) == once
    assert once == once.quantize(Decimal("0.01"))
    assert abs(once - value) <= Decimal("0.005")


@given(kopecks)
def test_half_kopeck_always_rounds_away_from_zero(kop):
    half_above = Decimal(kop) / 100 + Decimal("0.005") * (1 if kop >= 0 else -1)
    assert round_kop(half_above) == (Decimal(kop) / 100 + Decimal("0.01") * (1 if kop >= 0 else -1))


@pytest.mark.parametrize(
    ("value", "expected"),
    [("0.005", "0.01"), ("2.675", "2.68"), ("-0.005", "-0.01"), ("0.0049", "0.00"), ("1.125", "1.13")],
)
def test_round_kop_is_half_up_not_bankers(value, expected):
    assert round_kop(Decimal(value)) == Decimal(expected)
    # Python's own rounding would give 2.67 and 1.12: the reason round_kop exists.


def test_round_kop_refuses_floats():
    with pytest.raises(TypeError):
        round_kop(2.675)


@given(kopecks)
def test_kopecks_round_trip_exactly(kop):
    assert to_kopecks(from_kopecks(kop)) == kop


@given(amounts)
def test_roubles_round_trip_through_kopecks(value):
    exact = round_kop(value)
    assert from_kopecks(to_kopecks(exact)) == exact


def test_to_kopecks_refuses_sub_kopeck_amounts_and_floats():
    with pytest.raises(ValueError):
        to_kopecks(Decimal("1.001"))
    with pytest.raises(TypeError):
        to_kopecks(1.5)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1 234 567,89", "1234567.89"),
        ("1\u00a0234\u00a0567,89 ₽", "1234567.89"),
        ("1\u202f234,5", "1234.50"),
        ("1234567.89", "1234567.89"),
        ("250 000 000 руб.", "250000000.00"),
        ("-10,1", "-10.10"),
        ("0", "0.00"),
    ],
)
def test_parse_roubles_reads_what_people_type(text, expected):
    assert parse_roubles(text) == Decimal(expected)


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("1,005", "precision"),
        ("12.345", "precision"),
        ("abc", "invalid"),
        ("1,2,3", "invalid"),
        ("", "invalid"),
    ],
)
def test_parse_roubles_refuses_with_a_message(value, code):
    with pytest.raises(ValidationError) as caught:
        parse_roubles(value)
    assert caught.value.code == code
    assert caught.value.messages[0]


def test_parse_roubles_refuses_floats_and_infinities_and_overflow():
    with pytest.raises(ValidationError):
        parse_roubles(1.5)
    with pytest.raises(ValidationError):
        parse_roubles("Infinity")
    with pytest.raises(ValidationError):
        parse_roubles("10000000000000,00")


@given(amounts)
def test_formatted_amount_parses_back(value):
    exact = round_kop(value)
    assert parse_roubles(format_roubles(exact)) == exact


def test_format_roubles_groups_in_the_russian_way():
    assert format_roubles(Decimal("1234567.8")) == "1\u202f234\u202f567,80\u00a0₽"
    assert format_roubles(Decimal("-5")) == "-5,00\u00a0₽"


@pytest.mark.django_db
@pytest.mark.parametrize("amount", ["0.01", "2.68", "9999999999999.99", "-1234567.89"])
def test_money_field_stores_exact_kopecks_in_postgresql(amount):
    gadget = Gadget.objects.create(name="m", amount=Decimal(amount))

    with connection.cursor() as cursor:
        cursor.execute("SELECT amount FROM testapp_gadget WHERE id = %s", [gadget.pk])
        [(raw,)] = cursor.fetchall()

    assert raw == int(Decimal(amount) * 100)
    assert Gadget.objects.get(pk=gadget.pk).amount == Decimal(amount)
    assert Gadget.objects.filter(amount__gte=Decimal(amount)).count() == 1


@pytest.mark.django_db
def test_money_field_refuses_sub_kopeck_and_float_values():
    with pytest.raises(ValueError):
        Gadget.objects.create(name="m", amount=Decimal("1.001"))
    with pytest.raises(TypeError):
        Gadget.objects.create(name="m", amount=1.5)
