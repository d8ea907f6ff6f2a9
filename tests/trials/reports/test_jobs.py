"""XLSX export jobs without a worker: requesting one, who may see and download it, the progress page,
the job body (rows in order, sheets split at the row limit, manifest), redelivery and supersession.
The same job on a real Celery worker: tests/workers/test_xlsx_export.py."""

from __future__ import annotations

import hashlib
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core import jobs
from core.models import Job, JobState, OutboxMessage
from tests import factories
from tests.trials.reports.conftest import moscow
from tests.trials.reports.xlsx_reader import read_xlsx
from trials.exports import EXPORT_KIND, EXPORT_TASK, xlsx
from trials.exports.xlsx import xlsx_export_run
from trials.models import LedgerEntry

pytestmark = pytest.mark.django_db
REQUEST = reverse("reports:xlsx_request")


@pytest.fixture(autouse=True)
def private_jobs(settings, tmp_path):
    settings.JOBS_ROOT = tmp_path / "jobs"


@pytest.fixture
def history(book, firm, areas):
    agreement = book.agreement(at=moscow(2026, 1, 10), firm=firm, area=areas[0])
    book.pay(at=moscow(2026, 2, 1), agreement=agreement, amount=Decimal("1000000.00"))
    book.pay(at=moscow(2026, 3, 1), agreement=agreement, amount=Decimal("250000.00"))
    book.recover(at=moscow(2026, 3, 2), agreement=agreement, amount=Decimal("20000.00"))
    return agreement


def request_export(client, user, table="ledger", **filters):
    client.force_login(user)
    response = client.post(REQUEST, {"table": table, **filters})
    return response


def test_asking_for_an_xlsx_queues_a_job_and_shows_its_progress(client, auditor, history):
    response = request_export(client, auditor, "ledger", as_of="2026-02-28")
    job = Job.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("reports:job", args=[job.pk])
    assert (job.kind, job.state, job.requested_by, job.params) == (
        EXPORT_KIND, JobState.QUEUED, auditor,
        {"table": "ledger", "filters": {"by": "round", "as_of": "2026-02-28"}, "language": "en"},
    )  # fmt: skip
    message = OutboxMessage.objects.get(task_name=EXPORT_TASK)
    assert message.kwargs == {"job_id": job.pk}
    html = client.get(response["Location"]).content.decode()
    assert (
        'hx-trigger="every 1s"' in html
        and '<progress class="fc-progress w-100" id="job-progress" max="100" value="0">' in html
    )


def test_the_job_body_writes_every_row_in_order_and_the_manifest(client, auditor, history):
    request_export(client, auditor, "ledger")
    job = Job.objects.get()
    assert xlsx_export_run(job_id=job.pk) == "done"
    job.refresh_from_db()
    assert (job.state, job.progress, job.rows) == (JobState.DONE, 100, LedgerEntry.objects.count())
    sheets = read_xlsx(job.file_path)
    assert list(sheets) == ["Manifest", "Ledger"]
    rows = sheets["Ledger"]
    assert rows[0][0] == "Entry no." and rows[0][7] == "Amount, ₽"
    entries = list(LedgerEntry.objects.order_by("created_at", "pk"))
    assert [int(row[0]) for row in rows[1:]] == [e.pk for e in entries]
    assert [Decimal(row[7]) for row in rows[1:]] == [e.amount for e in entries]
    manifest = dict(sheets["Manifest"])
    assert manifest["Export"] == "ledger" and manifest["Rows"] == str(len(entries))
    with open(job.file_path, "rb") as handle:
        assert job.sha256 == hashlib.sha256(handle.read()).hexdigest()
    assert job.manifest["sha256"] == job.sha256 and job.manifest["rows"] == len(entries)
    # A second delivery of the same message does nothing.
    assert xlsx_export_run(job_id=job.pk) == "skipped"


def test_past_the_sheet_limit_the_table_continues_on_the_next_sheet(client, auditor, history, monkeypatch):
    monkeypatch.setattr(xlsx, "ROWS_PER_SHEET", 2)
    request_export(client, auditor, "ledger")
    job = Job.objects.get()
    xlsx_export_run(job_id=job.pk)
    sheets = read_xlsx(Job.objects.get().file_path)
    count = LedgerEntry.objects.count()  # commitment, two payouts, a recovery
    assert list(sheets) == ["Manifest", "Ledger", "Ledger (2)"]
    assert [len(sheets[name]) for name in ("Ledger", "Ledger (2)")] == [3, 1 + count - 2]
    ids = [int(row[0]) for name in ("Ledger", "Ledger (2)") for row in sheets[name][1:]]
    assert ids == list(LedgerEntry.objects.order_by("created_at", "pk").values_list("pk", flat=True))


def test_a_report_export_holds_the_report_rows_and_total(client, auditor, history, firm):
    request_export(client, auditor, "report", by="firm")
    xlsx_export_run(job_id=Job.objects.get().pk)
    rows = read_xlsx(Job.objects.get().file_path)["Report"]
    assert [row[0] for row in rows] == ["Group", firm.name, "Total"]
    assert Decimal(rows[2][8]) == Decimal("1000000.00")  # paid: 800 000 + 200 000
    assert Decimal(rows[2][10]) == Decimal("980000.00")  # net paid


def test_a_run_that_lost_its_claim_cannot_finish_the_job(client, auditor, history):
    request_export(client, auditor, "ledger")
    stale = jobs.job_claim(Job.objects.get().pk)
    fresh = jobs.job_claim(stale.pk)  # a redelivery after a crash starts again
    assert fresh.attempts == stale.attempts + 1
    with pytest.raises(jobs.JobSuperseded):
        jobs.job_progress(stale, progress=50, rows=10)
    jobs.job_fail(stale, error="late")
    assert Job.objects.get().state == JobState.RUNNING


def test_a_firm_may_export_its_ledger_but_not_the_report(client, history, firm):
    applicant = factories.ApplicantFactory(organisation=firm)
    response = request_export(client, applicant, "report")
    assert response.status_code == 403 and "Only ministry staff may see this." in response.content.decode()
    assert request_export(client, applicant, "ledger").status_code == 302
    assert request_export(client, applicant, "payroll").status_code == 403
    assert Job.objects.count() == 1


def test_only_the_requester_and_auditors_see_or_download_a_job(client, officer, auditor, history):
    request_export(client, officer, "ledger")
    job = Job.objects.get()
    xlsx_export_run(job_id=job.pk)
    job.refresh_from_db()
    download = reverse("reports:job_download", args=[job.pk])
    client.force_login(officer)
    response = client.get(download)
    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    assert response["X-Checksum-SHA256"] == hashlib.sha256(body).hexdigest() == job.sha256
    assert response["Content-Disposition"].startswith("attachment;")
    client.force_login(auditor)
    assert client.get(download).status_code == 200
    assert client.get(reverse("reports:job_manifest", args=[job.pk])).json()["sha256"] == job.sha256
    other = factories.OfficerFactory()
    client.force_login(other)
    for name in ("reports:job", "reports:job_download", "reports:job_manifest"):
        assert client.get(reverse(name, args=[job.pk])).status_code == 404
    assert job.pk not in [j.pk for j in jobs.jobs_visible_to(other)]


def test_the_polled_fragment_stops_polling_and_offers_the_download_when_done(client, auditor, history):
    request_export(client, auditor, "ledger")
    job = Job.objects.get()
    xlsx_export_run(job_id=job.pk)
    html = client.get(reverse("reports:job", args=[job.pk]), headers={"HX-Request": "true"}).content.decode()
    assert html.lstrip().startswith("<section") and "hx-trigger" not in html
    assert reverse("reports:job_download", args=[job.pk]) in html and Job.objects.get().sha256 in html


def test_a_job_whose_requester_lost_access_fails_with_the_reason(client, history, firm):
    applicant = factories.ApplicantFactory(organisation=firm)
    request_export(client, applicant, "ledger")
    job = Job.objects.get()
    applicant.role = "reviewer"
    applicant.save(update_fields=["role"])
    assert xlsx_export_run(job_id=job.pk) == "refused"
    job.refresh_from_db()
    assert job.state == JobState.FAILED and "agreements" in job.error
    html = client.get(reverse("reports:job", args=[job.pk])).content.decode()
    assert job.error in html and "job-download" not in html


def test_the_export_list_runs_the_same_queries_at_two_sizes(client, auditor, history):
    request_export(client, auditor, "ledger")
    url = reverse("reports:jobs")
    client.get(url)  # warm-up: the first request of a session loads caches
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    for table in ("report", "ledger", "report"):
        jobs.job_request(
            kind=EXPORT_KIND,
            params={"table": table},
            requested_by=factories.OfficerFactory(),
            task_name=EXPORT_TASK,
        )
    with CaptureQueriesContext(connection) as large:
        html = client.get(url).content.decode()
    assert html.count("data-job=") == 4
    assert len(large.captured_queries) == len(small.captured_queries)


def test_progress_is_recorded_every_n_rows_while_the_file_is_written(client, auditor, history, monkeypatch):
    monkeypatch.setattr(xlsx, "PROGRESS_EVERY", 2)
    recorded = []
    record = xlsx.job_progress

    def record_and_read_back(job, *, progress, rows):
        record(job, progress=progress, rows=rows)
        stored = Job.objects.get(pk=job.pk)
        recorded.append((stored.state, stored.progress, stored.rows))

    monkeypatch.setattr(xlsx, "job_progress", record_and_read_back)
    request_export(client, auditor, "ledger")
    xlsx_export_run(job_id=Job.objects.get().pk)
    assert LedgerEntry.objects.count() == 4
    assert recorded == [(JobState.RUNNING, 50, 2), (JobState.RUNNING, 80, 4)]  # never 100 before the end
    assert (Job.objects.get().progress, Job.objects.get().rows) == (100, 4)
