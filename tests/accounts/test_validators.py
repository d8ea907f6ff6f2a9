"""Rule 1: identifier check digits, lengths by kind of legal person, messages naming the field."""

import pytest
from django.core.exceptions import ValidationError

from accounts.validators import (
    check_inn,
    check_kpp,
    check_ogrn,
    identifier_errors,
    validate_inn,
    validate_kpp,
    validate_ogrn,
)

pytestmark = pytest.mark.rule(1)

# Real registrations (Sberbank; a Moscow legal entity) and numbers computed by hand from the algorithm.
VALID_INN10 = ["7707083893", "7736050003"]
VALID_INN12 = ["500100732259", "772821170190"]
VALID_OGRN13 = ["1027700132195", "1027739609391", "5077746887312"]
# OGRNIP: first 14 digits mod 13 gives 3, 10, 11 and 12; the last three have check digit r mod 10.
VALID_OGRNIP = {
    3: "304770000123453",
    10: "304770000123520",
    11: "304770000123531",
    12: "304770000123542",
}


@pytest.mark.parametrize("inn", VALID_INN10)
def test_valid_ten_digit_inn(inn):
    assert check_inn(inn) is None


@pytest.mark.parametrize("inn", VALID_INN12)
def test_valid_twelve_digit_inn_for_an_individual(inn):
    assert check_inn(inn, allow_individual=True) is None


def test_twelve_digit_inn_is_refused_where_individuals_are_not_admitted():
    message = str(check_inn("500100732259"))
    assert "12-digit INN belongs to an individual" in message


@pytest.mark.parametrize(
    ("inn", "expected"),
    [
        ("7707083894", "INN check digit is wrong"),  # last digit changed
        ("500100732258", "INN check digits are wrong"),  # 12th digit changed
        ("500100732269", "INN check digits are wrong"),  # 11th digit changed
        ("770708389", "INN must have 10 digits"),
        ("77070838931", "INN must have 10 digits"),
        ("77070838a3", "INN must contain digits only"),
        ("７７０７０８３８９３", "INN must contain digits only"),  # full-width digits
        ("", "INN must contain digits only"),
    ],
)
def test_invalid_inn_names_the_field(inn, expected):
    message = str(check_inn(inn, allow_individual=True))
    assert expected in message
    assert "INN" in message


def test_ten_digit_inn_check_digit_follows_the_weights():
    # 770708389?: 7*2+7*4+0*10+7*3+0*5+8*9+3*4+8*6+9*8 = 267; 267 % 11 = 3 -> check digit 3.
    assert check_inn("7707083893") is None
    for wrong in "012456789":
        assert check_inn("770708389" + wrong) is not None


@pytest.mark.parametrize("ogrn", VALID_OGRN13)
def test_valid_ogrn(ogrn):
    assert check_ogrn(ogrn) is None


@pytest.mark.parametrize(("remainder", "ogrnip"), VALID_OGRNIP.items())
def test_valid_ogrnip_including_remainders_ten_to_twelve(remainder, ogrnip):
    assert int(ogrnip[:14]) % 13 == remainder
    assert check_ogrn(ogrnip, allow_individual=True) is None


def test_ogrnip_with_raw_remainder_as_check_digit_is_wrong():
    # The common library bug: for remainder 10 it expects "10", which cannot be one digit; the
    # right check digit is 0, and any other digit is refused.
    body = VALID_OGRNIP[10][:14]
    for digit in "123456789":
        assert "OGRNIP check digit is wrong" in str(check_ogrn(body + digit, allow_individual=True))


@pytest.mark.parametrize(
    ("ogrn", "expected"),
    [
        ("1027700132196", "OGRN check digit is wrong"),
        ("2027700132195", "13-digit OGRN starts with 1 or 5"),
        ("3027700132195", "13-digit OGRN starts with 1 or 5"),
        ("102770013219", "OGRN must have 13 digits"),
        ("10277001321955", "OGRN must have 13 digits"),
        ("10277OO132195", "OGRN must contain digits only"),
        ("304770000123454", "OGRNIP check digit is wrong"),
        ("404770000123453", "15-digit OGRNIP starts with 3"),
    ],
)
def test_invalid_ogrn_names_the_field(ogrn, expected):
    message = str(check_ogrn(ogrn, allow_individual=True))
    assert expected in message
    assert "OGRN" in message


def test_ogrnip_is_refused_where_individuals_are_not_admitted():
    assert "belongs to an individual entrepreneur" in str(check_ogrn(VALID_OGRNIP[3]))


@pytest.mark.parametrize("kpp", ["773601001", "7736AB001", "770101001", "7701Z9001"])
def test_valid_kpp(kpp):
    assert check_kpp(kpp) is None


@pytest.mark.parametrize(
    "kpp",
    ["77360100", "7736010011", "7736ab001", "77A601001", "773601A01", "773601001\n", "٧٧٣٦01001", ""],
)
def test_invalid_kpp_names_the_field(kpp):
    assert "KPP must be 9 characters" in str(check_kpp(kpp))


def test_django_validators_raise_with_a_code():
    validate_inn("7707083893")
    validate_inn("500100732259")
    validate_ogrn("1027700132195")
    validate_ogrn(VALID_OGRNIP[11])
    validate_kpp("773601001")
    with pytest.raises(ValidationError) as exc:
        validate_inn("7707083894")
    assert exc.value.code == "invalid_inn"
    with pytest.raises(ValidationError) as exc:
        validate_ogrn("1027700132196")
    assert exc.value.code == "invalid_ogrn"
    with pytest.raises(ValidationError) as exc:
        validate_kpp("7736")
    assert exc.value.code == "invalid_kpp"


def test_identifier_set_of_a_legal_entity():
    assert (
        identifier_errors(
            inn="7707083893", ogrn="1027700132195", kpp="773601001", is_individual_entrepreneur=False
        )
        == {}
    )
    errors = identifier_errors(
        inn="500100732259", ogrn=VALID_OGRNIP[3], kpp="", is_individual_entrepreneur=False
    )
    assert set(errors) == {"inn", "ogrn", "kpp"}
    assert "INN" in str(errors["inn"])
    assert "OGRN" in str(errors["ogrn"])
    assert "KPP is required" in str(errors["kpp"])


def test_identifier_set_of_an_individual_entrepreneur():
    assert (
        identifier_errors(inn="500100732259", ogrn=VALID_OGRNIP[12], kpp="", is_individual_entrepreneur=True)
        == {}
    )
    errors = identifier_errors(
        inn="7707083893", ogrn="1027700132195", kpp="773601001", is_individual_entrepreneur=True
    )
    assert "individual entrepreneur's INN has 12 digits" in str(errors["inn"])
    assert "15-digit OGRNIP" in str(errors["ogrn"])
    assert "has no KPP" in str(errors["kpp"])
