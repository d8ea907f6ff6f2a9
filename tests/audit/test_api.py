"""`/api/v1/audit-events/`: auditors read the trail and its verification; nobody writes (rules 36, 37)."""

from __future__ import annotations

import hashlib
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from audit import jobs
from audit.models import AuditCheckpoint, AuditEvent, ChainHead
from audit.services import record_event
from tests import factories
from tests.audit.conftest import raw_sql, trigger_disabled

pytestmark = pytest.mark.django_db

LIST = "/api/v1/audit-events/"
VERIFY = "/api/v1/audit-events/verify"


def detail(pk: int) -> str:
    return f"/api/v1/audit-events/{pk}/"


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_auditor_lists_events_newest_first_with_every_field(auditor, chain):
    body = api(auditor).get(LIST).json()
    assert [e["id"] for e in body["results"]] == [e.id for e in reversed(chain)]
    newest = body["results"][0]
    assert newest == {
        "id": chain[-1].id,
        "created_at": newest["created_at"],
        "actor": chain[-1].actor_id,
        "actor_label": chain[-1].actor_label,
        "actor_role": "officer",
        "organisation_id": chain[-1].organisation_id,
        "action": "organisation.update",
        "object_type": "accounts.organisation",
        "object_id": chain[-1].object_id,
        "object_repr": chain[-1].object_repr,
        "before": {"name": "Name 5"},
        "after": {"name": "Name 6"},
        "reason": "step 5",
        "prev_hash": chain[-2].hash,
        "hash": chain[-1].hash,
    }
    assert newest["created_at"].endswith("+03:00")  # rendered in Moscow time, offset explicit


def test_cursor_pages_walk_the_whole_trail_without_repeats(auditor, chain):
    client = api(auditor)
    seen, url = [], f"{LIST}?page_size=2"
    while url:
        body = client.get(url).json()
        assert "count" not in body  # no COUNT(*) over millions of rows
        seen += [e["id"] for e in body["results"]]
        url = body["next"]
    assert seen == [e.id for e in reversed(chain)]


def test_same_filters_as_the_page(auditor, officer, chain):
    other = record_event(
        actor="system:deadlines.sweep", action="deadline.fire", object_type="deadlines.deadline", object_id=7
    )
    client = api(auditor)
    assert [e["id"] for e in client.get(LIST, {"action": "deadline."}).json()["results"]] == [other.id]
    assert [e["id"] for e in client.get(LIST, {"role": "system"}).json()["results"]] == [other.id]
    assert len(client.get(LIST, {"actor_id": officer.id}).json()["results"]) == 5
    assert [e["id"] for e in client.get(LIST, {"q": "step 2"}).json()["results"]] == [chain[1].id]


def test_invalid_filter_is_a_400_naming_the_field(auditor, chain):
    response = api(auditor).get(LIST, {"date_from": "not-a-date"})
    assert response.status_code == 400
    assert "date_from" in response.content.decode()


def test_auditor_reads_one_event(auditor, chain):
    body = api(auditor).get(detail(chain[2].id)).json()
    assert (body["id"], body["reason"], body["hash"]) == (chain[2].id, "step 3", chain[2].hash)


def test_applicant_gets_403_on_the_list_and_404_on_an_event(applicant, chain):
    client = api(applicant)
    response = client.get(LIST)
    assert response.status_code == 403
    assert "Only auditors, program officers and administrators" in response.content.decode()
    assert client.get(detail(chain[0].id)).status_code == 404
    assert client.get(VERIFY).status_code == 403


def test_reviewer_gets_403_on_the_list(reviewer, chain):
    assert api(reviewer).get(LIST).status_code == 403
    assert api(reviewer).get(detail(chain[0].id)).status_code == 404


def test_signed_out_client_is_refused(chain):
    assert APIClient().get(LIST).status_code in (401, 403)


@pytest.mark.rule(37)
def test_auditor_changes_nothing_through_the_api(auditor, chain):
    client = api(auditor)
    target = chain[0]
    head = ChainHead.objects.values_list("last_event_id", "last_hash").get()
    attempts = [
        client.post(LIST, {"action": "forged", "object_type": "x", "object_id": "1"}, format="json"),
        client.put(detail(target.id), {"reason": "rewritten"}, format="json"),
        client.patch(detail(target.id), {"reason": "rewritten"}, format="json"),
        client.delete(detail(target.id)),
        client.post(VERIFY),
    ]
    assert [r.status_code for r in attempts] == [405, 405, 405, 405, 405]
    assert AuditEvent.objects.count() == 5
    assert AuditEvent.objects.get(id=target.id).reason == "step 1"
    assert ChainHead.objects.values_list("last_event_id", "last_hash").get() == head


def test_applicant_writes_are_refused_too(applicant, chain):
    client = api(applicant)
    assert client.post(LIST, {"action": "forged"}, format="json").status_code == 405
    assert client.delete(detail(chain[0].id)).status_code == 405
    assert AuditEvent.objects.count() == 5
    assert AuditEvent.objects.get(id=chain[0].id).reason == "step 1"


@pytest.mark.rule(36)
def test_verify_reports_an_intact_chain_and_records_nothing(auditor, chain):
    body = api(auditor).get(VERIFY).json()
    assert body["ok"] is True
    assert (body["events_checked"], body["last_verified_id"], body["last_verified_hash"]) == (
        5,
        chain[-1].id,
        chain[-1].hash,
    )
    assert (body["first_broken_id"], body["problem"]) == (None, "")
    assert AuditCheckpoint.objects.count() == 0 and AuditEvent.objects.count() == 5


@pytest.mark.rule(36)
def test_verify_names_the_first_broken_event(auditor, chain):
    with trigger_disabled():
        raw_sql("UPDATE audit_auditevent SET after = '{}'::jsonb WHERE id = %s", [chain[3].id])
    body = api(auditor).get(VERIFY).json()
    assert (body["ok"], body["first_broken_id"], body["problem"], body["last_verified_id"]) == (
        False,
        chain[3].id,
        "edited",
        chain[2].id,
    )
    assert body["problem_label"] == "edited: the event's content no longer matches its hash"


def test_list_runs_the_same_queries_at_two_sizes(auditor, officer, django_assert_num_queries):
    client = api(auditor)
    client.get(LIST)  # warm-up
    for n in range(2):
        record_event(actor=officer, action="x", object_type="t", object_id=n)
    with CaptureQueriesContext(connection) as small:
        assert len(client.get(LIST).json()["results"]) == 2
    for n in range(30):
        record_event(actor=officer, action="x", object_type="t", object_id=n)
    with django_assert_num_queries(len(small.captured_queries)):
        assert len(client.get(LIST).json()["results"]) == 32


def test_schema_documents_the_audit_endpoints(auditor):
    client = api(auditor)
    schema = client.get("/api/schema/", {"format": "json"}).json()
    paths = schema["paths"]
    assert set(paths["/api/v1/audit-events/"]) == {"get"}
    assert set(paths["/api/v1/audit-events/{id}/"]) == {"get"}
    assert set(paths["/api/v1/audit-events/verify"]) == {"get"}
    params = {p["name"] for p in paths["/api/v1/audit-events/"]["get"]["parameters"]}
    assert {
        "action",
        "object_type",
        "object_id",
        "actor",
        "role",
        "date_from",
        "date_to",
        "q",
        "cursor",
    } <= params


# --- verifications: walks run by a worker ------------------------------------------------------------
VERIFICATIONS = "/api/v1/audit-verifications/"


@pytest.fixture
def jobs_root(settings, tmp_path):
    settings.JOBS_ROOT = tmp_path / "jobs"


@pytest.mark.rule(36)
def test_a_verification_is_queued_then_reports_the_walk_with_its_certificate(auditor, chain, jobs_root):
    client = api(auditor)
    asked = client.post(VERIFICATIONS, format="json")
    assert asked.status_code == 202, asked.data
    assert (asked.data["state"], asked.data["report"], asked.data["progress"]) == ("queued", None, 0)
    with trigger_disabled():
        raw_sql("UPDATE audit_auditevent SET reason = 'forged' WHERE id = %s", [chain[3].id])
    assert jobs.verify_run(job_id=asked.data["id"]) == "broken"
    done = client.get(f"{VERIFICATIONS}{asked.data['id']}/")
    assert (done.data["state"], done.data["progress"], done.data["events_checked"]) == ("done", 100, 4)
    report = done.data["report"]
    assert (report["ok"], report["first_broken_id"], report["problem"]) == (False, chain[3].id, "edited")
    certificate = client.get(f"{VERIFICATIONS}{asked.data['id']}/certificate")
    body = b"".join(certificate.streaming_content)
    assert (
        certificate["X-Checksum-SHA256"]
        == hashlib.sha256(body).hexdigest()
        == done.data["certificate_sha256"]
    )
    assert json.loads(body)["report"]["first_broken_id"] == chain[3].id
    assert AuditEvent.objects.count() == len(chain)  # readers record nothing in the trail


def test_verifications_are_their_requesters_and_auditors_only(auditor, officer, applicant, chain, jobs_root):
    asked = api(officer).post(VERIFICATIONS, format="json")
    url = f"{VERIFICATIONS}{asked.data['id']}/"
    assert api(auditor).get(url).status_code == 200
    assert api(factories.OfficerFactory()).get(url).status_code == 404
    assert api(applicant).get(url).status_code == 404  # scoped first: for them it does not exist
    assert api(applicant).post(VERIFICATIONS, format="json").status_code == 403
    assert api(auditor).get(f"{VERIFICATIONS}987654/").status_code == 404
    assert api(auditor).get(url + "certificate").status_code == 404  # not walked yet
