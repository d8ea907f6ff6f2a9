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
        from trials.reports.setup import register as register_reports  # reports, exports, export task

        register_reports()
