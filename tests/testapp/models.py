"""Models used only by the tests of core mechanisms."""

from django.conf import settings
from django.db import models

from core.money import MoneyField


class Gadget(models.Model):
    """A small stateful object: draft -> submitted -> approved / rejected, owned by an organisation."""

    class State(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Submitted"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"

    name = models.CharField(max_length=100)
    state = models.CharField(max_length=16, choices=State.choices, default=State.DRAFT)
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    amount = MoneyField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.name


class TaskRun(models.Model):
    """One row per execution of the test task, so a test can count deliveries."""

    label = models.CharField(max_length=100)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.label
