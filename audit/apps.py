from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = _("Audit trail")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from audit import policy, selectors  # noqa: F401  (policy registers its predicates)
        from core import nav
        from core.dashboard import register_panel

        nav.register(
            _("Audit trail"),
            "audit:events",
            roles=["auditor", "officer", "admin"],
            icon="journal-check",
            order=90,
        )
        register_panel(
            ["auditor", "admin"], "audit/panels/chain_status.html", context=selectors.chain_panel, order=90
        )
