from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReviewersConfig(AppConfig):
    name = "reviewers"
    verbose_name = _("Review")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from core import nav
        from core.dashboard import register_panel
        from reviewers import (
            deadlines,
            panels,
            policy,  # noqa: F401 - registers the reviewers policies
        )

        deadlines.register()  # review reminders and the overdue flag
        _register_with_grants()
        section = _("Review")
        nav.register(
            _("My reviews"), "reviewers:my_assignments", roles=["reviewer"], icon="clipboard-check", order=30
        )
        nav.register(
            _("My expertise"), "reviewers:my_profile", roles=["reviewer"], icon="person-badge", order=31
        )
        nav.register(
            _("Review rounds"), "reviewers:rounds", roles=["officer", "auditor", "admin"], icon="clipboard-data",
            order=40, section=section,
        )  # fmt: skip
        nav.register(
            _("Reviewers"), "reviewers:profiles", roles=["officer", "auditor", "admin"], icon="people",
            order=41, section=section,
        )  # fmt: skip
        register_panel(
            ["reviewer"], "reviewers/panels/my_reviews.html", context=panels.reviewer_panel, order=10
        )
        register_panel(
            ["officer", "auditor"],
            "reviewers/panels/review_rounds.html",
            context=panels.officer_panel,
            order=30,
        )


def _register_with_grants() -> None:
    """Give grants (which may not import reviewers) the scores, the firm's comments and the appeal hook."""
    try:
        from grants import scoring
    except ImportError:  # a grants without selection has nothing to ask for
        return
    from reviewers import services

    scoring.register_score_provider(services.scored_rows)
    scoring.register_comments_provider(services.application_comments)
    scoring.register_appeal_upheld_hook(services.appeal_upheld)
