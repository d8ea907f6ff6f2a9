from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "core"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from core import nav

        nav.register(_("Dashboard"), "core:dashboard", roles=nav.EVERY_ROLE, icon="speedometer2", order=0)
