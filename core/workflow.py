"""The workflow engine: one transition table per stateful model, one `perform()` that applies it.

A `Workflow` lists `Transition`s (which states an action leaves from, where it goes, which roles may
do it, guards that return a reason to refuse). `perform()` checks them, moves the state with a
conditional UPDATE (so of two racing clicks exactly one wins and the other gets a clear 409), writes
the audit event in the same transaction and runs the transition's effects only after commit.
`available_actions()` answers the same questions without acting, to draw buttons and fill the API's
`allowed_actions`.

Guards and effects are called as `fn(obj, actor, data)`. Guards are also called by
`available_actions()` with `data={}`, so a guard that checks submitted input must pass when that
input is absent. An effect must not need the transaction: work that must survive a broker outage is
written with `core.outbox.enqueue()` by the service, inside its transaction, around `perform()`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import partial
from typing import Any
from uuid import UUID

from django.core.exceptions import ImproperlyConfigured
from django.db import models, transaction
from django.utils.translation import gettext as _

from core.errors import Conflict, DomainError, Forbidden, NotFound

# A role that no person holds: deadline handlers and other tasks act as "system:<name>" actors,
# and a transition they may perform lists SYSTEM_ROLE among its roles.
SYSTEM_ROLE = "system"

Guard = Callable[[models.Model, Any, dict], "str | None"]
Effect = Callable[[models.Model, Any, dict], None]
ObjectCheck = Callable[[models.Model, Any], "str | None"]


@dataclass(frozen=True)
class Transition:
    """One row of a transition table: `action` moves an object from any of `sources` to `target`."""

    action: str
    sources: tuple[str, ...]
    target: str
    roles: frozenset[str]
    label: str
    guards: tuple[Guard, ...] = ()
    needs_reason: bool = False
    effects: tuple[Effect, ...] = ()

    def __post_init__(self) -> None:
        # Accept lists and sets in tables for readability; store immutable tuples and frozensets.
        object.__setattr__(self, "sources", tuple(self.sources))
        object.__setattr__(self, "roles", frozenset(str(role) for role in self.roles))
        object.__setattr__(self, "guards", tuple(self.guards))
        object.__setattr__(self, "effects", tuple(self.effects))
        if not self.sources:
            raise ImproperlyConfigured(f"Transition {self.action!r} has no source state.")


@dataclass(frozen=True)
class ActionInfo:
    """What an interface needs to draw one action: may the user do it now, and if not, why."""

    action: str
    label: str
    allowed: bool
    reason: str
    needs_reason: bool = False


@dataclass(frozen=True)
class RoleRule:
    """One cell of the (state, action, role) matrix; `allowed` before object rules and guards."""

    state: str
    action: str
    role: str
    allowed: bool
    reason: str


def role_of(actor: Any) -> str:
    """The role an actor acts in: SYSTEM_ROLE for a "system:<task>" string, else `user.role`."""
    if actor is None or isinstance(actor, str):
        return SYSTEM_ROLE
    if not getattr(actor, "is_authenticated", False):
        return ""
    return str(getattr(actor, "role", "") or "")


class Workflow:
    """The transition table of one model. Build one per model at import time (`<app>/workflow.py`)."""

    def __init__(
        self,
        model: type[models.Model],
        transitions: list[Transition],
        *,
        state_field: str = "state",
        object_check: ObjectCheck | None = None,
    ) -> None:
        self.model = model
        self.transitions = list(transitions)
        self.state_field = state_field
        self.object_check = object_check
        self._table: dict[tuple[str, str], Transition] = {}
        for transition in self.transitions:
            for source in transition.sources:
                key = (source, transition.action)
                if key in self._table:
                    raise ImproperlyConfigured(
                        f"{model.__name__}: two transitions for action {transition.action!r} from {source!r}."
                    )
                self._table[key] = transition

    def __repr__(self) -> str:
        return f"<Workflow {self.model.__name__}: {len(self.transitions)} transitions>"

    # --- reading the table ------------------------------------------------------------------
    @property
    def name(self) -> str:
        """Prefix of audit actions: "application" for `Application`, so events read "application.submit"."""
        return self.model._meta.model_name or self.model.__name__.lower()

    @property
    def states(self) -> list[str]:
        """Every state: the field's choices if it has them, then any state named only by the table."""
        found = [str(value) for value, _label in self.model._meta.get_field(self.state_field).flatchoices]
        for transition in self.transitions:
            for state in (*transition.sources, transition.target):
                if state not in found:
                    found.append(state)
        return found

    @property
    def actions(self) -> list[str]:
        return list(dict.fromkeys(t.action for t in self.transitions))

    def transition(self, state: str, action: str) -> Transition | None:
        return self._table.get((str(state), action))

    def transitions_from(self, state: str) -> list[Transition]:
        return [t for t in self.transitions if str(state) in t.sources]

    def state_label(self, state: str) -> str:
        choices = dict(self.model._meta.get_field(self.state_field).flatchoices)
        return str(choices.get(state, state))

    def action_label(self, action: str) -> str:
        for transition in self.transitions:
            if transition.action == action:
                return str(transition.label)
        return action

    # --- refusals ---------------------------------------------------------------------------
    def invalid_transition(self, state: str, action: str) -> Conflict:
        return Conflict(
            "invalid_transition",
            _("“%(action)s” is not possible while the item is %(state)s.")
            % {"action": self.action_label(action), "state": self.state_label(state)},
            details={"state": state, "action": action},
        )

    def role_refusal(self, actor: Any, transition: Transition) -> Forbidden | None:
        if role_of(actor) in transition.roles:
            return None
        return Forbidden(
            "role_not_allowed",
            _("Your role may not perform “%(action)s”.") % {"action": transition.label},
            details={"action": transition.action},
        )

    def object_refusal(self, obj: models.Model, actor: Any) -> Forbidden | None:
        # System actors act for the ministry as a whole; per-object rules are about people.
        if self.object_check is None or role_of(actor) == SYSTEM_ROLE:
            return None
        reason = self.object_check(obj, actor)
        return Forbidden("object_not_allowed", reason) if reason else None

    def guard_refusal(
        self, obj: models.Model, actor: Any, transition: Transition, data: dict
    ) -> DomainError | None:
        for guard in transition.guards:
            reason = guard(obj, actor, data)
            if reason:
                return DomainError("guard_failed", reason, details={"action": transition.action})
        return None

    def matrix(self, roles: Iterable[str]) -> list[RoleRule]:
        """Every (state, action, role): allowed by the table, or the reason it is refused.

        Contract tests walk this to prove each refusal has a reason. `roles` is usually
        `accounts.enums.Role.values` (core may not import accounts).
        """
        roles = [str(role) for role in roles]
        rules = []
        for state in self.states:
            for action in self.actions:
                transition = self.transition(state, action)
                for role in roles:
                    if transition is None:
                        reason = self.invalid_transition(state, action).message
                    elif role not in transition.roles:
                        reason = _("Your role may not perform “%(action)s”.") % {"action": transition.label}
                    else:
                        reason = ""
                    rules.append(RoleRule(state, action, role, allowed=not reason, reason=reason))
        return rules


def _json_safe(value: Any) -> Any:
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, Decimal | UUID):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _field_value(obj: models.Model, name: str) -> Any:
    # A foreign key is audited as its id, without fetching the related row.
    return _json_safe(getattr(obj, obj._meta.get_field(name).attname))


def perform(
    workflow: Workflow,
    obj: models.Model,
    action: str,
    *,
    actor: Any,
    reason: str = "",
    data: dict | None = None,
    changes: dict | None = None,
) -> models.Model:
    """Apply `action` to `obj` as `actor`, or raise the `DomainError` that says why not.

    `changes` are other fields written by the same UPDATE as the state (e.g. `submitted_at`); they are
    recorded in the audit event's `after`. Refusals: `Conflict` "stale_state" (the object changed
    since the caller read it) or "invalid_transition" (no such action from the current state);
    `Forbidden` "role_not_allowed" or "object_not_allowed"; `DomainError` "guard_failed" or
    "reason_required" (field "reason"). Returns a freshly read instance; `obj` itself is not modified.
    Call it inside the service's own `transaction.atomic()` when the service writes more rows.
    """
    from audit.services import record_event  # audit sits above core; import at call time

    if not isinstance(obj, workflow.model):
        raise TypeError(f"{workflow.model.__name__} workflow given a {type(obj).__name__}.")
    data = dict(data or {})
    changes = dict(changes or {})
    if workflow.state_field in changes:
        raise ValueError("The state changes only through a transition.")
    reason = (reason or "").strip()
    field_name = workflow.state_field
    manager = workflow.model._base_manager

    with transaction.atomic():
        try:
            row = manager.get(pk=obj.pk)
        except workflow.model.DoesNotExist as exc:
            raise NotFound("not_found", _("This item no longer exists.")) from exc
        current = str(getattr(row, field_name))
        if current != str(getattr(obj, field_name)):
            raise _stale(workflow, current)
        transition = workflow.transition(current, action)
        if transition is None:
            raise workflow.invalid_transition(current, action)
        refusal = (
            workflow.role_refusal(actor, transition)
            or workflow.object_refusal(row, actor)
            or workflow.guard_refusal(row, actor, transition, data)
        )
        if refusal is not None:
            raise refusal
        if transition.needs_reason and not reason:
            raise DomainError("reason_required", _("Give a reason for this decision."), field="reason")

        before = {"state": current, **{name: _field_value(row, name) for name in changes}}
        updated = manager.filter(pk=row.pk, **{field_name: current}).update(
            **{field_name: transition.target}, **changes
        )
        if updated != 1:
            # Someone moved the state between our read and our UPDATE: they won, we refuse.
            raise _stale(workflow, current)
        row.refresh_from_db()
        after = {"state": transition.target, **{name: _field_value(row, name) for name in changes}}
        record_event(
            actor=actor,
            action=f"{workflow.name}.{action}",
            obj=row,
            before=before,
            after=after,
            reason=reason,
        )
        for effect in transition.effects:
            # robust: the change is committed; a failing e-mail must not turn it into an error page.
            transaction.on_commit(partial(effect, row, actor, data), robust=True)
    return row


def _stale(workflow: Workflow, state_seen: str) -> Conflict:
    return Conflict(
        "stale_state",
        _("Someone else changed this item a moment ago. Reload the page and try again."),
        details={"state": state_seen},
    )


def available_actions(
    workflow: Workflow, obj: models.Model, user: Any, *, include_forbidden: bool = False
) -> list[ActionInfo]:
    """The actions from `obj`'s current state that `user` could take, each allowed or with a reason.

    Actions the user's role (or the object rule) never permits are left out unless
    `include_forbidden`; actions a guard refuses right now are listed with `allowed=False` and the
    guard's reason, so a page can show a disabled button that explains itself.
    """
    state = str(getattr(obj, workflow.state_field))
    infos = []
    for transition in workflow.transitions_from(state):
        refusal: DomainError | None = workflow.role_refusal(user, transition) or workflow.object_refusal(
            obj, user
        )
        if refusal is not None and not include_forbidden:
            continue
        if refusal is None:
            try:
                refusal = workflow.guard_refusal(obj, user, transition, {})
            except DomainError as exc:  # a guard that raises instead of returning a reason
                refusal = exc
        infos.append(
            ActionInfo(
                action=transition.action,
                label=str(transition.label),
                allowed=refusal is None,
                reason=refusal.message if refusal is not None else "",
                needs_reason=transition.needs_reason,
            )
        )
    return infos
