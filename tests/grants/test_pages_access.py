"""Who reaches which grants page: another firm gets 404 on every page of firm A's application and never
sees it in a list; auditors read but get 403 on every write; reviewers see no application yet."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from audit.models import AuditEvent
from grants import services
from grants.models import Application, BudgetLine, Clarification, CoveredTrial, Document, Program, Round
from tests.grants.conftest import after_close, pdf_upload
from tests.grants.test_pages_firm import signed_in, text_of, url

pytestmark = pytest.mark.django_db


@pytest.fixture
def firm_a(officer, applicant, submitted_application):
    """Firm A's submitted application with a line, a trial, a protocol and an open clarification."""
    clarification = services.clarification_request(
        actor=officer,
        application=submitted_application,
        question="Send the CRO contract.",
        due_at=submitted_application.round.closes_at + dt.timedelta(days=20),
    )
    return {
        "application": submitted_application,
        "line": submitted_application.budget_lines.first(),
        "trial": submitted_application.trials.first(),
        "document": submitted_application.documents.get(),
        "clarification": clarification,
    }


def firm_urls(objects) -> list[tuple[str, str]]:
    """(method, url) of every page of the firm's application, its documents, clarifications and receipt."""
    a = objects["application"].pk
    line, trial, doc, clar = (
        objects["line"].pk,
        objects["trial"].pk,
        objects["document"].pk,
        objects["clarification"].pk,
    )
    return [
        ("get", url("application_detail", a)),
        ("post", url("section_save", a, "general")),
        ("post", url("section_save", a, "claim")),
        ("post", url("field_check", a, "general")),
        ("get", url("application_problems", a)),
        ("post", url("line_add", a)),
        ("post", url("budget_total", a)),
        ("post", url("line_update", a, line)),
        ("post", url("line_delete", a, line)),
        ("post", url("trial_add", a)),
        ("post", url("trial_update", a, trial)),
        ("post", url("trial_delete", a, trial)),
        ("post", url("document_upload", a)),
        ("post", url("document_delete", a, doc)),
        ("post", url("application_submit", a)),
        ("post", url("application_withdraw", a)),
        ("get", url("version_list", a)),
        ("get", url("version_detail", a, 1)),
        ("get", url("document_download", doc)),
        ("get", url("clarification_detail", clar)),
        ("post", url("clarification_answer", clar)),
        ("post", url("clarification_upload", clar)),
        ("post", url("clarification_file_delete", clar, doc)),
    ]


def test_another_firm_gets_404_on_every_page_of_the_application(other_applicant, firm_a):
    client = signed_in(other_applicant)
    secret = firm_a["application"].title
    for method, address in firm_urls(firm_a):
        response = getattr(client, method)(address)
        assert response.status_code == 404, (method, address, response.status_code)
        assert secret not in response.content.decode()
    # ... and the officer-only pages of that application are a 404 for it too, not a 403 that confirms it.
    for name in ("application_screen", "clarification_request"):
        assert client.get(url(name, firm_a["application"].pk)).status_code == 404
    assert Application.objects.get(pk=firm_a["application"].pk).state == "submitted"
    assert BudgetLine.objects.filter(pk=firm_a["line"].pk).exists()
    assert CoveredTrial.objects.filter(pk=firm_a["trial"].pk).exists()


def test_another_firm_never_sees_the_application_in_its_lists(other_applicant, firm_a):
    client = signed_in(other_applicant)
    title = firm_a["application"].title
    for address in (
        url("applications"),
        reverse("core:dashboard"),
        url("round_detail", firm_a["application"].round_id),
    ):
        response = client.get(address)
        assert response.status_code == 200
        assert title not in response.content.decode()
    assert list(client.get(url("applications"), {"q": title}).context["page_obj"]) == []


@pytest.mark.rule(37)
def test_auditor_reads_every_grants_page_without_action_buttons(auditor, firm_a):
    client = signed_in(auditor)
    application = firm_a["application"]
    detail = client.get(url("application_detail", application.pk))
    html = detail.content.decode()
    assert application.title in html and "History of the application" in text_of(detail)
    assert 'id="screen-link"' not in html and "confirm-withdraw" not in html
    round_page = client.get(url("round_detail", application.round_id))
    html = round_page.content.decode()
    assert application.title in html and 'id="round-counts"' in html
    assert (
        'id="round-actions"' not in html and 'id="round-edit-link"' not in html and "Screen</a>" not in html
    )
    for address in (url("rounds"), url("programs"), url("applications"), url("version_detail", application.pk, 1),
                    url("clarification_detail", firm_a["clarification"].pk)):  # fmt: skip
        response = client.get(address)
        assert response.status_code == 200, address
        assert 'id="round-add"' not in response.content.decode()
        assert 'id="program-add"' not in response.content.decode()
        assert 'id="answer-form"' not in response.content.decode()
    assert client.get(url("document_download", firm_a["document"].pk)).status_code == 200


@pytest.mark.rule(37)
def test_auditor_gets_403_on_every_write_url_and_nothing_changes(auditor, firm_a, program):
    client = signed_in(auditor)
    application = firm_a["application"]
    round_ = application.round
    events = AuditEvent.objects.count()
    writes = [(m, a) for m, a in firm_urls(firm_a) if m == "post"] + [
        ("post", url("application_start")),
        ("get", url("application_start")),
        ("post", url("program_create")),
        ("get", url("program_create")),
        ("post", url("program_edit", program.pk)),
        ("post", url("round_create")),
        ("get", url("round_create")),
        ("post", url("round_edit", round_.pk)),
        ("get", url("round_edit", round_.pk)),
        ("post", url("round_rubric", round_.pk)),
        ("post", url("round_areas", round_.pk)),
        ("post", url("round_extend", round_.pk)),
        ("post", url("round_action", round_.pk, "close")),
        ("post", url("application_screen", application.pk)),
        ("get", url("application_screen", application.pk)),
        ("post", url("clarification_request", application.pk)),
    ]
    with time_machine.travel(after_close(round_), tick=False):
        for method, address in writes:
            response = getattr(client, method)(address, {"reason": "x", "outcome": "eligible", "title": "x"})
            assert response.status_code == 403, (method, address, response.status_code)
    assert AuditEvent.objects.count() == events
    assert Round.objects.get(pk=round_.pk).state == "open"
    assert Application.objects.get(pk=application.pk).state == "submitted"
    assert Program.objects.count() == 1 and Clarification.objects.count() == 1
    assert Document.objects.filter(pk=firm_a["document"].pk).exists()


def test_reviewers_see_no_application_yet(reviewer, firm_a):
    client = signed_in(reviewer)
    application = firm_a["application"]
    listing = client.get(url("applications"))
    assert list(listing.context["page_obj"]) == []
    assert application.title not in listing.content.decode()
    for address in (url("application_detail", application.pk), url("version_detail", application.pk, 1),
                    url("document_download", firm_a["document"].pk),
                    url("clarification_detail", firm_a["clarification"].pk)):  # fmt: skip
        assert client.get(address).status_code == 404, address
    round_page = client.get(url("round_detail", application.round_id))
    assert round_page.status_code == 200 and application.title not in round_page.content.decode()
    assert 'id="round-application-table"' not in round_page.content.decode()
    assert "My applications" not in text_of(client.get(reverse("core:dashboard")))


def test_applicants_may_not_run_calls(applicant, open_round, program):
    client = signed_in(applicant)
    for address in (url("program_create"), url("round_create"), url("round_edit", open_round.pk),
                    url("round_rubric", open_round.pk)):  # fmt: skip
        response = client.get(address)
        assert response.status_code == 403, address
        assert "Only a program officer may do this." in text_of(response)
    page = client.get(url("round_detail", open_round.pk))
    assert 'id="round-apply"' in page.content.decode()
    assert 'id="round-application-table"' not in page.content.decode()


def test_the_firm_gets_403_on_screening_its_own_application(applicant, submitted_application):
    with time_machine.travel(after_close(submitted_application.round), tick=False):
        response = signed_in(applicant).post(
            url("application_screen", submitted_application.pk), {"outcome": "eligible"}
        )
    assert response.status_code == 403
    submitted_application.refresh_from_db()
    assert submitted_application.state == "submitted"


def test_draft_rounds_are_hidden_from_firms(applicant, draft_round):
    client = signed_in(applicant)
    assert client.get(url("round_detail", draft_round.pk)).status_code == 404
    assert draft_round.title not in client.get(url("rounds")).content.decode()


def test_another_firms_upload_is_not_stored(other_applicant, firm_a):
    client = signed_in(other_applicant)
    client.post(
        url("document_upload", firm_a["application"].pk), {"doc-kind": "other", "doc-file": pdf_upload()}
    )
    assert Document.objects.filter(application=firm_a["application"]).count() == 1
