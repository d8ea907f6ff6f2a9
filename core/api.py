"""API glue: pagination, one error body for every 4xx, and its OpenAPI description.

Every error the API returns has the body `{"code", "message", "field", "details"}`:
- a `DomainError` from a service: its own code, message, field and details, with its status;
- DRF validation errors: code "invalid", the first message and its field, and `details` mapping every
  field (dotted for nested ones, e.g. "lines.0.amount") to its messages;
- malformed JSON: 400 "malformed_json"; 401, 403, 404, 405, 406, 415 and 429 with DRF's codes
  ("not_authenticated", "forbidden", "not_found", "method_not_allowed", ...).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, serializers
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from core.errors import DomainError


class Pagination(PageNumberPagination):
    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 100


class DomainErrorSerializer(serializers.Serializer):
    """The body of every 4xx response (documented as the `DomainError` component)."""

    code = serializers.CharField(help_text="Stable machine-readable reason, e.g. `invalid_transition`.")
    message = serializers.CharField(help_text="Human-readable message in the request's language.")
    field = serializers.CharField(allow_null=True, help_text="The input field at fault, or null.")
    details = serializers.DictField(help_text="Extra data; for validation errors, field -> list of messages.")


class ActionInfoSerializer(serializers.Serializer):
    """One entry of an object's `allowed_actions` (from `core.workflow.available_actions`)."""

    action = serializers.CharField()
    label = serializers.CharField()
    allowed = serializers.BooleanField()
    reason = serializers.CharField(allow_blank=True)
    needs_reason = serializers.BooleanField()


def error_body(code: str, message: str, field: str | None = None, details: dict | None = None) -> dict:
    return {"code": code, "message": str(message), "field": field or None, "details": details or {}}


def _flatten(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested error detail -> {"field" or "parent.0.child": [messages]}."""
    key = prefix or api_settings.NON_FIELD_ERRORS_KEY
    if isinstance(detail, dict):
        out: dict[str, list[str]] = {}
        for name, value in detail.items():
            out.update(_flatten(value, f"{prefix}.{name}" if prefix else str(name)))
        return out
    if isinstance(detail, list):
        if all(not isinstance(item, dict | list) for item in detail):
            return {key: [str(item) for item in detail]} if detail else {}
        out = {}
        for index, item in enumerate(detail):
            out.update(_flatten(item, f"{prefix}.{index}" if prefix else str(index)))
        return out
    return {key: [str(detail)]}


def _validation_body(detail: Any) -> dict:
    fields = _flatten(detail)
    if not fields:
        return error_body("invalid", _("The request is not valid."))
    first_field, messages = next(iter(fields.items()))
    field = None if first_field == api_settings.NON_FIELD_ERRORS_KEY else first_field
    return error_body("invalid", messages[0], field, fields)


def _code_of(exc: exceptions.APIException) -> str:
    codes = exc.get_codes()
    code = codes if isinstance(codes, str) else exc.default_code
    return "forbidden" if code == "permission_denied" else code


def _message_of(exc: exceptions.APIException) -> str:
    if isinstance(exc.detail, dict | list):
        fields = _flatten(exc.detail)
        return next(iter(fields.values()))[0] if fields else str(exc.default_detail)
    return str(exc.detail)


def exception_handler(exc: Exception, context: dict) -> Response | None:
    """DRF's EXCEPTION_HANDLER: every handled error in the one body shape. Unknown errors stay 500."""
    if isinstance(exc, DomainError):
        set_rollback()
        return Response(error_body(exc.code, exc.message, exc.field, exc.details), status=exc.status_code)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()  # never echo "No <Model> matches the given query."
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, DjangoValidationError):
        # Model validation reached from a view (e.g. MoneyField parsing): bad input, not a crash.
        exc = exceptions.ValidationError(serializers.as_serializer_error(exc))

    response = drf_exception_handler(exc, context)
    if response is None or not isinstance(exc, exceptions.APIException):
        return response
    if isinstance(exc, exceptions.ValidationError):
        response.data = _validation_body(exc.detail)
    elif isinstance(exc, exceptions.ParseError):
        request = context.get("request")
        content_type = getattr(request, "content_type", "") or ""
        if "json" in content_type:
            response.data = error_body(
                "malformed_json", _("The request body is not valid JSON."), details={"error": str(exc.detail)}
            )
        else:
            response.data = error_body("malformed_request", _message_of(exc))
    else:
        response.data = error_body(_code_of(exc), _message_of(exc))
    return response


def validated(serializer_class: type[serializers.Serializer], request: Any, **kwargs: Any) -> Any:
    """The request body checked by `serializer_class` (`partial=True` for a PATCH): its validated
    data, or a 400 naming every field that failed."""
    serializer = serializer_class(data=request.data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def error_response(error: DomainError) -> Response:
    """Render a DomainError outside the exception path (e.g. from a view that catches it)."""
    return Response(error.as_dict(), status=error.status_code)
