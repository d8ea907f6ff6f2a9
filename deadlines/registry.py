"""Which function handles which kind of deadline. Apps register theirs in `AppConfig.ready()`:

    from deadlines.registry import register_handler
    register_handler("round.close", handle_round_close)

A kind may carry a variant after a colon ("round.reminder:7", "round.reminder:1"): both run the
handler registered for "round.reminder". The variant keeps the rows apart, since a (kind, target)
pair has one live row; the payload tells the handler which variant it is running.

A handler receives the `Deadline` inside the sweeper's transaction; everything it writes commits
together with the row being marked fired, or not at all. It must be idempotent: finding the work
already done (an officer closed the round by hand) is success, not an error.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from deadlines.models import Deadline

DeadlineHandler = Callable[["Deadline"], None]


@dataclass(frozen=True)
class Registration:
    kind: str
    handler: DeadlineHandler
    max_attempts: int
    label: Any = ""  # shown on the officers' page; a gettext_lazy string


# Keyed by kind, so registering twice (autoreload, tests) replaces instead of duplicating.
_registry: dict[str, Registration] = {}


def register_handler(
    kind: str, handler: DeadlineHandler, *, max_attempts: int = 5, label: Any = ""
) -> Registration:
    """Run `handler` for due deadlines of `kind`; park a row after `max_attempts` failures."""
    if not kind or ":" in kind:
        raise ValueError(f"A handler kind is a non-empty name without a colon, not {kind!r}.")
    if max_attempts < 1:
        raise ValueError("max_attempts must be at least 1.")
    registration = Registration(kind=kind, handler=handler, max_attempts=max_attempts, label=label)
    _registry[kind] = registration
    return registration


def unregister_handler(kind: str) -> None:
    """Forget a kind (tests use it to clean up the handlers they register)."""
    _registry.pop(kind, None)


def base_kind(kind: str) -> str:
    """ "round.reminder:7" -> "round.reminder"."""
    return kind.partition(":")[0]


def registration_for(kind: str) -> Registration | None:
    return _registry.get(base_kind(kind))


def registered_kinds() -> list[str]:
    return sorted(_registry)


def kind_label(kind: str) -> Any:
    """The registered label of a kind ("Round closes"), or the kind itself."""
    registration = registration_for(kind)
    return (registration.label if registration else "") or kind
