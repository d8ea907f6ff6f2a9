"""Beat-scheduled audit jobs (see CELERY_BEAT_SCHEDULE)."""

from __future__ import annotations

from celery import shared_task

from audit.jobs import verify_run
from audit.services import checkpoint_record


@shared_task(name="audit.checkpoint")
def checkpoint() -> int:
    """Verify the whole chain and record a checkpoint. Safe to run twice: each run adds one checkpoint."""
    return checkpoint_record().pk


@shared_task(name="audit.verify_job")
def verify_job(job_id: int) -> str:
    """Walk the chain for a reader who asked on the trail page (see audit.jobs). Safe to run twice."""
    return verify_run(job_id=job_id)
