"""Who may see and retry deadlines (registered with `core.policy`, imported by the AppConfig).

Everyone reads only their own notifications; the selectors scope that, so no predicate is needed.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from core import policy

# Role names as strings: `deadlines` imports no domain app, and `accounts.enums.Role` values are these.
DEADLINE_STAFF_ROLES = frozenset({"officer", "admin"})


def _is_staff(user: Any) -> bool:
    return getattr(user, "is_authenticated", False) and str(getattr(user, "role", "")) in DEADLINE_STAFF_ROLES


@policy.register("deadline.view")
def deadline_view(user: Any, obj: Any = None) -> str | None:
    """The deadlines page: program officers and administrators."""
    return None if _is_staff(user) else str(_("Only program officers see the deadlines page."))


@policy.register("deadline.retry")
def deadline_retry(user: Any, obj: Any = None) -> str | None:
    """Putting a parked deadline back in the queue: program officers and administrators."""
    return None if _is_staff(user) else str(_("Only program officers may retry a deadline."))
