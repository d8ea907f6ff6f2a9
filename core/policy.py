"""Policy: named predicates that say whether a user may do something, and if not, why.

Each app registers its predicates at import time (`<app>/policy.py`, imported by its AppConfig.ready):

    policy.register("program.create", has_role(Role.OFFICER))

    @policy.register("application.submit")
    def application_submit(user, application): ...   # return None to allow, or the reason to refuse

The same names serve services (`require`), DRF (`PolicyPermission`), templates (`{% can %}`) and,
through `PolicyBackend`, `user.has_perm(name, obj)` in the admin. An unknown name raises
`UnknownPolicy`: a typo must never read as "refused" or "allowed".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext as _
from rest_framework.permissions import BasePermission

from core.errors import Forbidden

Predicate = Callable[[Any, Any], "str | None"]

_registry: dict[str, Predicate] = {}


class UnknownPolicy(LookupError):
    """A policy name that nobody registered."""


@dataclass(frozen=True)
class Decision:
    """Allowed, or refused with a reason a person can read. Truthy when allowed."""

    allowed: bool
    reason: str = ""

    def __bool__(self) -> bool:
        return self.allowed


def register(name: str, predicate: Predicate | None = None) -> Any:
    """Register `predicate` under `name`; without a predicate, return a decorator that does."""
    if predicate is None:
        return lambda fn: register(name, fn)
    existing = _registry.get(name)
    if existing is not None and (existing.__module__, existing.__qualname__) != (
        predicate.__module__,
        predicate.__qualname__,
    ):
        raise ImproperlyConfigured(f"Policy {name!r} is registered twice.")
    _registry[name] = predicate
    return predicate


def registered() -> list[str]:
    """Every registered policy name, sorted (for contract tests and docs)."""
    return sorted(_registry)


def can(user: Any, name: str, obj: Any = None) -> Decision:
    """Ask policy `name` whether `user` may act (on `obj`). Raises `UnknownPolicy` for a typo."""
    try:
        predicate = _registry[name]
    except KeyError:
        raise UnknownPolicy(f"No policy named {name!r} is registered.") from None
    reason = predicate(user, obj)
    return Decision(allowed=not reason, reason=str(reason or ""))


def require(user: Any, name: str, obj: Any = None) -> None:
    """Raise `Forbidden` (code "forbidden") with the policy's reason unless `user` may act."""
    decision = can(user, name, obj)
    if not decision:
        raise Forbidden("forbidden", decision.reason, details={"policy": name})


# --- predicate helpers -----------------------------------------------------------------------
def is_authenticated(user: Any, obj: Any = None) -> str | None:
    if user is None or not getattr(user, "is_authenticated", False):
        return _("Sign in first.")
    if not getattr(user, "is_active", True):
        return _("Your account is disabled.")
    return None


def has_role(*roles: str) -> Predicate:
    """A predicate allowing signed-in users whose `role` is one of `roles`."""
    allowed = frozenset(str(role) for role in roles)

    def predicate(user: Any, obj: Any = None) -> str | None:
        refusal = is_authenticated(user)
        if refusal:
            return refusal
        if str(getattr(user, "role", "")) not in allowed:
            return _("Your role may not do this.")
        return None

    predicate.__qualname__ = f"has_role({', '.join(sorted(allowed))})"
    return predicate


def in_own_organisation(path: str = "organisation_id") -> Predicate:
    """A predicate allowing users whose organisation is the object's (`path` names the object's
    organisation id, dotted for related objects: "application.organisation_id")."""

    def predicate(user: Any, obj: Any = None) -> str | None:
        refusal = is_authenticated(user)
        if refusal:
            return refusal
        if obj is None:
            return None
        value = obj
        for part in path.split("."):
            value = getattr(value, part)
        if value is None or value != getattr(user, "organisation_id", None):
            return _("This belongs to another organisation.")
        return None

    predicate.__qualname__ = f"in_own_organisation({path})"
    return predicate


def all_of(*predicates: Predicate) -> Predicate:
    """Allowed when every predicate allows; otherwise the first refusal's reason."""

    def predicate(user: Any, obj: Any = None) -> str | None:
        for each in predicates:
            reason = each(user, obj)
            if reason:
                return reason
        return None

    predicate.__qualname__ = "all_of(" + ", ".join(p.__qualname__ for p in predicates) + ")"
    return predicate


def any_of(*predicates: Predicate) -> Predicate:
    """Allowed when any predicate allows; otherwise the last refusal's reason."""

    def predicate(user: Any, obj: Any = None) -> str | None:
        reason = None
        for each in predicates:
            reason = each(user, obj)
            if not reason:
                return None
        return reason

    predicate.__qualname__ = "any_of(" + ", ".join(p.__qualname__ for p in predicates) + ")"
    return predicate


# --- adapters --------------------------------------------------------------------------------
class PolicyPermission(BasePermission):
    """DRF permission mapping a view's action to a policy: `policy = {"create": "program.create"}`.

    Keys are viewset actions (`list`, `create`, `retrieve`, custom `@action` names) or, on plain
    APIViews, lower-case HTTP methods. Detail actions are checked against the object when the view
    calls `get_object()` (DRF's `check_object_permissions`); list and create actions are checked with
    `obj=None` before the handler runs. An action missing from the map is a configuration error;
    map it to None to require only a signed-in user. Anonymous users get 401, others 403 with the reason.
    """

    message = ""
    code = "forbidden"

    def _policy_name(self, request: Any, view: Any) -> str | None:
        mapping = getattr(view, "policy", None)
        if not isinstance(mapping, dict):
            raise ImproperlyConfigured(f"{type(view).__name__} uses PolicyPermission without a `policy` map.")
        if hasattr(view, "action_map"):  # a viewset: DRF resolved the action before permissions run
            action = view.action
        else:
            action = request.method.lower()
            if not hasattr(view, action):
                action = None
        if request.method.lower() not in getattr(view, "http_method_names", ()):
            # DRF checks permissions before it looks the method up: a router may map PUT to
            # `update` on a view that leaves PUT out of http_method_names. That is a 405, not a
            # missing policy entry (which used to surface as a 500).
            return None
        if action is None or action == "metadata" or request.method == "OPTIONS":
            return None  # OPTIONS, or a method the view lacks: DRF answers it (405) without a policy
        if action not in mapping:
            raise ImproperlyConfigured(f"{type(view).__name__}.policy has no entry for {action!r}.")
        return mapping[action]

    def _is_detail(self, view: Any) -> bool:
        lookup = getattr(view, "lookup_url_kwarg", None) or getattr(view, "lookup_field", None)
        return bool(lookup) and lookup in getattr(view, "kwargs", {})

    def _check(self, request: Any, name: str | None, obj: Any) -> bool:
        refusal = is_authenticated(request.user)
        if refusal:
            self.message = refusal
            return False
        if name is None:
            return True
        decision = can(request.user, name, obj)
        self.message = decision.reason
        return decision.allowed

    def has_permission(self, request: Any, view: Any) -> bool:
        name = self._policy_name(request, view)
        return self._check(request, None if self._is_detail(view) else name, None)

    def has_object_permission(self, request: Any, view: Any, obj: Any) -> bool:
        return self._check(request, self._policy_name(request, view), obj)


class PolicyBackend:
    """Authentication backend answering `user.has_perm("<policy name>", obj)` from the registry.

    Add "core.policy.PolicyBackend" to AUTHENTICATION_BACKENDS to use policies in the admin.
    Names that are not policies (Django's "app.codename" permissions) are left to other backends.
    """

    def authenticate(self, request: Any, **credentials: Any) -> None:
        return None

    def has_perm(self, user: Any, perm: str, obj: Any = None) -> bool:
        if perm not in _registry:
            return False
        return bool(can(user, perm, obj))
