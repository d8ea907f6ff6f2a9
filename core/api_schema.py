"""The OpenAPI schema class (settings: DEFAULT_SCHEMA_CLASS = "core.api_schema.AutoSchema").

Kept apart from `core.api` because drf-spectacular imports DRF's generic views, which read
DEFAULT_PAGINATION_CLASS (`core.api.Pagination`): one module holding both would import itself.
"""

from __future__ import annotations

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.utils import OpenApiResponse

from core.api import DomainErrorSerializer


class AutoSchema(SpectacularAutoSchema):
    """drf-spectacular schema that documents the error body on every operation.

    Every operation may answer 400 (validation, filters), 401, 403 and 404 (objects and pages);
    unsafe methods may also answer 409 (a stale state), 415 and 422 (a reused idempotency key).
    Responses a view declares itself with `@extend_schema(responses=...)` are kept.
    """

    _read_errors = {
        "400": "Invalid input.",
        "401": "Not signed in.",
        "403": "Not allowed.",
        "404": "Not found.",
    }
    _write_errors = {
        "409": "Conflict: the object changed meanwhile, or the request is already in progress.",
        "415": "Unsupported media type.",
        "422": "Idempotency key reused with a different request.",
    }

    def _get_response_bodies(self, direction: str = "response") -> dict:
        responses = super()._get_response_bodies(direction)
        errors = dict(self._read_errors)
        if self.method in {"POST", "PUT", "PATCH", "DELETE"}:
            errors.update(self._write_errors)
        for status, description in errors.items():
            if status not in responses:
                responses[status] = self._get_response_for_code(
                    OpenApiResponse(DomainErrorSerializer, description=description),
                    status,
                    direction=direction,
                )
        return responses
