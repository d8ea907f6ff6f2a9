from django.db import models
from django.utils.translation import gettext_lazy as _


class ChainProblem(models.TextChoices):
    """What the verification found wrong at the first broken event."""

    EDITED = "edited", _("edited: the event's content no longer matches its hash")
    DELETED = "deleted", _("deleted: events before it are missing")
    REORDERED = "reordered", _("deleted or reordered: its link to the previous event is broken")
    TRUNCATED = "truncated", _("deleted: the latest events are missing")
    REWRITTEN = "rewritten", _("rewritten: the chain no longer matches a recorded checkpoint")
