"""Verify now, as a background job: walking a long trail takes longer than a web request may (about
60,000 events a second), so the page asks a worker for the walk and shows its progress. The result
is kept as a verification certificate, a JSON file the reader can download and file with the SHA-256
the job page shows.

Only the job row is written (rule 37: readers change nothing): no audit event and no checkpoint,
which stay the nightly task's (`audit.checkpoint`).
"""

from __future__ import annotations

import json
import logging
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from audit.models import ChainHead
from audit.verify import ChainReport, verify_chain
from core import policy
from core.jobs import (
    JobSuperseded,
    job_claim,
    job_fail,
    job_finish,
    job_progress,
    job_request,
    jobs_root,
    jobs_visible_to,
)
from core.models_jobs import Job

logger = logging.getLogger(__name__)

VERIFY_KIND = "audit.verify"  # core.models_jobs.Job.kind
VERIFY_TASK = "audit.verify_job"
CONTENT_TYPE = "application/json"


def verify_request(*, actor: Any) -> Job:
    """Queue a walk of the whole chain for `actor` (a reader of the trail)."""
    policy.require(actor, "audit.read_trail")
    language = translation.get_language() or settings.LANGUAGE_CODE
    return job_request(
        kind=VERIFY_KIND, params={"language": language}, requested_by=actor, task_name=VERIFY_TASK
    )


def verify_jobs_visible_to(user: Any) -> QuerySet[Job]:
    """The user's verification jobs (every one for auditors), for readers of the trail only."""
    if not policy.can(user, "audit.read_trail"):
        return Job.objects.none()
    return jobs_visible_to(user).filter(kind=VERIFY_KIND)


def report_of(job: Job) -> ChainReport | None:
    """The walk's outcome, from a finished job's manifest."""
    data = job.manifest.get("report") if job.manifest else None
    if not data:
        return None
    fields = {name: data[name] for name in ChainReport.__dataclass_fields__ if name in data}
    fields["checked_at"] = datetime.fromisoformat(data["checked_at"])
    return ChainReport(**fields)


def verify_run(*, job_id: int) -> str:
    """Walk the chain for one job (the body of task `audit.verify_job`) and keep the certificate.
    Safe to run twice: a finished job is left alone; a crashed run walks again from the start."""
    job = job_claim(job_id)
    if job is None:
        return "skipped"
    try:
        with translation.override(job.params.get("language") or settings.LANGUAGE_CODE):
            decision = policy.can(job.requested_by, "audit.read_trail")
            if not job.requested_by.is_active or not decision:
                job_fail(job, error=decision.reason or _("The account is inactive."))
                return "refused"
            expected = ChainHead.objects.filter(id=1).values_list("last_event_id", flat=True).first() or 0

            def walked(checked: int) -> None:
                job_progress(job, progress=checked * 100 // max(expected, checked + 1), rows=checked)

            report = verify_chain(progress=walked)
            certificate = _certificate(job, report)
        path = jobs_root() / f"job-{job.pk}-{job.attempts}.json.part"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(certificate, ensure_ascii=False, indent=2, sort_keys=True) + "\n")
        stamp = timezone.localtime(report.checked_at).strftime("%Y%m%d-%H%M%S")
        job_finish(
            job,
            path=path,
            file_name=f"audit-chain-verification-{stamp}.json",
            content_type=CONTENT_TYPE,
            rows=report.events_checked,
            manifest={"report": report.as_dict()},
        )
    except JobSuperseded:
        return "superseded"
    except Exception as exc:
        logger.exception("audit verification job %s failed", job_id)
        job_fail(job, error=_("The verification failed: %(error)s") % {"error": type(exc).__name__})
        return "failed"
    return "intact" if report.ok else "broken"


def _certificate(job: Job, report: ChainReport) -> dict[str, Any]:
    who = job.requested_by
    return {
        "title": _("Audit trail hash chain verification"),
        "requested_by": {"username": who.get_username(), "name": who.get_full_name()},
        "requested_at": job.created_at.isoformat(),
        "report": report.as_dict(),
        "verdict": _("intact") if report.ok else _("broken"),
    }
