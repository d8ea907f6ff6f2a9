"""Small helpers shared by the grants forms."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db import models
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

EMPTY_CHOICE = ("", "—")

# <input type="datetime-local"> sends and shows "2026-03-01T10:00"; the form's time zone is Moscow.
DATETIME_WIDGET_FORMAT = "%Y-%m-%dT%H:%M"


def label(model: type[models.Model], name: str) -> Any:
    """The model field's verbose name, capitalised: one translation for the column and the form."""
    # capfirst stays lazy: verbose names are gettext_lazy proxies, not str, so they are capitalised
    # in the language of the request that renders the form.
    return capfirst(model._meta.get_field(name).verbose_name)


def with_empty(choices: list[tuple[str, Any]]) -> list[tuple[str, Any]]:
    return [EMPTY_CHOICE, *choices]


class MoscowDateTimeField(forms.DateTimeField):
    """A date and time typed in Moscow time (the current time zone), shown the same way."""

    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_WIDGET_FORMAT)

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("help_text", _("Moscow time"))
        super().__init__(**kwargs)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("format", "%Y-%m-%d")
        super().__init__(**kwargs)
