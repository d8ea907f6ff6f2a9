from django.apps import AppConfig


class GrantsConfig(AppConfig):
    name = "grants"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from grants import (
            deadlines,
            policy,  # noqa: F401 - registers the grants policies
        )
        from grants.views import nav  # noqa: F401 - registers the pages' menu items and dashboard panels

        deadlines.register()  # round open/close, reminders, clarification due

        from grants import policy_selection  # noqa: F401 - registers the selection policies
        from grants.services import appeals
        from grants.views_selection import menus

        appeals.register_deadlines()  # the end of a round's appeal window
        menus.register()  # selection pages: nav items and dashboard panels
