"""Helpers shared by the grants services: error collection, money parsing, locking."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.errors import Conflict, DomainError, ValidationFailed
from core.money import parse_roubles
from grants.enums import EDITABLE_APPLICATION_STATES
from grants.models import Application, Round
from grants.policy import require_applicant_of


class Problems:
    """Collects field -> messages so a service can refuse with every problem at once."""

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


def money(value: Any, field: str, problems: Problems | None = None) -> Decimal | None:
    """Exact roubles from a Decimal, int or what a person typed; a float is refused (never money)."""
    try:
        return parse_roubles(value)
    except ValidationError as exc:
        if problems is None:
            raise DomainError("invalid_amount", exc.messages[0], field) from exc
        problems.add(field, exc.messages[0])
        return None


def lock_application(application: Application | int) -> Application:
    """The application row, locked FOR UPDATE: edits and submission of one application are serial."""
    pk = application.pk if isinstance(application, Application) else application
    return (
        Application.objects.select_for_update(of=("self",))
        .select_related("round", "round__program")
        .get(pk=pk)
    )


def round_closed(message: Any = None) -> Conflict:
    """Rule 6's refusal: at or after the close by the server's clock; nothing is saved."""
    return Conflict(
        "round_closed", message or _("The round is closed: submissions are no longer accepted."), "round"
    )


def require_editable(actor: Any, application: Application) -> None:
    """The firm may change its working copy while the round is open (rule 6) and the state allows it."""
    require_applicant_of(actor, application)
    if application.state not in EDITABLE_APPLICATION_STATES:
        raise DomainError(
            "not_editable",
            _("The application can no longer be changed in its current state."),
            details={"state": application.state},
        )
    if timezone.now() >= application.round.closes_at:
        raise round_closed(_("The round is closed: the application can no longer be changed."))


def note_edit(application: Application) -> None:
    """A change after submission is a new working copy: it counts only once resubmitted (rule 11)."""
    if application.current_version and not application.has_unsubmitted_changes:
        Application.objects.filter(pk=application.pk).update(has_unsubmitted_changes=True)
        application.has_unsubmitted_changes = True


def decimal_value(value: Any, field: str, problems: Problems) -> Decimal | None:
    if isinstance(value, float):
        problems.add(field, _("Enter a decimal number."))
        return None
    try:
        return Decimal(str(value).strip().replace(",", "."))
    except (InvalidOperation, ValueError):
        problems.add(field, _("Enter a decimal number."))
        return None


def snapshot(obj: Any, fields: tuple[str, ...]) -> dict:
    return {name: getattr(obj, name) for name in fields}


def lock_round(round_: Round) -> Round:
    return Round.objects.select_for_update().get(pk=round_.pk)
