"""Domain errors: what a service raises when a rule refuses an action.

The API renders them as `{"code", "message", "field", "details"}` with the error's status
(`core.api.exception_handler`); forms show the message beside `field`, or at the top of the form when
field is empty (`core.forms.apply_domain_error`).
"""

from __future__ import annotations


class DomainError(Exception):
    """A business rule refused the action. Maps to HTTP 400 unless a subclass says otherwise."""

    status_code = 400

    def __init__(self, code: str, message: str, field: str = "", *, details: dict | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = str(message)
        self.field = field
        self.details = details or {}

    def as_dict(self) -> dict:
        return {
            "code": self.code,
            "message": self.message,
            "field": self.field or None,
            "details": self.details,
        }


class ValidationFailed(DomainError):
    """Several fields are wrong at once; `details` maps field -> list of messages."""

    status_code = 400


class Forbidden(DomainError):
    """The user's role or organisation may not do this (the object is visible to them)."""

    status_code = 403


class NotFound(DomainError):
    status_code = 404


class Unprocessable(DomainError):
    """The request is well-formed but contradicts an earlier one (e.g. an idempotency key reused)."""

    status_code = 422


class Conflict(DomainError):
    """The object changed under the user (a racing click, a stale state); retry after reloading."""

    status_code = 409
