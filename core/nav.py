"""Navigation registry: each app adds its menu items at start-up; the base layout shows them by role.

An app registers its items in `AppConfig.ready()`:

    from core import nav
    nav.register(_("Rounds"), "grants:rounds", roles=["officer"], icon="calendar3", order=20,
                 section=_("Grants"))

`base.html` shows an item only to users whose role is listed and only when its URL name resolves, so
an item can be registered before its page exists. Items without a section sit in the top bar; items
sharing a section are grouped in one drop-down menu, ordered by `order` then label.

The unread-notifications badge works the same way: the notifications inbox calls
`register_notifications(url_name, count)` once and the bell appears in the top bar.

This module knows role names only as strings: `core` imports nothing from `accounts`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.urls import NoReverseMatch, reverse

EVERY_ROLE = "*"


@dataclass(frozen=True)
class NavItem:
    label: Any  # a lazy translation, resolved in the active language at render time
    url_name: str
    roles: frozenset[str]
    icon: str = ""
    order: int = 0
    section: Any = ""

    def visible_to(self, role: str) -> bool:
        return EVERY_ROLE in self.roles or role in self.roles


@dataclass(frozen=True)
class ShownItem:
    """A registered item as the current user sees it: URL resolved, active flag computed."""

    label: Any
    url: str
    icon: str
    active: bool


@dataclass(frozen=True)
class ShownSection:
    label: Any
    items: list[ShownItem]

    @property
    def active(self) -> bool:
        return any(item.active for item in self.items)


@dataclass(frozen=True)
class Notifications:
    url_name: str
    count: Callable[[Any], int]


# Keyed by URL name so that registering twice (autoreload, tests) replaces instead of duplicating.
# Keyed by URL name and roles: registering again (apps reloaded) replaces, while one page may be a
# menu item for firms and, with another label, place or section, for ministry staff.
_items: dict[tuple[str, frozenset[str]], NavItem] = {}
_notifications: Notifications | None = None


def register(
    label: Any,
    url_name: str,
    roles: Iterable[str] | str,
    icon: str = "",
    order: int = 0,
    section: Any = "",
) -> NavItem:
    """Add a menu item for the given roles ("*" for every signed-in user).

    `label` and `section` should be `gettext_lazy` strings; `icon` is a Bootstrap Icons name without
    the `bi-` prefix ("inbox", "people").
    """
    role_set = frozenset([roles] if isinstance(roles, str) else roles)
    if not role_set:
        raise ValueError(f"Navigation item {url_name!r} needs at least one role.")
    item = NavItem(label=label, url_name=url_name, roles=role_set, icon=icon, order=order, section=section)
    _items[(url_name, role_set)] = item
    return item


def register_notifications(url_name: str, count: Callable[[Any], int]) -> None:
    """Show a bell linking to `url_name` with a badge of `count(user)` unread notifications."""
    global _notifications
    _notifications = Notifications(url_name=url_name, count=count)


def _resolve(url_name: str) -> str | None:
    try:
        return reverse(url_name)
    except NoReverseMatch:
        return None


def _is_active(url: str, path: str) -> bool:
    # The dashboard lives at "/", which prefixes every path: only an exact match makes it active.
    return path == url if url == "/" else path.startswith(url)


def menu_for(user: Any, path: str = "") -> list[ShownItem | ShownSection]:
    """The top bar for `user`: loose items and sections, in order. Empty for anonymous users."""
    if not getattr(user, "is_authenticated", False):
        return []
    role = getattr(user, "role", "")
    visible = [item for item in _items.values() if item.visible_to(role)]
    visible.sort(key=lambda item: (item.order, str(item.label)))

    entries: list[ShownItem | ShownSection] = []
    sections: dict[str, ShownSection] = {}
    for item in visible:
        url = _resolve(item.url_name)
        if url is None:
            continue
        shown = ShownItem(label=item.label, url=url, icon=item.icon, active=_is_active(url, path))
        if not item.section:
            entries.append(shown)
            continue
        key = str(item.section)
        if key not in sections:
            sections[key] = ShownSection(label=item.section, items=[])
            entries.append(sections[key])  # a section sits where its first item would
        sections[key].items.append(shown)
    return entries


def notifications_for(user: Any) -> dict | None:
    """`{"url", "count"}` for the bell, or None when no inbox is registered or its URL is missing."""
    if _notifications is None or not getattr(user, "is_authenticated", False):
        return None
    url = _resolve(_notifications.url_name)
    if url is None:
        return None
    return {"url": url, "count": _notifications.count(user)}
