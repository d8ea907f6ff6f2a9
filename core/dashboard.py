"""Dashboard panels: each app contributes panels for the roles it serves; `/` renders them.

An app registers a panel in `AppConfig.ready()`:

    from core.dashboard import register_panel
    register_panel(["applicant"], "grants/panels/my_applications.html",
                   context=grants.selectors.my_applications_panel, order=10)

`context(user)` returns the template's context (call a selector there: it is a user-triggered read);
the template also receives `user` and `request`. A role with no panels sees the empty state in
`templates/core/dashboard/empty_<role>.html`, which says what will appear there.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from core.nav import EVERY_ROLE

PanelContext = Callable[[Any], dict]


@dataclass(frozen=True)
class Panel:
    roles: frozenset[str]
    template: str
    context: PanelContext | None = None
    order: int = 0

    def visible_to(self, role: str) -> bool:
        return EVERY_ROLE in self.roles or role in self.roles


# Keyed by template so that registering twice (autoreload, tests) replaces instead of duplicating.
_panels: dict[str, Panel] = {}


def register_panel(
    roles: Iterable[str] | str,
    template: str,
    context: PanelContext | None = None,
    order: int = 0,
) -> Panel:
    """Show `template` on the dashboard of users with one of `roles` ("*" for everyone)."""
    role_set = frozenset([roles] if isinstance(roles, str) else roles)
    if not role_set:
        raise ValueError(f"Dashboard panel {template!r} needs at least one role.")
    panel = Panel(roles=role_set, template=template, context=context, order=order)
    _panels[template] = panel
    return panel


def panels_for(role: str) -> list[Panel]:
    return sorted((p for p in _panels.values() if p.visible_to(role)), key=lambda p: (p.order, p.template))


def render_panels(request: HttpRequest) -> list[SafeString]:
    """Render the current user's panels, in order, each with its own context."""
    user = request.user
    rendered = []
    for panel in panels_for(getattr(user, "role", "")):
        context = panel.context(user) if panel.context else {}
        rendered.append(render_to_string(panel.template, context, request=request))
    return rendered
