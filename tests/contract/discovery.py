"""Finding what the contract tests guard: URL routes, project apps and models, workflows, source files.

Everything here is discovered, never listed by hand, so a route, model or workflow that lands later is
covered without editing the tests.
"""

from __future__ import annotations

import importlib
import inspect
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import models
from django.urls import URLPattern, URLResolver, get_resolver

from core.workflow import Workflow

BASE_DIR = Path(settings.BASE_DIR).resolve()
API_PREFIX = "api/v1/"
UNSAFE_METHODS = ("post", "put", "patch", "delete")
# Routes that belong to libraries, not to the project: Django's admin (staff only; its read-only
# configuration is tested in tests/*/test_admin.py) and the static files of the docs UI.
FOREIGN_PREFIXES = ("admin/",)


# --- project apps, models, modules ------------------------------------------------------------
def project_apps() -> list:
    """Installed apps whose code lives in this repository, outside tests/ (core, accounts, ...)."""
    found = []
    for config in apps.get_app_configs():
        path = Path(config.path).resolve()
        if BASE_DIR in path.parents and path.relative_to(BASE_DIR).parts[0] != "tests":
            found.append(config)
    return found


def project_models() -> list[type[models.Model]]:
    return [model for config in project_apps() for model in config.get_models()]


def app_modules(suffix: str) -> Iterator[Any]:
    """Import `<app>.<suffix>` and, if it is a package, its submodules."""
    for config in project_apps():
        name = f"{config.name}.{suffix}"
        base = Path(config.path) / suffix.replace(".", "/")
        candidates = []
        if base.with_suffix(".py").exists():
            candidates.append((name, base.with_suffix(".py")))
        elif (base / "__init__.py").exists():
            candidates.append((name, base / "__init__.py"))
            for child in sorted(base.glob("*.py")):
                if child.stem != "__init__":
                    candidates.append((f"{name}.{child.stem}", child))
        for module_name, _path in candidates:
            yield importlib.import_module(module_name)


def source_files() -> list[Path]:
    """Python files of the project apps (and config/), without migrations."""
    roots = [Path(config.path) for config in project_apps()] + [BASE_DIR / "config"]
    files = []
    for root in roots:
        for path in sorted(root.rglob("*.py")):
            if "migrations" in path.parts or "__pycache__" in path.parts:
                continue
            files.append(path.resolve())
    return files


def relative(path: Path) -> str:
    return path.resolve().relative_to(BASE_DIR).as_posix()


# --- workflows --------------------------------------------------------------------------------
def workflows() -> list[Workflow]:
    """Every `core.workflow.Workflow` defined at module level in an `<app>/workflow.py`."""
    found: dict[int, Workflow] = {}
    for module in app_modules("workflow"):
        for value in vars(module).values():
            if isinstance(value, Workflow) and getattr(value.model, "__module__", "") != "":
                found[id(value)] = value
    return sorted(found.values(), key=lambda w: w.model._meta.label)


def workflow_state_fields() -> dict[type[models.Model], str]:
    return {workflow.model: workflow.state_field for workflow in workflows()}


# --- routes -----------------------------------------------------------------------------------
_GROUP = re.compile(r"\(\?P<(\w+)>[^)]*\)")
_CONVERTER = re.compile(r"<(?:(\w+):)?(\w+)>")


@dataclass(frozen=True)
class Route:
    """One URL pattern with what the tests need to call it."""

    name: str  # "namespace:name"
    display: str  # the pattern, readable: "api/v1/applications/{pk}/budget-lines/{line_pk}/"
    kwargs: tuple[str, ...]
    callback: Any = field(repr=False, compare=False)

    @property
    def is_api(self) -> bool:
        return self.display.startswith(API_PREFIX)

    @property
    def view_class(self) -> type | None:
        return getattr(self.callback, "cls", None) or getattr(self.callback, "view_class", None)

    @property
    def actions(self) -> dict[str, str] | None:
        """A DRF viewset route's method -> action map ({"get": "list", "post": "create"})."""
        return getattr(self.callback, "actions", None)

    @property
    def module(self) -> str:
        target = self.view_class or self.callback
        return getattr(target, "__module__", "")

    @property
    def app_label(self) -> str:
        config = apps.get_containing_app_config(self.module)
        return config.label if config else ""

    @property
    def methods(self) -> tuple[str, ...] | None:
        """Lower-case HTTP methods the route answers, or None when a function view does not say."""
        if self.actions is not None:
            return tuple(m for m in self.actions if m not in ("head", "options"))
        view_class = self.view_class
        if view_class is not None:
            names = getattr(view_class, "http_method_names", ())
            return tuple(m for m in names if m not in ("head", "options", "trace") and hasattr(view_class, m))
        return _function_view_methods(self.callback)

    @property
    def unsafe_methods(self) -> tuple[str, ...]:
        methods = self.methods
        if methods is None:
            return ("post",)
        return tuple(m for m in methods if m in UNSAFE_METHODS)

    @property
    def answers_get(self) -> bool:
        methods = self.methods
        return methods is None or "get" in methods

    @property
    def is_drf_list(self) -> bool:
        if self.actions is not None:
            return self.actions.get("get") == "list"
        from rest_framework.mixins import ListModelMixin

        view_class = self.view_class
        return bool(view_class and issubclass(view_class, ListModelMixin))

    def __str__(self) -> str:
        return f"{self.name} ({self.display})"


def _function_view_methods(callback: Any) -> tuple[str, ...] | None:
    """`require_GET`/`require_POST`/`require_http_methods` keep the allowed list in a closure."""
    function = callback
    while function is not None:
        for cell in getattr(function, "__closure__", None) or ():
            try:
                value = cell.cell_contents
            except ValueError:
                continue
            if _is_method_list(value):
                return tuple(v.lower() for v in value if v.upper() != "HEAD")
        function = getattr(function, "__wrapped__", None)
    return None


def _is_method_list(value: Any) -> bool:
    methods = {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"}
    return (
        isinstance(value, list | tuple)
        and bool(value)
        and all(isinstance(v, str) and v.upper() in methods for v in value)
    )


def _readable(pattern: str) -> str:
    pattern = pattern.replace("^", "").replace("$", "")
    pattern = _GROUP.sub(lambda m: "{" + m.group(1) + "}", pattern)
    return _CONVERTER.sub(lambda m: "{" + m.group(2) + "}", pattern)


def _kwarg_names(display: str) -> tuple[str, ...]:
    return tuple(re.findall(r"\{(\w+)\}", display))


def _walk(patterns: list, prefix: str = "", namespace: str = "") -> Iterator[Route]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            ns = namespace
            if pattern.namespace:
                ns = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern), ns)
        elif isinstance(pattern, URLPattern):
            display = _readable(prefix + str(pattern.pattern))
            name = pattern.name or ""
            if name and namespace:
                name = f"{namespace}:{name}"
            yield Route(name=name, display=display, kwargs=_kwarg_names(display), callback=pattern.callback)


def routes() -> list[Route]:
    """Every project route (library routes such as the admin left out)."""
    return [r for r in _walk(get_resolver().url_patterns) if not r.display.startswith(FOREIGN_PREFIXES)]


def callable_signature(fn: Any) -> inspect.Signature | None:
    try:
        return inspect.signature(fn)
    except (TypeError, ValueError):
        return None
