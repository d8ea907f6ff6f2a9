"""Start-up registrations of the auditor's reports: menu items, the dashboard panel and the export
task. `trials.apps.TrialsConfig.ready()` calls `register()`."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from core.jobs import jobs_visible_to

MINISTRY_READERS = ["auditor", "officer", "admin"]
PANEL_JOBS = 5


def money_panel(user: Any) -> dict[str, Any]:
    """The auditor's dashboard panel: the totals of every round now, and the latest exports."""
    from trials.exports import EXPORT_KIND
    from trials.reports.filters import ReportFilters
    from trials.reports.queries import build_report

    report = build_report(user, ReportFilters(by="round"))
    jobs = list(jobs_visible_to(user).filter(kind=EXPORT_KIND, requested_by_id=user.pk)[:PANEL_JOBS])
    return {"total": report.total, "rounds": len(report.rows), "jobs": jobs}


def register() -> None:
    from core import nav
    from core.dashboard import register_panel
    from trials.exports import tasks  # noqa: F401  (registers the task trials.export_xlsx)

    section = _("Reports")
    nav.register(
        _("Payout report"),
        "reports:report",
        roles=MINISTRY_READERS,
        icon="bar-chart-line",
        order=80,
        section=section,
    )
    nav.register(
        _("Exports"), "reports:jobs", roles=MINISTRY_READERS, icon="download", order=81, section=section
    )
    register_panel(["auditor"], "trials/reports/panels/money.html", context=money_panel, order=10)
