"""The firm's pages: its list and dashboard, the multi-section application page, submission and the
receipt, withdrawal and clarification answers."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from grants import services
from grants.models import Application, ApplicationVersion, BudgetLine, CoveredTrial, Document
from tests import factories
from tests.grants.conftest import make_complete_application, pdf_upload

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def signed_in(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def text_of(response) -> str:
    """The page's visible text with tags removed and spaces collapsed (for phrase assertions)."""
    html = re.sub(r"<script.*?</script>", " ", response.content.decode(), flags=re.S)
    text = " ".join(re.sub(r"<[^>]+>", " ", html).split())
    return re.sub(r" ([:.,;])", r"\1", text)


def url(name: str, *args) -> str:
    return reverse(f"grants:{name}", args=args)


@pytest.fixture
def draft(applicant, open_round):
    return services.application_create(actor=applicant, round=open_round, title="Anti-KRAS inhibitor")


# --- list and dashboard ---------------------------------------------------------------------------
def test_firm_list_shows_status_round_time_left_and_requested_amount(applicant, complete_application):
    response = signed_in(applicant).get(url("applications"))
    page = text_of(response)
    assert response.status_code == 200
    assert "My applications" in page
    row = page.split("Anti-CD123 antibody", 1)[1]
    assert complete_application.round.title in row
    assert "Draft" in row
    assert "9 days" in row and "left" in row  # the round closes ten days after it opened yesterday
    assert "1 250 000,50 ₽" in response.content.decode().replace("\u202f", " ").replace("\u00a0", " ")


def test_firm_list_searches_titles_and_filters_by_status(applicant, open_round):
    first = make_complete_application(applicant, open_round, title="Alpha antibody")
    make_complete_application(applicant, open_round, title="Beta vaccine")
    services.application_submit(actor=applicant, application=first)
    client = signed_in(applicant)

    found = client.get(url("applications"), {"q": "vaccine"}).context["page_obj"]
    assert [a.title for a in found] == ["Beta vaccine"]
    submitted = client.get(url("applications"), {"state": "submitted"}).context["page_obj"]
    assert [a.title for a in submitted] == ["Alpha antibody"]
    none = client.get(url("applications"), {"q": "nothing like it"})
    assert "No application matches" in text_of(none)


def test_firm_list_runs_the_same_queries_for_one_and_four_applications(
    applicant, open_round, django_assert_num_queries
):
    make_complete_application(applicant, open_round, title="First")
    client = signed_in(applicant)
    client.get(url("applications"))  # warm the session
    with CaptureQueriesContext(connection) as one:
        response = client.get(url("applications"))
    assert len(response.context["page_obj"]) == 1
    for title in ("Second", "Third", "Fourth"):
        make_complete_application(applicant, open_round, title=title)
    with django_assert_num_queries(len(one.captured_queries)):
        response = client.get(url("applications"))
    assert len(response.context["page_obj"]) == 4


def test_dashboard_panel_lists_applications_and_rounds_open_to_apply(applicant, draft, open_round):
    page = text_of(signed_in(applicant).get(reverse("core:dashboard")))
    assert "My applications" in page
    assert "Anti-KRAS inhibitor" in page
    assert "Open for applications" in page and open_round.title in page


# --- starting and editing -------------------------------------------------------------------------
def test_start_creates_a_draft_in_an_open_round_and_opens_its_page(applicant, open_round):
    client = signed_in(applicant)
    form = client.get(url("application_start"), {"round": open_round.pk})
    assert open_round.title in text_of(form)
    response = client.post(url("application_start"), {"round": open_round.pk, "title": "New molecule"})
    application = Application.objects.get(title="New molecule")
    assert response.status_code == 302
    assert response["Location"] == url("application_detail", application.pk)
    assert application.organisation_id == applicant.organisation_id and application.state == "draft"


def test_edit_page_has_every_section_and_the_checklist_of_what_is_missing(applicant, draft):
    response = signed_in(applicant).get(url("application_detail", draft.pk))
    html = response.content.decode()
    for section in ("general", "claim", "trials", "budget", "documents"):
        assert f'id="section-{section}"' in html
    page = text_of(response)
    assert "Before you submit" in page
    assert "Drug candidate: Name the drug candidate." in page
    assert "Clinical trials: List at least one clinical trial" in page
    assert "Documents: Attach the trial protocol." in page
    assert 'href="#id_general-drug_name"' in html  # each item links to its field or section
    assert 'src="/static/js/grants.js"' in html


def test_section_save_with_htmx_returns_the_section_and_reloads_the_checklist(applicant, draft):
    data = {
        "general-title": "Anti-KRAS inhibitor",
        "general-drug_name": "KR-12",
        "general-modality": "small_molecule",
        "general-icd10_code": "c25,9",
        "general-priority_area": "oncology",
    }
    response = signed_in(applicant).post(url("section_save", draft.pk, "general"), data, **HTMX)
    assert response.status_code == 200
    assert response["HX-Trigger"] == "fc-application-changed"
    assert 'id="section-general"' in response.content.decode()
    draft.refresh_from_db()
    assert (draft.drug_name, draft.modality, draft.icd10_code, draft.priority_area.code) == (
        "KR-12",
        "small_molecule",
        "C25.9",  # normalised by the service
        "oncology",
    )


def test_section_save_without_htmx_redirects_to_the_section(applicant, draft):
    response = signed_in(applicant).post(
        url("section_save", draft.pk, "claim"),
        {"claim-claim_kind": "first_in_class", "claim-novelty_statement": "A new target."},
    )
    assert response.status_code == 302
    assert response["Location"] == url("application_detail", draft.pk) + "#section-claim"
    draft.refresh_from_db()
    assert (draft.claim_kind, draft.novelty_statement) == ("first_in_class", "A new target.")


def test_a_field_is_checked_when_the_person_leaves_it(applicant, draft):
    client = signed_in(applicant)
    bad = client.post(
        url("field_check", draft.pk, "general"),
        {"general-icd10_code": "XYZ"},
        HTTP_HX_TRIGGER_NAME="general-icd10_code",
        **HTMX,
    )
    assert 'id="fc-field-general-icd10_code"' in bad.content.decode()
    assert "An ICD-10 code is a letter and two digits" in text_of(bad)
    good = client.post(
        url("field_check", draft.pk, "general"),
        {"general-icd10_code": "C92.0"},
        HTTP_HX_TRIGGER_NAME="general-icd10_code",
        **HTMX,
    )
    assert "An ICD-10 code" not in text_of(good)
    assert "is-invalid" not in good.content.decode()
    draft.refresh_from_db()
    assert draft.icd10_code == ""  # a check never saves


def test_best_in_class_fields_are_drawn_only_for_a_best_in_class_claim(applicant, draft):
    client = signed_in(applicant)
    html = client.get(url("application_detail", draft.pk)).content.decode()
    assert re.search(r"data-fc-best-in-class\s+hidden", html)
    services.application_update(actor=applicant, application=draft, claim_kind="best_in_class")
    html = client.get(url("application_detail", draft.pk)).content.decode()
    assert not re.search(r"data-fc-best-in-class\s+hidden", html)
    assert "Comparator (INN)" in html


# --- budget, trials, documents --------------------------------------------------------------------
def test_budget_lines_are_added_and_the_live_total_is_summed_by_the_server(applicant, draft):
    client = signed_in(applicant)
    response = client.post(
        url("line_add", draft.pk),
        {"line-new-category": "site", "line-new-description": "Site fees", "line-new-amount": "1 000 000,50"},
        **HTMX,
    )
    assert 'id="section-budget"' in response.content.decode()
    line = BudgetLine.objects.get(application=draft)
    assert line.amount == Decimal("1000000.50")

    total = client.post(
        url("budget_total", draft.pk),
        {f"line-{line.pk}-amount": "1 000 000,50", "line-new-amount": "0,25"},
        **HTMX,
    )
    page = text_of(total).replace("\u202f", " ").replace("\u00a0", " ")
    assert "Requested amount: 1 000 000,50 ₽" in page
    assert "As typed: 1 000 000,75 ₽" in page
    unreadable = client.post(url("budget_total", draft.pk), {"line-new-amount": "12,345"}, **HTMX)
    assert "1 amount cannot be read" in text_of(unreadable)
    assert BudgetLine.objects.filter(application=draft).count() == 1  # the total saves nothing


def test_a_refused_budget_line_shows_the_services_message_beside_the_amount(applicant, draft):
    response = signed_in(applicant).post(
        url("line_add", draft.pk),
        {"line-new-category": "site", "line-new-description": "Nothing", "line-new-amount": "0"},
        **HTMX,
    )
    html = response.content.decode()
    assert "The amount must be above zero." in html
    assert 'id="id_line-new-amount"' in html and "is-invalid" in html
    assert not BudgetLine.objects.filter(application=draft).exists()


def test_budget_line_update_and_delete(applicant, draft):
    line = services.budget_line_add(
        actor=applicant, application=draft, category="cro", description="Monitoring", amount="10"
    )
    client = signed_in(applicant)
    client.post(
        url("line_update", draft.pk, line.pk),
        {
            f"line-{line.pk}-category": "cro",
            f"line-{line.pk}-description": "Monitoring",
            f"line-{line.pk}-amount": "12,30",
        },
        **HTMX,
    )
    line.refresh_from_db()
    assert line.amount == Decimal("12.30")
    response = client.post(url("line_delete", draft.pk, line.pk))
    assert response["Location"].endswith("#section-budget")
    assert not BudgetLine.objects.filter(pk=line.pk).exists()


@pytest.mark.rule(8)
def test_a_trial_listed_by_another_firm_is_refused_beside_its_field(
    applicant, other_applicant, draft, open_round
):
    other = services.application_create(actor=other_applicant, round=open_round, title="Other firm's")
    services.trial_add(actor=other_applicant, application=other, phase="2", nct_id="NCT01234567")
    response = signed_in(applicant).post(
        url("trial_add", draft.pk), {"trial-new-phase": "2", "trial-new-nct_id": "nct 0123 4567"}, **HTMX
    )
    assert "This trial is already listed in another firm&#x27;s application." in response.content.decode()
    assert not CoveredTrial.objects.filter(application=draft).exists()


def test_trials_are_added_edited_and_removed(applicant, draft):
    client = signed_in(applicant)
    client.post(
        url("trial_add", draft.pk),
        {"trial-new-phase": "3", "trial-new-nct_id": "NCT07654321", "trial-new-planned_enrolment": "200"},
        **HTMX,
    )
    trial = CoveredTrial.objects.get(application=draft)
    assert (trial.phase, trial.nct_id, trial.planned_enrolment) == ("3", "NCT07654321", 200)
    prefix = f"trial-{trial.pk}"
    client.post(
        url("trial_update", draft.pk, trial.pk),
        {f"{prefix}-phase": "3", f"{prefix}-nct_id": "NCT07654321", f"{prefix}-planned_enrolment": "250"},
        **HTMX,
    )
    trial.refresh_from_db()
    assert trial.planned_enrolment == 250
    client.post(url("trial_delete", draft.pk, trial.pk))
    assert not CoveredTrial.objects.filter(pk=trial.pk).exists()


def test_documents_are_uploaded_checked_by_content_and_removed(applicant, draft):
    client = signed_in(applicant)
    response = client.post(
        url("document_upload", draft.pk), {"doc-kind": "protocol", "doc-file": pdf_upload()}, **HTMX
    )
    document = Document.objects.get(application=draft)
    assert "protocol.pdf" in response.content.decode()
    assert document.kind == "protocol" and len(document.sha256) == 64
    fake = SimpleUploadedFile(
        "notes.pdf", b"just some text, not a PDF at all", content_type="application/pdf"
    )
    refused = client.post(url("document_upload", draft.pk), {"doc-kind": "other", "doc-file": fake}, **HTMX)
    assert "Only PDF, DOCX, XLSX, PNG and JPEG files are accepted" in text_of(refused)
    assert Document.objects.filter(application=draft).count() == 1
    download = client.get(url("document_download", document.pk))
    assert download["Content-Disposition"].startswith("attachment")
    assert b"".join(download.streaming_content).startswith(b"%PDF")
    client.post(url("document_delete", draft.pk, document.pk))
    assert not Document.objects.filter(pk=document.pk).exists()


# --- submission -----------------------------------------------------------------------------------
def submit(client, application, token: str = ""):
    data = {"idempotency_token": token} if token else {}
    return client.post(url("application_submit", application.pk), data)


@pytest.mark.rule(7)
@pytest.mark.rule(10)
def test_a_saved_draft_submitted_too_early_lists_every_missing_item(applicant, draft):
    client = signed_in(applicant)
    client.post(
        url("section_save", draft.pk, "claim"),
        {"claim-claim_kind": "best_in_class", "claim-novelty_statement": "Better than the rest."},
    )
    response = submit(client, draft)
    assert response.status_code == 400
    alert = text_of(response).split("need attention", 1)[1].split("Before you submit", 1)[0]
    for expected in (
        "Drug candidate: Name the drug candidate.",
        "Modality: Choose the modality.",
        "ICD-10 code: Enter the ICD-10 code of the indication.",
        "Priority area: Choose the priority area.",
        "Comparator (INN): Name the comparator (INN) or give its ATC code.",
        "Superiority endpoint: Name the endpoint on which superiority was shown.",
        "Clinical trials: List at least one clinical trial whose costs are to be compensated.",
        "Requested amount: Add budget lines: the requested amount must be above zero.",
        "Documents: Attach the trial protocol.",
    ):
        assert expected in alert
    html = response.content.decode()
    assert 'href="#id_claim-comparator_name"' in html and 'href="#section-documents"' in html
    assert not ApplicationVersion.objects.filter(application=draft).exists()
    draft.refresh_from_db()
    assert draft.state == "draft"


@pytest.mark.rule(11)
def test_a_complete_submission_shows_the_receipt(applicant, complete_application):
    client = signed_in(applicant)
    response = submit(client, complete_application)
    version = ApplicationVersion.objects.get(application=complete_application)
    assert response["Location"] == url("version_detail", complete_application.pk, 1)
    receipt = client.get(response["Location"])
    page = text_of(receipt)
    assert "Submission receipt" in page and "Version 1 was received" in page
    assert version.content_sha256 in page
    moscow = version.submitted_at.astimezone(dt.timezone(dt.timedelta(hours=3))).strftime("%d.%m.%Y %H:%M")
    assert f"Received (Moscow time) {moscow} МСК" in page
    assert "Version 1 is submitted. Keep this receipt." in page
    assert "Anti-CD123 antibody" in page and "Site fees" in page and "protocol.pdf" in page


@pytest.mark.rule(6)
def test_a_submission_after_the_close_says_round_closed_and_saves_nothing(applicant, complete_application):
    client = signed_in(applicant)
    with time_machine.travel(complete_application.round.closes_at + dt.timedelta(seconds=1), tick=False):
        response = submit(client, complete_application)
        page = text_of(client.get(response["Location"]))
    assert response["Location"] == url("application_detail", complete_application.pk)
    assert "The round is closed: submissions are no longer accepted." in page
    assert not ApplicationVersion.objects.filter(application=complete_application).exists()
    complete_application.refresh_from_db()
    assert complete_application.state == "draft"


@pytest.mark.rule(6)
def test_at_the_close_the_page_is_read_only(applicant, complete_application):
    with time_machine.travel(complete_application.round.closes_at, tick=False):
        response = signed_in(applicant).get(url("application_detail", complete_application.pk))
    page = text_of(response)
    assert "The round is closed: the application can no longer be changed." in page
    assert 'id="section-general"' not in response.content.decode()


def test_a_double_submitted_form_makes_one_version(applicant, complete_application):
    client = signed_in(applicant)
    first = submit(client, complete_application, token="tok-1")
    second = submit(client, complete_application, token="tok-1")
    assert first["Location"] == second["Location"] == url("version_detail", complete_application.pk, 1)
    assert second["Idempotent-Replayed"] == "true"
    assert ApplicationVersion.objects.filter(application=complete_application).count() == 1


@pytest.mark.rule(11)
def test_resubmission_after_a_change_makes_version_two(applicant, submitted_application):
    client = signed_in(applicant)
    page = text_of(client.get(url("application_detail", submitted_application.pk)))
    assert "Version 1 is submitted. Change something to submit a new version" in page
    client.post(
        url("section_save", submitted_application.pk, "general"),
        {
            "general-title": "Anti-CD123 antibody, revised",
            "general-drug_name": "FC-101",
            "general-modality": "monoclonal_antibody",
            "general-mechanism": "Blocks CD123 on leukaemic stem cells",
            "general-indication": "Acute myeloid leukaemia",
            "general-icd10_code": "C92.0",
            "general-atc_code": "L01FX",
            "general-priority_area": "oncology",
            "general-development_stage": "phase_3",
        },
    )
    response = submit(client, submitted_application)
    assert response["Location"] == url("version_detail", submitted_application.pk, 2)
    versions = client.get(url("version_list", submitted_application.pk))
    assert "Version 2" in text_of(versions) and "Version 1" in text_of(versions)


def test_withdraw_with_a_reason(applicant, submitted_application):
    client = signed_in(applicant)
    response = client.post(url("application_withdraw", submitted_application.pk), {"reason": "Trial paused"})
    assert response["Location"] == url("application_detail", submitted_application.pk)
    submitted_application.refresh_from_db()
    assert submitted_application.state == "withdrawn"
    page = text_of(client.get(response["Location"]))
    assert "The application is withdrawn." in page


# --- clarification requests -----------------------------------------------------------------------
@pytest.fixture
def clarification(officer, submitted_application):
    return services.clarification_request(
        actor=officer,
        application=submitted_application,
        question="Send the CRO contract.",
        due_at=submitted_application.round.closes_at + dt.timedelta(days=20),
    )


def test_the_firm_answers_a_clarification_with_text_and_a_file(applicant, clarification):
    client = signed_in(applicant)
    with time_machine.travel(clarification.application.round.closes_at + dt.timedelta(days=1)):
        page = text_of(client.get(url("clarification_detail", clarification.pk)))
        assert "Send the CRO contract." in page and "Your answer" in page
        files = client.post(
            url("clarification_upload", clarification.pk), {"doc-file": pdf_upload("contract.pdf")}, **HTMX
        )
        assert "contract.pdf" in files.content.decode()
        empty = client.post(url("clarification_answer", clarification.pk), {"answer": " "})
        assert "Write the answer." in text_of(empty)
        done = client.post(url("clarification_answer", clarification.pk), {"answer": "Attached."})
        page = text_of(client.get(done["Location"]))
    clarification.refresh_from_db()
    assert clarification.state == "answered" and clarification.answer == "Attached."
    assert "Attached." in page and "contract.pdf" in page
    assert clarification.documents.get().kind == "clarification"
    assert ApplicationVersion.objects.filter(application=clarification.application).count() == 1


def test_the_firm_does_not_see_another_firms_rows_on_its_dashboard(applicant, other_applicant, open_round):
    factories.ApplicationFactory(organisation=other_applicant.organisation, round=open_round, title="Secret")
    page = text_of(signed_in(applicant).get(reverse("core:dashboard")))
    assert "Secret" not in page
