"""Money: roubles as integer kopecks in the database, `Decimal` in Python, one rounding rule.

Rounding is half-up to the kopeck (the Bank of Russia's "[Y + 0.005]"), applied once at the end of
each computed amount by `round_kop`. Python's own `round()` and the default decimal context round
half-even, so nothing else in the code base rounds money. Floats are refused everywhere.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

KOPECK = Decimal("0.01")
# Largest amount a column may hold: 10^13 roubles keeps every sum far inside BIGINT.
MAX_ROUBLES = Decimal("9999999999999.99")


def round_kop(value: Decimal) -> Decimal:
    """The one rounding rule: half-up to the kopeck."""
    if isinstance(value, float):
        raise TypeError("Money is never a float.")
    return Decimal(value).quantize(KOPECK, rounding=ROUND_HALF_UP)


def to_kopecks(value: Decimal | int) -> int:
    """Roubles (already exact to the kopeck) -> integer kopecks. Refuses sub-kopeck precision."""
    if isinstance(value, float):
        raise TypeError("Money is never a float.")
    amount = Decimal(value)
    if amount != amount.quantize(KOPECK):
        raise ValueError("Amount has more than two decimal places.")
    return int(amount * 100)


def from_kopecks(kopecks: int | None) -> Decimal | None:
    if kopecks is None:
        return None
    return (Decimal(int(kopecks)) / 100).quantize(KOPECK)


def parse_roubles(text: str | int | Decimal) -> Decimal:
    """Parse what a person types ("1 234 567,89", "1234567.89") into exact roubles.

    Raises ValidationError with a message a form or the API can show beside the field.
    """
    if isinstance(text, float):
        raise ValidationError(_("Enter the amount as a decimal string, not a floating-point number."))
    if isinstance(text, Decimal | int):
        raw = str(text)
    else:
        raw = str(text).strip().replace("\u00a0", "").replace("\u202f", "").replace(" ", "").replace(",", ".")
        raw = raw.removesuffix("₽").removesuffix("руб.").removesuffix("руб")
    try:
        amount = Decimal(raw)
    except InvalidOperation as exc:
        raise ValidationError(
            _("Enter an amount in roubles, for example 1 234 567,89."), code="invalid"
        ) from exc
    if not amount.is_finite():
        raise ValidationError(_("Enter an amount in roubles, for example 1 234 567,89."), code="invalid")
    if amount != amount.quantize(KOPECK, rounding=ROUND_HALF_UP):
        raise ValidationError(_("An amount has at most two decimal places (kopecks)."), code="precision")
    if abs(amount) > MAX_ROUBLES:
        raise ValidationError(_("The amount is too large."), code="too_large")
    return amount.quantize(KOPECK)


def format_roubles(value: Decimal | None) -> str:
    """1234567.8 -> '1 234 567,80 ₽' (Russian grouping with a narrow no-break space)."""
    if value is None:
        return ""
    sign = "-" if value < 0 else ""
    whole, _sep, frac = f"{abs(round_kop(value)):.2f}".partition(".")
    groups = []
    while whole:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    return f"{sign}{'\u202f'.join(groups)},{frac}\u00a0₽"


class MoneyField(models.BigIntegerField):
    """Stores kopecks as BIGINT; reads and writes `Decimal` roubles. Exact on SQLite and PostgreSQL.

    Querying compares in roubles too: `filter(amount__gte=Decimal("10.00"))`. Aggregates such as
    `Sum("amount")` return raw kopecks; pass them through `from_kopecks`.
    """

    description = _("Amount in roubles, stored as integer kopecks")

    def from_db_value(self, value, expression, connection):
        return from_kopecks(value)

    def to_python(self, value):
        if value is None or isinstance(value, Decimal):
            return value
        try:
            return parse_roubles(value)
        except ValidationError as exc:
            raise ValidationError(exc.messages[0], code="invalid") from exc

    def get_prep_value(self, value):
        if value is None:
            return None
        if isinstance(value, float):
            raise TypeError("Money is never a float.")
        return to_kopecks(Decimal(value))

    def formfield(self, **kwargs):
        from core.forms_money import MoneyFormField

        # Skip IntegerField.formfield: its bounds are in kopecks, the form speaks roubles.
        return models.Field.formfield(self, **{"form_class": MoneyFormField, **kwargs})
