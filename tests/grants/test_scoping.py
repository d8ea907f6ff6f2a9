"""Who sees what: another firm gets 404 and never sees the object in a list; auditors read but
cannot write; reviewers see no application yet. Lists run a fixed number of queries."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from grants import services
from grants.selectors import applications_visible_to
from tests import factories
from tests.grants.conftest import make_complete_application, pdf_upload

pytestmark = pytest.mark.django_db


def client_for(user) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(user)
    return client


@pytest.fixture
def firm_a_objects(officer, applicant, submitted_application):
    clarification = services.clarification_request(
        actor=officer,
        application=submitted_application,
        question="Contract?",
        due_at=submitted_application.round.closes_at + dt.timedelta(days=20),
    )
    document = submitted_application.documents.get()
    return submitted_application, document, clarification


def test_another_firm_gets_404_everywhere(other_applicant, firm_a_objects):
    application, document, clarification = firm_a_objects
    api = client_for(other_applicant)
    line = application.budget_lines.first()
    trial = application.trials.first()
    base = f"/api/v1/applications/{application.pk}/"
    for method, url in [
        ("get", base),
        ("get", base + "problems/"),
        ("get", base + "versions/1/"),
        ("patch", base),
        ("post", base + "submit/"),
        ("post", base + "withdraw/"),
        ("post", base + "budget-lines/"),
        ("patch", base + f"budget-lines/{line.pk}/"),
        ("delete", base + f"trials/{trial.pk}/"),
        ("post", base + "documents/"),
        ("get", f"/api/v1/documents/{document.pk}/"),
        ("get", f"/api/v1/documents/{document.pk}/download/"),
        ("delete", f"/api/v1/documents/{document.pk}/"),
        ("get", f"/api/v1/clarifications/{clarification.pk}/"),
        ("post", f"/api/v1/clarifications/{clarification.pk}/answer/"),
    ]:
        response = getattr(api, method)(url, {}, format="json")
        assert response.status_code == 404, (method, url, response.status_code)
        assert response.data["code"] == "not_found"
    assert api.get("/api/v1/applications/").data["count"] == 0
    assert api.get("/api/v1/clarifications/").data["count"] == 0
    assert api.get("/api/v1/applications/", {"search": application.organisation.inn}).data["count"] == 0


def test_own_firm_sees_its_objects(applicant, firm_a_objects):
    application, document, clarification = firm_a_objects
    api = client_for(applicant)
    assert [a["id"] for a in api.get("/api/v1/applications/").data["results"]] == [application.pk]
    assert api.get(f"/api/v1/documents/{document.pk}/").status_code == 200
    assert [c["id"] for c in api.get("/api/v1/clarifications/").data["results"]] == [clarification.pk]
    # a colleague in the same firm sees it too
    colleague = factories.ApplicantFactory(organisation=applicant.organisation)
    assert client_for(colleague).get(f"/api/v1/applications/{application.pk}/").status_code == 200


@pytest.mark.rule(37)
def test_auditors_read_everything_and_write_nothing(auditor, firm_a_objects, program, open_round):
    application, document, clarification = firm_a_objects
    api = client_for(auditor)
    assert api.get("/api/v1/applications/").data["count"] == 1
    assert api.get(f"/api/v1/applications/{application.pk}/versions/1/").status_code == 200
    assert api.get(f"/api/v1/documents/{document.pk}/download/").status_code == 200
    base = f"/api/v1/applications/{application.pk}/"
    for method, url, body in [
        ("post", "/api/v1/applications/", {"round": open_round.pk, "title": "x"}),
        ("patch", base, {"title": "x"}),
        ("post", base + "submit/", {}),
        ("post", base + "withdraw/", {}),
        ("post", base + "screen/", {"outcome": "ineligible", "reason": "x"}),
        ("post", base + "clarifications/", {"question": "?", "due_at": "2040-01-01T00:00:00Z"}),
        ("delete", f"/api/v1/documents/{document.pk}/", {}),
        ("post", f"/api/v1/clarifications/{clarification.pk}/answer/", {"answer": "x"}),
        ("post", "/api/v1/programs/", {"name": "P"}),
        ("patch", f"/api/v1/programs/{program.pk}/", {"name": "P"}),
        ("post", f"/api/v1/rounds/{open_round.pk}/actions/close/", {}),
        ("post", f"/api/v1/rounds/{open_round.pk}/extend-dates/", {"reason": "x"}),
    ]:
        response = getattr(api, method)(url, body, format="json")
        assert response.status_code == 403, (method, url, response.status_code)
        assert response.data["code"] == "forbidden"
        assert response.data["message"]
    application.refresh_from_db()
    assert application.state == "submitted"


def test_reviewers_see_no_application_yet(reviewer, firm_a_objects):
    application, document, clarification = firm_a_objects
    api = client_for(reviewer)
    assert api.get("/api/v1/applications/").data["count"] == 0
    assert api.get(f"/api/v1/applications/{application.pk}/").status_code == 404
    assert api.get(f"/api/v1/documents/{document.pk}/download/").status_code == 404
    assert api.get(f"/api/v1/clarifications/{clarification.pk}/").status_code == 404
    assert applications_visible_to(reviewer).count() == 0


def test_firms_do_not_see_draft_rounds(applicant, officer, program):
    draft = factories.RoundFactory(program=program)
    assert client_for(applicant).get(f"/api/v1/rounds/{draft.pk}/").status_code == 404
    assert client_for(applicant).get("/api/v1/rounds/").data["count"] == 0
    assert client_for(officer).get(f"/api/v1/rounds/{draft.pk}/").status_code == 200


def test_applicants_cannot_screen_or_manage(applicant, submitted_application):
    api = client_for(applicant)
    response = api.post(
        f"/api/v1/applications/{submitted_application.pk}/screen/", {"outcome": "eligible"}, format="json"
    )
    assert response.status_code == 403
    assert api.get(f"/api/v1/rounds/{submitted_application.round_id}/counts/").status_code == 403


def test_anonymous_gets_401(firm_a_objects):
    application, _document, _clarification = firm_a_objects
    assert APIClient().get(f"/api/v1/applications/{application.pk}/").status_code == 401


# --- query counts ---------------------------------------------------------------------------
def _count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def _add_application(round_, firm=None, **kwargs):
    user = factories.ApplicantFactory(organisation=firm) if firm else factories.ApplicantFactory()
    return user, make_complete_application(user, round_, **kwargs)


@pytest.mark.parametrize("role", ["officer", "auditor"])
def test_staff_application_list_query_count_is_constant(request, role, open_round):
    user = request.getfixturevalue(role)
    api = client_for(user)
    _add_application(open_round)
    url = f"/api/v1/applications/?round={open_round.pk}&ordering=-requested_amount"
    one = _count_queries(api, url)
    for _ in range(3):
        _add_application(open_round)
    assert api.get(url).data["count"] == 4
    assert _count_queries(api, url) == one


def test_firm_application_list_query_count_is_constant(applicant, open_round):
    api = client_for(applicant)
    make_complete_application(applicant, open_round, title="A1")
    one = _count_queries(api, "/api/v1/applications/")
    for n in range(3):
        application = make_complete_application(applicant, open_round, title=f"A{n + 2}")
        services.document_upload(actor=applicant, application=application, upload=pdf_upload("more.pdf"))
    assert api.get("/api/v1/applications/").data["count"] == 4
    assert _count_queries(api, "/api/v1/applications/") == one


def test_round_program_and_clarification_lists_query_counts_are_constant(
    officer, program, open_round, applicant
):
    api = client_for(officer)
    user, application = _add_application(open_round)
    urls = ["/api/v1/rounds/", "/api/v1/programs/", "/api/v1/clarifications/"]
    services.application_submit(actor=user, application=application)
    services.clarification_request(
        actor=officer,
        application=application,
        question="?",
        due_at=open_round.closes_at + dt.timedelta(days=30),
    )
    ones = [_count_queries(api, url) for url in urls]
    for n in range(3):
        other = factories.ProgramFactory()
        round_ = factories.RoundFactory(program=other, title=f"R{n}")
        services.round_set_priority_areas(
            actor=officer, round=round_, areas=[("oncology", None), ("orphan", "1000")]
        )
        services.round_set_rubric(actor=officer, round=round_, criteria=services.default_rubric())
        services.round_open(actor=officer, round=round_)
        user, app = _add_application(round_)
        services.application_submit(actor=user, application=app)
        services.clarification_request(
            actor=officer, application=app, question="?", due_at=round_.closes_at + dt.timedelta(days=30)
        )
    assert [_count_queries(api, url) for url in urls] == ones
