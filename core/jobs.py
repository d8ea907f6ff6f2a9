"""Background jobs that build a file: request, claim, progress, finish, fail, and scoped reads.

A page calls `job_request(kind=..., params=..., requested_by=user, task_name="app.task")`: the job row
and an outbox message commit together, so the task runs even if the broker was down at that moment.
The task (which takes the job id) calls `job_claim(job_id)`; a second delivery of the same message
finds the job done and does nothing, and a redelivery after a worker crash starts it again from the
beginning (`attempts` goes up, and the older run can no longer report progress or finish).

While it writes, the task reports `job_progress(job, progress=..., rows=...)` every few thousand rows
(one UPDATE) and ends with `job_finish(job, path=...)`, which computes the file's SHA-256, or
`job_fail(job, error=...)`. Pages poll `job_get(user, pk)`.

Jobs are scoped to their requester; auditors read every job (rule 37: they see every export).
This module knows role names only as strings: `core` imports nothing from `accounts`.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, QuerySet
from django.http import FileResponse, Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core import outbox
from core.errors import NotFound
from core.models_jobs import LIVE_JOB_STATES, Job, JobState

# Roles that read every person's jobs, besides the requester's own.
READ_ALL_JOB_ROLES = frozenset({"auditor"})
ERROR_LIMIT = 2000


class JobSuperseded(Exception):
    """This run no longer owns the job: it finished already or a newer run claimed it."""


def jobs_root() -> Path:
    """Where job files live: `settings.JOBS_ROOT`, else MEDIA_ROOT/jobs (private, never static)."""
    root = Path(getattr(settings, "JOBS_ROOT", "") or Path(settings.MEDIA_ROOT) / "jobs")
    root.mkdir(parents=True, exist_ok=True)
    return root


# --- reads ------------------------------------------------------------------------------------
def jobs_visible_to(user: Any) -> QuerySet[Job]:
    """The user's own jobs; every job for auditors; none for anonymous users."""
    if not getattr(user, "is_authenticated", False):
        return Job.objects.none()
    jobs = Job.objects.select_related("requested_by")
    if str(getattr(user, "role", "")) in READ_ALL_JOB_ROLES:
        return jobs
    return jobs.filter(requested_by_id=user.pk)


def job_get(user: Any, pk: int | str) -> Job:
    """One job the user may read, or NotFound (someone else's job is not found, never forbidden)."""
    job = jobs_visible_to(user).filter(pk=pk).first() if str(pk).isdigit() else None
    if job is None:
        raise NotFound("not_found", _("Job not found."))
    return job


def job_file(job: Job) -> Path:
    """The finished job's file, or NotFound when the job is not done or the file is gone."""
    path = Path(job.file_path)
    if job.state != JobState.DONE or not job.file_path or not path.is_file():
        raise NotFound("not_found", _("The file of this job is not available."))
    return path


def job_file_response(job: Job) -> FileResponse:
    """The finished job's file as a download with its SHA-256 in `X-Checksum-SHA256`; 404 when the
    job is not done or the file is gone. Callers check who may download it first."""
    try:
        path = job_file(job)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    response = FileResponse(
        open(path, "rb"),  # noqa: SIM115 - FileResponse closes it
        as_attachment=True,
        filename=job.file_name,
        content_type=job.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["X-Checksum-SHA256"] = job.sha256
    return response


# --- writes -----------------------------------------------------------------------------------
def job_request(*, kind: str, params: dict, requested_by: Any, task_name: str) -> Job:
    """Record a queued job and enqueue `task_name(job_id=...)` through the outbox."""
    with transaction.atomic():
        job = Job.objects.create(kind=kind, params=params, requested_by=requested_by)
        outbox.enqueue(task_name, job_id=job.pk)
    return job


def job_claim(job_id: int) -> Job | None:
    """Start (or restart, after a lost worker) a live job; None when it is finished or unknown."""
    claimed = Job.objects.filter(pk=job_id, state__in=LIVE_JOB_STATES).update(
        state=JobState.RUNNING,
        attempts=F("attempts") + 1,
        progress=0,
        rows=0,
        started_at=timezone.now(),
    )
    if not claimed:
        return None
    return Job.objects.select_related("requested_by").get(pk=job_id)


def _owned(job: Job) -> QuerySet[Job]:
    return Job.objects.filter(pk=job.pk, state=JobState.RUNNING, attempts=job.attempts)


def job_progress(job: Job, *, progress: int, rows: int) -> None:
    """Report progress (0-100, never 100 before the file is finished) and rows written so far."""
    progress = max(0, min(int(progress), 99))
    if not _owned(job).update(progress=progress, rows=rows):
        raise JobSuperseded(job.pk)
    job.progress, job.rows = progress, rows


def file_sha256(path: Path, *, block_size: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(block_size):
            digest.update(block)
    return digest.hexdigest()


def job_finish(job: Job, *, path: Path, file_name: str, content_type: str, rows: int, manifest: dict) -> Job:
    """Mark the job done with its file (moved to its final name) and the file's SHA-256."""
    final = jobs_root() / f"job-{job.pk}{Path(file_name).suffix}"
    os.replace(path, final)  # atomic on one file system: a reader never sees half a file
    sha256 = file_sha256(final)
    now = timezone.now()
    manifest = {**manifest, "sha256": sha256, "rows": rows}
    fields = {
        "state": JobState.DONE,
        "progress": 100,
        "rows": rows,
        "file_path": str(final),
        "file_name": file_name,
        "content_type": content_type,
        "size": final.stat().st_size,
        "sha256": sha256,
        "manifest": manifest,
        "finished_at": now,
    }
    if not _owned(job).update(**fields):
        raise JobSuperseded(job.pk)
    for name, value in fields.items():
        setattr(job, name, value)
    return job


def job_fail(job: Job, *, error: str) -> None:
    """Mark the job failed with a message the requester can read. A superseded run changes nothing."""
    _owned(job).update(
        state=JobState.FAILED, error=(error or "error")[:ERROR_LIMIT], finished_at=timezone.now()
    )
