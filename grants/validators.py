"""Drug, disease and trial identifiers (rules 8 and 9): normalise what people type, then check it.

Each `normalise_*` returns the canonical form (or the input stripped when it cannot be normalised);
each `check_*` takes a normalised value and returns None when it is valid or a translatable message.
Services call them to collect every problem at once; the Django validators wrap them for forms.
"""

from __future__ import annotations

import datetime as dt
import re

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# Users type Cyrillic look-alikes in codes (А В С Е Н К М О Р Т Х and lower case): map them to Latin.
_CYRILLIC_TO_LATIN = str.maketrans("АВСЕНКМОРТХУавсенкмортху", "ABCEHKMOPTXYabcehkmoptxy")
_SPACES = re.compile(r"\s+")

ICD10_RE = re.compile(r"^[A-Z]\d{2}(\.\d{1,2})?$")
_ICD10_NO_DOT_RE = re.compile(r"^([A-Z]\d{2})(\d{1,2})$")
# WHO ATC levels 1-5: A, A10, A10B, A10BA, A10BA02. Q (veterinary) is not a human ATC group.
ATC_RE = re.compile(r"^[ABCDGHJLMNPRSV](\d{2}([A-Z]([A-Z](\d{2})?)?)?)?$")
NCT_RE = re.compile(r"^NCT\d{8}$")
_NCT_LOOSE_RE = re.compile(r"^NCT(\d{7,8})$")
# The register's number format is not standardised: accept letters, digits and common separators.
PERMISSION_RE = re.compile(r"^[0-9A-Za-zА-Яа-яЁё][0-9A-Za-zА-Яа-яЁё\-/.() ]*$")
PERMISSION_MAX_LENGTH = 64


def _compact_code(value: str) -> str:
    return _SPACES.sub("", (value or "").translate(_CYRILLIC_TO_LATIN)).upper()


def normalise_icd10(value: str) -> str:
    """'c50.9', 'С50.9' (Cyrillic С), 'C509', 'C50.9†' -> 'C50.9'."""
    code = _compact_code(value).replace(",", ".").rstrip("†*+")
    match = _ICD10_NO_DOT_RE.match(code)
    if match:
        code = f"{match.group(1)}.{match.group(2)}"
    return code


def check_icd10(code: str) -> str | None:
    if not code:
        return _("Enter the ICD-10 code of the indication.")
    if not ICD10_RE.match(code):
        return _("An ICD-10 code is a letter and two digits, optionally a dot and one or two digits (C50.9).")
    return None


def normalise_atc(value: str) -> str:
    return _compact_code(value)


def check_atc(code: str) -> str | None:
    if not ATC_RE.match(code):
        return _(
            "An ATC code starts with an anatomical group letter (A, B, C, D, G, H, J, L, M, N, P, R, S, V) "
            "followed by the level codes, for example L01 or A10BA02."
        )
    return None


def normalise_nct(value: str) -> str:
    """'nct 0123 4567' -> 'NCT01234567'; a dropped leading zero ('NCT1234567') is restored."""
    code = _compact_code(value).replace("-", "")
    match = _NCT_LOOSE_RE.match(code)
    if match:
        code = "NCT" + match.group(1).zfill(8)
    return code


def check_nct(code: str) -> str | None:
    if not NCT_RE.match(code):
        return _("A ClinicalTrials.gov identifier is NCT followed by 8 digits, for example NCT01234567.")
    return None


def normalise_permission_number(value: str) -> str:
    """Collapse spaces and drop a leading '№' or 'N' sign; the register's format is free text."""
    number = _SPACES.sub(" ", (value or "").strip())
    number = re.sub(r"^(№|N°|No\.?)\s*", "", number).strip()
    return number.upper()


def check_permission_number(number: str) -> str | None:
    if not number:
        return _("Enter the permission number from the Ministry of Health register.")
    if len(number) > PERMISSION_MAX_LENGTH or not PERMISSION_RE.match(number) or not re.search(r"\d", number):
        return _("The permission number has letters, digits and separators (- / .) and contains a digit.")
    return None


def check_permission_date(value: dt.date | None, *, today: dt.date | None = None) -> str | None:
    if value is None:
        return _("Enter the date of the trial permission.")
    if value > (today or timezone.localdate()):
        return _("The permission date cannot be in the future.")
    return None


def _raise(message: str | None, code: str) -> None:
    if message is not None:
        raise ValidationError(message, code=code)


def validate_icd10(value: str) -> None:
    _raise(check_icd10(normalise_icd10(value)), "icd10")


def validate_atc(value: str) -> None:
    if value:
        _raise(check_atc(normalise_atc(value)), "atc")


def validate_nct(value: str) -> None:
    if value:
        _raise(check_nct(normalise_nct(value)), "nct")


def validate_permission_number(value: str) -> None:
    if value:
        _raise(check_permission_number(normalise_permission_number(value)), "permission_number")


def validate_not_future(value: dt.date | None) -> None:
    if value is not None:
        _raise(check_permission_date(value), "future_date")
