"""Menu items and dashboard panels of the selection pages (registered from GrantsConfig.ready())."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from core import nav
from core.dashboard import register_panel
from grants import selectors_selection

MINISTRY = ["officer", "auditor", "admin"]


def register() -> None:
    nav.register(_("Selection"), "grants:selection_rounds", roles=MINISTRY, icon="bar-chart-steps", order=25)
    nav.register(_("Appeals"), "grants:selection_appeals", roles=MINISTRY, icon="megaphone", order=26)
    nav.register(_("Results"), "grants:selection_results", roles=["applicant"], icon="trophy", order=12)
    register_panel(
        MINISTRY,
        "grants/selection/panels/selection.html",
        context=selectors_selection.officer_selection_panel,
        order=25,
    )
    register_panel(
        ["applicant"],
        "grants/selection/panels/results.html",
        context=selectors_selection.firm_results_panel,
        order=12,
    )
