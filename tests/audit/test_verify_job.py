"""Verify now on the trail page: a worker walks the chain (audit.jobs) while the panel shows its
progress, then the verdict and a certificate to download. Readers change nothing (rule 37): the job
row is all that is written. The job body runs here in the test process; tests/workers runs it on a
real Celery worker."""

from __future__ import annotations

import hashlib
import json

import pytest
from django.urls import reverse

from audit import jobs
from audit.models import AuditCheckpoint, AuditEvent, ChainHead
from audit.services import record_events
from audit.verify import verify_chain
from core.models import Job, JobState, OutboxMessage
from tests import factories
from tests.audit.conftest import event_specs, raw_sql, trigger_disabled

pytestmark = pytest.mark.django_db

VERIFY = reverse("audit:verify")


@pytest.fixture(autouse=True)
def jobs_root(settings, tmp_path):
    settings.JOBS_ROOT = tmp_path / "jobs"


def ask(client, user, **headers):
    client.force_login(user)
    response = client.post(VERIFY, headers=headers)
    return response, Job.objects.filter(kind=jobs.VERIFY_KIND).order_by("-pk").first()


@pytest.mark.rule(37)
def test_verify_now_queues_a_walk_reports_it_and_changes_nothing_else(client, auditor, chain):
    head_before = ChainHead.objects.values_list("last_event_id", "last_hash").get()
    response, job = ask(client, auditor)
    assert response.status_code == 302 and response["Location"] == reverse("audit:verify_job", args=[job.pk])
    assert (job.state, job.requested_by) == (JobState.QUEUED, auditor)
    assert OutboxMessage.objects.get(task_name=jobs.VERIFY_TASK).kwargs == {"job_id": job.pk}
    waiting = client.get(response["Location"]).content.decode()
    assert 'hx-trigger="every 1s"' in waiting and "Waiting for a worker to start the walk" in waiting

    assert jobs.verify_run(job_id=job.pk) == "intact"

    html = client.get(response["Location"]).content.decode()
    assert f"Chain intact up to #{chain[-1].id}" in html and "Verified on request" in html
    assert "hx-trigger" not in html  # polling stops once the walk has ended
    assert AuditEvent.objects.count() == len(chain)
    assert AuditCheckpoint.objects.count() == 0
    assert ChainHead.objects.values_list("last_event_id", "last_hash").get() == head_before
    assert jobs.verify_run(job_id=job.pk) == "skipped"  # a second delivery does nothing


@pytest.mark.rule(36)
def test_the_certificate_names_the_first_broken_event_and_carries_its_checksum(client, auditor, chain):
    with trigger_disabled():
        raw_sql("DELETE FROM audit_auditevent WHERE id = %s", [chain[1].id])
    response, job = ask(client, auditor, **{"HX-Request": "true"})
    fragment = response.content.decode()
    assert fragment.lstrip().startswith('<section id="chain-status"') and 'hx-trigger="every 1s"' in fragment

    assert jobs.verify_run(job_id=job.pk) == "broken"

    panel = client.get(reverse("audit:verify_job", args=[job.pk]), headers={"HX-Request": "true"})
    html = panel.content.decode()
    assert f"Broken at #{chain[2].id}: deleted: events before it are missing" in html
    assert f"Events up to #{chain[0].id} check out." in html
    download = client.get(reverse("audit:verify_certificate", args=[job.pk]))
    body = b"".join(download.streaming_content)
    job.refresh_from_db()
    assert download["X-Checksum-SHA256"] == hashlib.sha256(body).hexdigest() == job.sha256
    assert job.sha256 in html
    certificate = json.loads(body)
    assert certificate["verdict"] == "broken" and certificate["requested_by"]["username"] == auditor.username
    assert (certificate["report"]["first_broken_id"], certificate["report"]["problem"]) == (
        chain[2].id,
        "deleted",
    )


def test_the_walk_reports_its_progress_as_it_goes():
    seen: list[int] = []
    officer = factories.OfficerFactory()
    record_events(actor=officer, events=event_specs(officer.organisation, 7))
    report = verify_chain(chunk_size=2, progress=seen.append)
    assert report.ok and seen == [2, 4, 6]


def test_a_walk_is_seen_by_its_requester_and_auditors_only(client, auditor, officer, applicant, chain):
    _response, job = ask(client, officer)
    jobs.verify_run(job_id=job.pk)
    url = reverse("audit:verify_job", args=[job.pk])
    for user, status in ((officer, 200), (auditor, 200), (factories.OfficerFactory(), 404), (applicant, 403)):
        client.force_login(user)
        assert client.get(url).status_code == status, user
        assert client.get(reverse("audit:verify_certificate", args=[job.pk])).status_code == status, user
    client.force_login(auditor)
    assert client.get(reverse("audit:verify_job", args=[987654])).status_code == 404


def test_a_requester_who_lost_the_right_to_read_the_trail_gets_a_refusal(client, officer, chain):
    _response, job = ask(client, officer)
    officer.is_active = False
    officer.save(update_fields=["is_active"])
    assert jobs.verify_run(job_id=job.pk) == "refused"
    job.refresh_from_db()
    assert job.state == JobState.FAILED and job.error


def test_verify_needs_post(client, auditor):
    client.force_login(auditor)
    assert client.get(VERIFY).status_code == 405
