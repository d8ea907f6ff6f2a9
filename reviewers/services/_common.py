"""Helpers shared by the reviewers services: error collection, parsing, identifiers."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext_lazy as _

from accounts.validators import check_inn, check_ogrn
from core.errors import ValidationFailed


class Problems:
    """Collects field -> messages so a service refuses with every problem at once."""

    def __init__(self) -> None:
        self.details: dict[str, list[str]] = defaultdict(list)

    def add(self, field: str, message: Any) -> None:
        self.details[field].append(str(message))

    def __bool__(self) -> bool:
        return bool(self.details)

    def raise_if_any(self, code: str = "invalid", message: Any = None) -> None:
        if not self.details:
            return
        field, messages = next(iter(self.details.items()))
        if message is None:
            message = messages[0] if len(self.details) == 1 else _("Some fields need attention.")
        raise ValidationFailed(code, str(message), field, details=dict(self.details))


def decimal_or_none(value: Any) -> Decimal | None:
    """A score as typed ("3,5", "4", 3.5, Decimal); None for empty. A JSON float is read by its shortest
    decimal form (3.5 -> "3.5"), which is exact for every score on a 0.1 step."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise ValueError("bool")
    try:
        number = Decimal(str(value).strip().replace(",", "."))
    except (InvalidOperation, ValueError) as exc:
        raise ValueError(str(value)) from exc
    if not number.is_finite():
        raise ValueError(str(value))
    return number


def clean_identifiers(inn: Any, ogrn: Any, problems: Problems) -> tuple[str, str]:
    """An organisation's INN (10 digits, or 12 for a person) and optional OGRN/OGRNIP, check digits verified."""
    inn = "".join(str(inn or "").split())
    ogrn = "".join(str(ogrn or "").split())
    message = check_inn(inn, allow_individual=True) if inn else _("Enter the organisation's INN.")
    if message:
        problems.add("inn", message)
    if ogrn:
        message = check_ogrn(ogrn, allow_individual=True)
        if message:
            problems.add("ogrn", message)
    return inn, ogrn


def clean_text(value: Any, field: str, problems: Problems | None = None, *, required: bool = False) -> str:
    text = " ".join(str(value or "").split())
    if required and not text and problems is not None:
        problems.add(field, _("This field is required."))
    return text


def clean_list(values: Any) -> list[str]:
    """A list of short strings from a list or a comma/semicolon/newline separated string, deduplicated."""
    if values is None:
        return []
    if isinstance(values, str):
        for separator in (";", "\n"):
            values = values.replace(separator, ",")
        values = values.split(",")
    seen: dict[str, None] = {}
    for item in values:
        text = " ".join(str(item).split())
        if text and text.casefold() not in {s.casefold() for s in seen}:
            seen[text] = None
    return list(seen)


def dates_ordered(start: date | None, end: date | None, problems: Problems, field: str = "ended_on") -> None:
    if start and end and start > end:
        problems.add(field, _("The end date is before the start date."))
