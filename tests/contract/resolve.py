"""Filling a route's URL arguments from a `World` (see builders.py).

Each id argument names a model: the DRF view's queryset model for its lookup argument, `<noun>_pk` /
`<noun>_id` for others, and for a bare `pk` the path segment before it ("applications/{pk}/"). Nouns
match models of the route's own app first ("trials/{trial_pk}" under grants is a CoveredTrial). What
these rules cannot guess goes in the tables below.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from django.apps import apps
from django.db import models
from django.test import RequestFactory

from tests.contract import builders
from tests.contract.builders import World
from tests.contract.discovery import Route, project_models

MISSING_ID = "987654321"  # an id no test row reaches: the "does not exist" twin of a request

# --- route arguments ------------------------------------------------------------------------------
# URL arguments naming a model the rules below cannot guess: "route name kwarg" -> model label.
ROUTE_KWARG_MODELS: dict[str, str] = {
    "reports:job pk": "core.Job",
    "reports:job_download pk": "core.Job",
    "reports:job_manifest pk": "core.Job",
    # "reviews/reviewers/{pk}/": the reviewer's profile, not the reviewer's user row
    "reviewers:profile pk": "reviewers.ReviewerProfile",
    "reviewers:expertise pk": "reviewers.ReviewerProfile",
    "reviewers:affiliation_add pk": "reviewers.ReviewerProfile",
    "reviewers:project_add pk": "reviewers.ReviewerProfile",
    "trials:report pk": "trials.ProgressReport",
    "trials:report_evidence pk": "trials.ProgressReport",
    "trials:evidence_download pk": "trials.EvidenceFile",
    "trials:evidence_delete pk": "trials.EvidenceFile",
}
# URL arguments whose object is not the world's default one of its model: (route name pattern, kwarg)
# -> the object. Selection routes take the round and application the world took through selection;
# review routes the round and application the world took through review (an assigned reviewer).
ROUTE_KWARG_OBJECTS: dict[tuple[str, str], Callable[[World], models.Model]] = {
    (r"grants:selection_result", "application_pk"): lambda world: builders.decided(world),
    (
        r"grants:selection_(?:round|run|decision|minutes|publish)|api-grants:selection-round-[\w-]+",
        "pk",
    ): lambda world: builders.decided(world).round,
    (r"trials:agreement_create", "application_pk"): lambda world: builders.selected(world),
    (r"audit:verify_(?:job|certificate)|audit-verification-(?:detail|certificate)", "pk"): lambda world: (
        builders.verify_job(world)
    ),
    (r"reviewers:\w+", "application_id"): lambda world: builders.reviewed(world).application,
    (r"reviewers:(?:round|run|run_detail|progress|scores|conflicts|decide_conflict)", "pk"): lambda world: (
        builders.reviewed(world).round
    ),
}
# URL arguments that are not object ids: "route name kwarg" (or just "kwarg") -> value from the world.
ROUTE_KWARG_VALUES: dict[str, Callable[[World], str]] = {
    "api-grants:round-transition name": lambda world: "close",
    "grants:round_action action": lambda world: "close",
    "grants:section_save section": lambda world: "general",
    "grants:field_check section": lambda world: "general",
}


class Unresolved(LookupError):
    """A route argument the tests cannot fill: add a builder or an entry above."""


def _singular(word: str) -> str:
    word = word.lower().replace("-", "").replace("_", "")
    if word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def model_named(noun: str, app_label: str, *, exact: bool = False) -> type[models.Model] | None:
    """The project model a noun names: exact in the route's app, then by suffix ("line" ->
    BudgetLine), then anywhere; None when nothing or several models fit."""
    noun = _singular(noun)
    candidates = project_models()
    local = [m for m in candidates if m._meta.app_label == app_label]
    tests = [lambda m: m._meta.model_name == noun]
    if not exact:
        tests.append(lambda m: m._meta.model_name.endswith(noun))
    for pool in (local, candidates):
        for test in tests:
            found = [m for m in pool if test(m)]
            if len(found) == 1:
                return found[0]
    return None


def drf_model(route: Route, user: Any) -> type[models.Model] | None:
    """The model of a DRF view's queryset, asked the way a request would ask it."""
    from rest_framework.request import Request

    view_class = route.view_class
    if view_class is None or not hasattr(view_class, "get_queryset"):
        return None
    view = view_class(**getattr(route.callback, "initkwargs", {}))
    actions = route.actions or {}
    view.action_map = actions
    view.action = actions.get("get") or next(iter(actions.values()), None)
    django_request = RequestFactory().get("/")
    django_request.user = user
    view.request = Request(django_request)
    view.request.user = user
    view.args, view.kwargs, view.format_kwarg = (), {}, None
    try:
        queryset = view.get_queryset()
    except Exception:  # a view that needs URL arguments to build its queryset
        queryset = getattr(view, "queryset", None)
    return getattr(queryset, "model", None)


def kwarg_model(route: Route, kwarg: str, user: Any) -> type[models.Model] | None:
    explicit = ROUTE_KWARG_MODELS.get(f"{route.name} {kwarg}")
    if explicit:
        return apps.get_model(explicit)
    view_class = route.view_class
    lookup = getattr(view_class, "lookup_url_kwarg", None) or getattr(view_class, "lookup_field", None)
    if route.actions is not None and kwarg == lookup:
        return drf_model(route, user)
    match = re.fullmatch(r"(\w+?)_(?:pk|id)", kwarg)
    if match:
        return model_named(match.group(1), route.app_label)
    if kwarg in ("pk", "id", "object_id"):
        before = [part for part in route.display.split("{" + kwarg + "}")[0].split("/") if part]
        if not before:
            return None
        if len(before) > 1:  # "selection/documents/{pk}" names a SelectionDocument, not a Document
            joined = model_named(_singular(before[-2]) + _singular(before[-1]), route.app_label, exact=True)
            if joined is not None:
                return joined
        return model_named(before[-1], route.app_label)
    return None


def id_kwargs(route: Route, user: Any) -> dict[str, type[models.Model] | None]:
    """The route's arguments that are object ids, with the model each names (None: unknown)."""
    found = {}
    for kwarg in route.kwargs:
        if f"{route.name} {kwarg}" in ROUTE_KWARG_VALUES or kwarg in ROUTE_KWARG_VALUES:
            continue
        found[kwarg] = kwarg_model(route, kwarg, user)
    return found


def _field_value_model(route: Route, kwarg: str, resolved: dict[str, models.Model]) -> Any:
    """A non-id argument named like a field of a model hanging off a resolved object ("number" of
    the application's version)."""
    for obj in resolved.values():
        for relation in obj._meta.related_objects:
            model = relation.related_model
            if any(f.name == kwarg for f in model._meta.concrete_fields):
                row = model._default_manager.filter(**{relation.field.name: obj}).order_by("pk").first()
                if row is not None:
                    return getattr(row, kwarg)
    return None


def resolve_kwargs(route: Route, world: World, user: Any) -> tuple[dict[str, str], dict[str, models.Model]]:
    """URL arguments for `route` from `world`, and the object each id argument names.

    Raises `Unresolved` naming what is missing. Objects of several arguments belong together: a child
    argument takes the row that points at its parent argument's object.
    """
    kwargs: dict[str, str] = {}
    objects: dict[str, models.Model] = {}
    for kwarg, model in id_kwargs(route, user).items():
        override = next(
            (
                build
                for (pattern, name), build in ROUTE_KWARG_OBJECTS.items()
                if name == kwarg and re.fullmatch(pattern, route.name)
            ),
            None,
        )
        if override is not None:
            obj = override(world)
            objects[kwarg], kwargs[kwarg] = obj, str(obj.pk)
            continue
        if model is None:
            continue
        obj = world.get(model)
        if obj is None:
            raise Unresolved(f"no builder for {model._meta.label} (argument {kwarg!r})")
        obj = _consistent(obj, objects)
        objects[kwarg] = obj
        kwargs[kwarg] = str(obj.pk)
    for kwarg in route.kwargs:
        if kwarg in kwargs:
            continue
        value_of = ROUTE_KWARG_VALUES.get(f"{route.name} {kwarg}") or ROUTE_KWARG_VALUES.get(kwarg)
        value = value_of(world) if value_of else _field_value_model(route, kwarg, objects)
        if value is None:
            raise Unresolved(
                f"cannot fill argument {kwarg!r}: add it to ROUTE_KWARG_MODELS or ROUTE_KWARG_VALUES"
            )
        kwargs[kwarg] = str(value)
    return kwargs, objects


def _consistent(obj: models.Model, parents: dict[str, models.Model]) -> models.Model:
    """Prefer a row of the same model that points at the objects of the route's other arguments."""
    lookups = {}
    for field in obj._meta.concrete_fields:
        if field.is_relation:
            for parent in parents.values():
                if isinstance(parent, field.related_model) and getattr(obj, field.attname) != parent.pk:
                    lookups[field.name] = parent
    if not lookups:
        return obj
    return type(obj)._default_manager.filter(**lookups).order_by("pk").first() or obj


def missing_kwargs(kwargs: dict[str, str], objects: dict[str, models.Model]) -> dict[str, str]:
    """The same arguments with every object id replaced by one that does not exist."""
    return {name: (MISSING_ID if name in objects else value) for name, value in kwargs.items()}
