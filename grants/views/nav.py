"""Menu items and dashboard panels of the grants pages; registered when the app is ready
(`grants.apps` imports this module)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from core import nav
from core.dashboard import register_panel
from grants import selectors_pages

MINISTRY = ["officer", "auditor", "admin"]
CALLS = _("Calls")

# The registry is keyed by URL name, so the ministry's grouped entries use alias names of the same pages.
# Reviewers get none: they see no application until assignments exist.
nav.register(_("My applications"), "grants:applications", roles=["applicant"], icon="folder2-open", order=10)
nav.register(_("Rounds"), "grants:rounds", roles=["applicant"], icon="calendar3", order=15)
nav.register(_("Rounds"), "grants:rounds_menu", roles=MINISTRY, icon="calendar3", order=10, section=CALLS)
nav.register(
    _("Applications"), "grants:applications_menu", roles=MINISTRY, icon="files", order=11, section=CALLS
)
nav.register(_("Programs"), "grants:programs", roles=MINISTRY, icon="journal-text", order=12, section=CALLS)

register_panel(
    ["applicant"],
    "grants/panels/my_applications.html",
    context=selectors_pages.my_applications_panel,
    order=10,
)
register_panel(MINISTRY, "grants/panels/rounds.html", context=selectors_pages.rounds_panel, order=20)
