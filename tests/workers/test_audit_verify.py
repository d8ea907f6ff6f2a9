"""Verify now runs on a real Celery worker (Redis, tests/workers/conftest.py): an auditor asks on the
trail page, the worker walks the chain, and the page shows the verdict and the certificate."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from audit.jobs import VERIFY_KIND
from audit.services import record_events
from core.models import Job, JobState
from tests.audit.conftest import event_specs
from tests.workers.conftest import wait_until

pytestmark = [pytest.mark.workers, pytest.mark.django_db(transaction=True), pytest.mark.timeout(120)]


@pytest.mark.rule(36)
def test_the_worker_walks_the_chain_and_the_page_shows_the_verdict(
    celery_worker, client, auditor, officer, settings, tmp_path
):
    settings.JOBS_ROOT = tmp_path / "jobs"
    chain = record_events(actor=officer, events=event_specs(officer.organisation, 30))
    client.force_login(auditor)
    response = client.post(reverse("audit:verify"))
    job = Job.objects.get(kind=VERIFY_KIND)
    wait_until(lambda: Job.objects.get(pk=job.pk).state in (JobState.DONE, JobState.FAILED), timeout=60)
    job.refresh_from_db()
    assert job.state == JobState.DONE, job.error
    assert job.rows == len(chain)
    html = client.get(response["Location"]).content.decode()
    assert f"Chain intact up to #{chain[-1].id}" in html and 'id="verify-certificate"' in html
    body = b"".join(client.get(reverse("audit:verify_certificate", args=[job.pk])).streaming_content)
    assert json.loads(body)["report"]["events_checked"] == len(chain)
