"""Background jobs that build a file for one person (exports): state, progress and the result.

A job is requested by a person, run by a Celery task and read back through `core.jobs`, scoped to
its requester (and auditors, who read every export). The file lives under `JOBS_ROOT` (default
MEDIA_ROOT/jobs), never under STATIC, and is served only by a permission-checked view.
"""

from __future__ import annotations

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class JobState(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


# States in which a worker may still pick the job up (a redelivery after a crash finds it running).
LIVE_JOB_STATES = (JobState.QUEUED, JobState.RUNNING)


class Job(models.Model):
    kind = models.CharField(_("kind"), max_length=64)
    params = models.JSONField(_("parameters"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    # CASCADE would erase who asked for an export; a person with jobs is deactivated, not deleted.
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("requested by")
    )
    state = models.CharField(
        _("state"), max_length=16, choices=JobState.choices, default=JobState.QUEUED, editable=False
    )
    progress = models.PositiveSmallIntegerField(_("progress, %"), default=0)
    rows = models.BigIntegerField(_("rows"), default=0)
    # Runs of this job so far: a run that lost its claim (a newer run started) may not finish it.
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    file_path = models.CharField(_("file"), max_length=500, blank=True)
    file_name = models.CharField(_("download name"), max_length=200, blank=True)
    content_type = models.CharField(_("content type"), max_length=120, blank=True)
    size = models.BigIntegerField(_("size, bytes"), default=0)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    manifest = models.JSONField(_("manifest"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("requested"), default=timezone.now, db_index=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("background job")
        verbose_name_plural = _("background jobs")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(state__in=JobState.values), name="job_state_valid"),
            models.CheckConstraint(condition=Q(progress__lte=100), name="job_progress_at_most_100"),
            models.CheckConstraint(condition=Q(rows__gte=0), name="job_rows_not_negative"),
            # A finished job names its file and its checksum; a failed one says why.
            models.CheckConstraint(
                condition=~Q(state=JobState.DONE)
                | Q(progress=100, finished_at__isnull=False) & ~Q(file_path="") & ~Q(sha256=""),
                name="job_done_has_file",
            ),
            models.CheckConstraint(
                condition=~Q(state=JobState.FAILED) | Q(finished_at__isnull=False) & ~Q(error=""),
                name="job_failed_has_error",
            ),
        ]
        indexes = [models.Index(fields=["requested_by", "-created_at"], name="job_requester_idx")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.kind} ({self.state})"

    @property
    def is_live(self) -> bool:
        return self.state in LIVE_JOB_STATES
