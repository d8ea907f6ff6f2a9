from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrialsConfig(AppConfig):
    name = "trials"
    verbose_name = _("Agreements and payouts")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from trials import (
            deadlines,
            policy,  # noqa: F401 - registers the trials policies
        )

        deadlines.register()
        _register_pages()
        from trials.reports.setup import register as register_reports  # reports, exports, export task

        register_reports()


def _register_pages() -> None:
    """Menu items and dashboard panels of the agreement, claim and payout pages."""
    from core import nav
    from core.dashboard import register_panel
    from trials import selectors

    ministry = ["officer", "auditor", "admin"]
    section = _("Agreements and payouts")
    nav.register(
        _("Agreements"), "trials:agreements", roles=["applicant"], icon="file-earmark-text", order=20
    )
    nav.register(_("Payouts"), "trials:payouts", roles=["applicant"], icon="cash-coin", order=21)
    for order, (label, url_name, icon) in enumerate(
        [
            (_("Agreements"), "trials:agreements", "file-earmark-text"),
            (_("Verification queue"), "trials:verification_queue", "check2-square"),
            (_("Payouts"), "trials:payouts", "cash-coin"),
            (_("Recoveries"), "trials:recoveries", "arrow-counterclockwise"),
            (_("Ledger"), "trials:ledger", "journal"),
        ],
        start=60,
    ):
        nav.register(label, url_name, roles=ministry, icon=icon, order=order, section=section)
    register_panel(["applicant"], "trials/panels/firm.html", context=selectors.firm_panel, order=20)
    register_panel(["officer"], "trials/panels/officer.html", context=selectors.officer_panel, order=20)
