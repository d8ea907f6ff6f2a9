from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeadlinesConfig(AppConfig):
    name = "deadlines"
    verbose_name = _("Deadlines and notifications")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from core import nav
        from core.dashboard import register_panel
        from deadlines import policy, selectors  # noqa: F401  (policy registers its predicates)

        nav.register(_("Deadlines"), "deadlines:list", roles=["officer", "admin"], icon="alarm", order=80)
        nav.register_notifications("deadlines:inbox", selectors.unread_count)
        register_panel(
            ["officer", "admin"],
            "deadlines/panels/deadlines.html",
            context=selectors.deadlines_panel,
            order=80,
        )
