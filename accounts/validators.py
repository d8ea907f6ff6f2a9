"""Russian organisation identifiers: INN, OGRN/OGRNIP and KPP with their check digits (rule 1).

Each `check_*` function returns None for a valid value or a translatable message saying what is
wrong; the Django validators wrap them so models, forms and serializers share one implementation.
`identifier_errors` checks a whole set of identifiers against the kind of legal person.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_INN10_WEIGHTS = (2, 4, 10, 3, 5, 9, 4, 6, 8)
_INN12_WEIGHTS_11 = (7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
_INN12_WEIGHTS_12 = (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
# re.ASCII: `\d` would otherwise accept other scripts' digits; fullmatch: `$` would accept a trailing newline.
KPP_RE = re.compile(r"\d{4}[0-9A-Z]{2}\d{3}", re.ASCII)


def _digits_only(value: str) -> bool:
    # str.isdigit() alone accepts superscripts and other scripts' digits.
    return value.isascii() and value.isdigit()


def _weighted_check(digits: str, weights: tuple[int, ...]) -> int:
    """Check digit of the first len(weights) digits: weighted sum mod 11, then mod 10."""
    return sum(int(d) * w for d, w in zip(digits[: len(weights)], weights, strict=True)) % 11 % 10


def check_inn(value: str, *, allow_individual: bool = False) -> str | None:
    """10-digit organisation INN, or a 12-digit individual INN where individuals may apply."""
    if not _digits_only(value):
        return _("INN must contain digits only.")
    if len(value) == 10:
        if _weighted_check(value, _INN10_WEIGHTS) != int(value[9]):
            return _("INN check digit is wrong: please check the number.")
        return None
    if len(value) == 12:
        if not allow_individual:
            return _("A 12-digit INN belongs to an individual; an organisation's INN has 10 digits.")
        if _weighted_check(value, _INN12_WEIGHTS_11) != int(value[10]) or _weighted_check(
            value, _INN12_WEIGHTS_12
        ) != int(value[11]):
            return _("INN check digits are wrong: please check the number.")
        return None
    return _("INN must have 10 digits (12 for an individual entrepreneur).")


def check_ogrn(value: str, *, allow_individual: bool = False) -> str | None:
    """13-digit OGRN (starts with 1 or 5) or a 15-digit OGRNIP (starts with 3) where admitted.

    OGRN: the first 12 digits mod 11, then mod 10, is the check digit.
    OGRNIP: the first 14 digits mod 13, then mod 10 (remainders 10-12 give 0-2; a common
    library compares the raw remainder and rejects valid numbers).
    """
    if not _digits_only(value):
        return _("OGRN must contain digits only.")
    if len(value) == 13:
        if value[0] not in "15":
            return _("A 13-digit OGRN starts with 1 or 5.")
        if int(value[:12]) % 11 % 10 != int(value[12]):
            return _("OGRN check digit is wrong: please check the number.")
        return None
    if len(value) == 15:
        if not allow_individual:
            return _(
                "A 15-digit OGRNIP belongs to an individual entrepreneur; an organisation's OGRN has 13 digits."
            )
        if value[0] != "3":
            return _("A 15-digit OGRNIP starts with 3.")
        if int(value[:14]) % 13 % 10 != int(value[14]):
            return _("OGRNIP check digit is wrong: please check the number.")
        return None
    return _("OGRN must have 13 digits (15 for an individual entrepreneur's OGRNIP).")


def check_kpp(value: str) -> str | None:
    if not KPP_RE.fullmatch(value):
        return _("KPP must be 9 characters: 4 digits, 2 digits or capital Latin letters, 3 digits.")
    return None


def identifier_errors(*, inn: str, ogrn: str, kpp: str, is_individual_entrepreneur: bool) -> dict[str, str]:
    """Field -> message for every identifier that is wrong for this kind of legal person.

    A legal entity has a 10-digit INN, a 13-digit OGRN and a KPP; an individual entrepreneur has a
    12-digit INN, a 15-digit OGRNIP and no KPP. Empty when all are valid.
    """
    errors: dict[str, str] = {}
    ie = is_individual_entrepreneur
    message = check_inn(inn, allow_individual=ie)
    if message is None and ie and len(inn) != 12:
        message = _("An individual entrepreneur's INN has 12 digits.")
    if message is not None:
        errors["inn"] = message
    message = check_ogrn(ogrn, allow_individual=ie)
    if message is None and ie and len(ogrn) != 15:
        message = _("An individual entrepreneur has a 15-digit OGRNIP instead of an OGRN.")
    if message is not None:
        errors["ogrn"] = message
    if ie:
        if kpp:
            errors["kpp"] = _("An individual entrepreneur has no KPP: leave it empty.")
    elif not kpp:
        errors["kpp"] = _("KPP is required for an organisation.")
    elif (message := check_kpp(kpp)) is not None:
        errors["kpp"] = message
    return errors


def _raise(message: str | None, code: str) -> None:
    if message is not None:
        raise ValidationError(message, code=code)


def validate_inn(value: str) -> None:
    """Model/form validator: accepts both lengths; `identifier_errors` enforces which one."""
    _raise(check_inn(value, allow_individual=True), "invalid_inn")


def validate_ogrn(value: str) -> None:
    _raise(check_ogrn(value, allow_individual=True), "invalid_ogrn")


def validate_kpp(value: str) -> None:
    _raise(check_kpp(value), "invalid_kpp")
