"""Identifier validators (rules 8 and 9): what people type, what is stored, what is refused."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from grants import validators as v


@pytest.mark.rule(9)
@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("C50.9", "C50.9"),
        ("c50.9", "C50.9"),
        ("С50.9", "C50.9"),  # Cyrillic С
        (" E11 ", "E11"),
        ("C509", "C50.9"),
        ("E11.65", "E11.65"),
        ("G30,1", "G30.1"),
        ("A17.0†", "A17.0"),
    ],
)
def test_icd10_valid_values_are_normalised(typed, stored):
    assert v.normalise_icd10(typed) == stored
    assert v.check_icd10(stored) is None
    v.validate_icd10(typed)


@pytest.mark.rule(9)
@pytest.mark.parametrize("typed", ["", "C5", "50.9", "C50.", "C50.123", "CC0.1", "C50.A", "A10BA02", "C50-9"])
def test_icd10_invalid_values_are_refused_with_a_message(typed):
    message = v.check_icd10(v.normalise_icd10(typed))
    assert message
    with pytest.raises(ValidationError) as exc:
        v.validate_icd10(typed)
    assert str(message) in exc.value.messages


@pytest.mark.rule(9)
@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("A", "A"),
        ("a10", "A10"),
        ("A10B", "A10B"),
        ("A10BA", "A10BA"),
        ("a10ba02", "A10BA02"),
        ("L01 XC", "L01XC"),
    ],
)
def test_atc_levels_one_to_five_are_accepted(typed, stored):
    assert v.normalise_atc(typed) == stored
    assert v.check_atc(stored) is None


@pytest.mark.rule(9)
@pytest.mark.parametrize(
    "typed", ["Q01", "E", "A1", "A10B1", "A10BA2", "A10BA023", "C50.9", "10BA02", "AA0BA02"]
)
def test_atc_malformed_codes_are_refused(typed):
    assert v.check_atc(v.normalise_atc(typed))
    with pytest.raises(ValidationError):
        v.validate_atc(typed)


def test_atc_is_optional():
    v.validate_atc("")


@pytest.mark.rule(8)
@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("NCT01234567", "NCT01234567"),
        ("nct01234567", "NCT01234567"),
        (" NCT 0123 4567 ", "NCT01234567"),
        ("NCT1234567", "NCT01234567"),  # a dropped leading zero
        ("NCT-01234567", "NCT01234567"),
    ],
)
def test_nct_ids_are_normalised(typed, stored):
    assert v.normalise_nct(typed) == stored
    assert v.check_nct(stored) is None


@pytest.mark.rule(8)
@pytest.mark.parametrize(
    "typed", ["NCT123456", "NCT012345678", "NTC01234567", "01234567", "NCT0123456X", "ISRCTN12345678"]
)
def test_malformed_nct_ids_are_refused(typed):
    assert v.check_nct(v.normalise_nct(typed))
    with pytest.raises(ValidationError):
        v.validate_nct(typed)


@pytest.mark.rule(8)
@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("123", "123"),
        ("№ 456-21", "456-21"),
        ("  12/2024   РКИ ", "12/2024 РКИ"),
        ("No. 77", "77"),
        ("ab-1", "AB-1"),
    ],
)
def test_permission_numbers_are_tolerated_and_normalised(typed, stored):
    assert v.normalise_permission_number(typed) == stored
    assert v.check_permission_number(stored) is None


@pytest.mark.rule(8)
@pytest.mark.parametrize("typed", ["", "   ", "№", "abc", "12;DROP", "#12", "1" * 65])
def test_bad_permission_numbers_are_refused(typed):
    assert v.check_permission_number(v.normalise_permission_number(typed))


@pytest.mark.rule(8)
def test_permission_date_cannot_be_in_the_future():
    today = dt.date(2026, 5, 1)
    assert v.check_permission_date(dt.date(2026, 5, 1), today=today) is None
    assert v.check_permission_date(dt.date(2020, 1, 31), today=today) is None
    assert (
        v.check_permission_date(dt.date(2026, 5, 2), today=today)
        == "The permission date cannot be in the future."
    )
    assert v.check_permission_date(None, today=today)
