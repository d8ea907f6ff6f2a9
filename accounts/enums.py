from django.db import models
from django.utils.translation import gettext_lazy as _


class OrganisationKind(models.TextChoices):
    FIRM = "firm", _("Pharmaceutical firm")
    MINISTRY = "ministry", _("Ministry")


class Role(models.TextChoices):
    APPLICANT = "applicant", _("Applicant")
    OFFICER = "officer", _("Program officer")
    REVIEWER = "reviewer", _("Reviewer")
    AUDITOR = "auditor", _("Auditor")
    ADMIN = "admin", _("Administrator")


# Roles whose holders work for the ministry; they must use two-factor authentication.
MINISTRY_ROLES = frozenset({Role.OFFICER, Role.REVIEWER, Role.AUDITOR, Role.ADMIN})
