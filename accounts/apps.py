from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from accounts import policy  # noqa: F401 - registers the accounts policies
        from core import nav

        nav.register(
            _("Organisations"),
            "accounts:organisations",
            roles=["officer", "auditor", "admin"],
            icon="building",
            order=85,
        )
