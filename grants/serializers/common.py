"""Shared API pieces: money as a decimal string, and `allowed_actions` from the workflow tables."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.money import parse_roubles
from core.workflow import available_actions


class MoneyField(serializers.Field):
    """Roubles as a decimal string ("1250000.50"); a JSON float is refused, never rounded."""

    default_error_messages = {"float": _('Send amounts as decimal strings, e.g. "1250000.50".')}

    def to_internal_value(self, data: Any) -> Decimal:
        if isinstance(data, float | bool):
            self.fail("float")
        try:
            return parse_roubles(data)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages) from exc

    def to_representation(self, value: Decimal) -> str:
        return f"{value:.2f}"


extend_schema_field({"type": "string", "format": "decimal", "example": "1250000.50"})(MoneyField)


def allowed_actions(workflow, obj, request) -> list[dict]:
    user = request.user if request is not None else None
    return [info.__dict__ for info in available_actions(workflow, obj, user)]
