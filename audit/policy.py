"""Who may read the audit trail (registered with `core.policy`, imported by the AppConfig).

Nobody writes through these pages or the API: events come only from services (`record_event`), so
there is no write policy at all (rule 37: auditors change nothing).
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from audit.selectors import reads_trail
from core import policy


@policy.register("audit.read_trail")
def audit_read_trail(user: Any, obj: Any = None) -> str | None:
    """The trail, its events, its export and its verification: auditors, officers, administrators."""
    if reads_trail(user):
        return None
    return str(_("Only auditors, program officers and administrators can read the audit trail."))
