from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from core.money import format_roubles, parse_roubles


class MoneyFormField(forms.CharField):
    """Accepts Russian and plain input ("1 234 567,89", "1234567.89"); cleans to Decimal roubles."""

    def __init__(self, *, min_value: Decimal | None = Decimal("0.00"), **kwargs):
        kwargs.pop("max_length", None)
        self.min_value = min_value
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}))
        super().__init__(**kwargs)

    def prepare_value(self, value):
        if isinstance(value, Decimal):
            return format_roubles(value).replace("\u00a0₽", "")
        return value

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return None
        amount = parse_roubles(value)
        if self.min_value is not None and amount < self.min_value:
            raise forms.ValidationError(
                _("The amount cannot be below %(min)s."), code="min_value", params={"min": self.min_value}
            )
        return amount
