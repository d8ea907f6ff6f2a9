"""A firm fills in and submits an application through the pages; after the close the officer closes the
round and screens it. Screenshots of each step go to tests/artifacts/."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone, translation

from grants import services
from grants.models import Application, ApplicationVersion, CostCategory, PriorityArea
from grants.reference import seed_reference_lists
from tests import factories

PASSWORD = "pass-Word-123"  # the factories' password
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


def plain(text: str) -> str:
    """Money is grouped with narrow no-break spaces; compare with ordinary spaces."""
    return " ".join(text.replace("\u202f", " ").replace("\u00a0", " ").split())


@pytest.fixture
def journey(transactional_db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    with translation.override("en"):  # the default rubric's names are stored in the active language
        return _journey_data()


def _journey_data() -> dict:
    seed_reference_lists(CostCategory, PriorityArea)
    officer = factories.OfficerFactory(
        username="officer-e2e", first_name="Olga", last_name="Petrova", language="en"
    )
    firm = factories.OrganisationFactory(name="Aurora Biotech")
    applicant = factories.ApplicantFactory(
        username="aurora-e2e", organisation=firm, first_name="Anna", last_name="Sokolova", language="en"
    )
    program = services.program_create(
        actor=officer, name="Clinical-trial cost compensation", rate=Decimal("1")
    )
    now = timezone.now().replace(second=0, microsecond=0)
    round_ = services.round_create(
        actor=officer,
        program=program,
        title="Selection 2026",
        opens_at=now - dt.timedelta(days=1),
        closes_at=now + dt.timedelta(hours=2),
        review_due_at=now + dt.timedelta(days=30),
        decision_at=now + dt.timedelta(days=45),
        budget=Decimal("1000000000"),
    )
    services.round_set_priority_areas(
        actor=officer, round=round_, areas=[("oncology", None), ("orphan", None)]
    )
    services.round_open(actor=officer, round=round_)
    return {"officer": officer, "applicant": applicant, "round": round_}


def sign_in(page, base_url: str, username: str) -> None:
    page.goto(base_url + reverse("accounts:login"))
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_url(base_url + reverse("core:dashboard"))


def settle(page) -> None:
    """Wait until htmx has finished its requests and swaps."""
    page.wait_for_load_state("networkidle")
    page.wait_for_function("() => !document.querySelector('.htmx-request')")


def confirm(page, dialog_id: str) -> None:
    page.click(f"button[data-bs-target='#confirm-{dialog_id}']")
    page.wait_for_selector(f"#confirm-{dialog_id}.show")
    page.click(f"#confirm-{dialog_id} button[type=submit]")


def test_firm_submits_and_officer_screens(page, browser, live_server, journey, artifacts):
    base = live_server.url
    round_ = journey["round"]

    # --- the firm ----------------------------------------------------------------------------------
    sign_in(page, base, "aurora-e2e")
    assert "Selection 2026" in page.inner_text("#my-applications-panel")
    page.screenshot(path=str(artifacts / "journey-01-firm-dashboard.png"), full_page=True)
    page.click("#my-applications-panel a.btn:has-text('Apply')")
    page.fill("#id_title", "Anti-CD123 antibody for AML")
    page.click("#application-start-form button[type=submit]")
    page.wait_for_selector("#section-general")
    application = Application.objects.get(title="Anti-CD123 antibody for AML")

    # General: a malformed ICD-10 code is reported as soon as the person leaves the field.
    page.fill("#id_general-drug_name", "AUR-101")
    page.select_option("#id_general-modality", "monoclonal_antibody")
    page.fill("#id_general-mechanism", "Blocks CD123 on leukaemic stem cells")
    page.fill("#id_general-indication", "Acute myeloid leukaemia")
    page.fill("#id_general-icd10_code", "XYZ")
    page.press("#id_general-icd10_code", "Tab")
    page.wait_for_selector("#fc-field-general-icd10_code .invalid-feedback")
    assert "An ICD-10 code is a letter and two digits" in page.inner_text("#fc-field-general-icd10_code")
    page.screenshot(path=str(artifacts / "journey-02-field-check.png"), full_page=False)
    page.fill("#id_general-icd10_code", "C92.0")
    page.press("#id_general-icd10_code", "Tab")
    page.wait_for_function("() => !document.querySelector('#fc-field-general-icd10_code .invalid-feedback')")
    page.select_option("#id_general-priority_area", "oncology")
    page.select_option("#id_general-development_stage", "phase_3")
    page.click("#general-form button[type=submit]")
    settle(page)

    # Claim: the comparator and evidence appear only for best-in-class.
    assert not page.is_visible("#id_claim-comparator_name")
    page.check("input[name='claim-claim_kind'][value='best_in_class']")
    assert page.is_visible("#id_claim-comparator_name")
    page.fill("#id_claim-novelty_statement", "Higher remission rate than the standard of care.")
    page.fill("#id_claim-comparator_name", "gemtuzumab ozogamicin")
    page.fill("#id_claim-superiority_endpoint", "Complete remission at day 28")
    page.fill("#id_claim-superiority_result", "64% vs 41%, p < 0.01")
    page.fill("#id_claim-superiority_trial", "AUR-101-02")
    page.click("#claim-form button[type=submit]")
    settle(page)

    # Submitting too early lists every missing item, each linked to its section.
    confirm(page, "submit")
    page.wait_for_selector("#submit-problems .alert")
    problems = page.inner_text("#submit-problems")
    assert "Clinical trials: List at least one clinical trial" in problems
    assert "Documents: Attach the trial protocol." in problems
    page.screenshot(path=str(artifacts / "journey-03-missing-items.png"), full_page=True)

    # Trials, budget (the total follows what is typed) and the protocol (with a progress bar).
    page.select_option("#id_trial-new-phase", "3")
    page.fill("#id_trial-new-nct_id", "NCT04567890")
    page.fill("#id_trial-new-planned_enrolment", "320")
    page.click("#trial-add-form button[type=submit]")
    settle(page)
    assert "NCT04567890" in page.inner_text("#section-trials")

    page.select_option("#id_line-new-category", "site")
    page.fill("#id_line-new-description", "Site fees, 12 centres")
    page.fill("#id_line-new-amount", "1 000 000,50")
    page.wait_for_selector("#budget-typed-total")
    assert "As typed: 1 000 000,50 ₽" in plain(page.inner_text("#budget-total"))
    page.click("#line-add-form button[type=submit]")
    settle(page)
    page.select_option("#id_line-new-category", "cro")
    page.fill("#id_line-new-description", "Monitoring by the CRO")
    page.fill("#id_line-new-amount", "250000")
    page.click("#line-add-form button[type=submit]")
    settle(page)
    assert "Requested amount: 1 250 000,50 ₽" in plain(page.inner_text("#budget-total"))

    page.select_option("#id_doc-kind", "protocol")
    page.set_input_files(
        "#id_doc-file", files=[{"name": "protocol.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    page.click("#document-upload-form button[type=submit]")
    settle(page)
    assert "protocol.pdf" in page.inner_text("#document-table")
    page.wait_for_selector("#checklist:has-text('Everything submission needs is filled in.')")
    page.screenshot(path=str(artifacts / "journey-04-application-complete.png"), full_page=True)

    # Submit with the confirmation: the receipt shows the version, Moscow time and the hash.
    confirm(page, "submit")
    page.wait_for_url(re.compile(r"/versions/1/$"))
    version = ApplicationVersion.objects.get(application=application)
    assert page.inner_text("#receipt-version").startswith("1")
    assert page.inner_text("#receipt-hash") == version.content_sha256
    assert page.inner_text("#receipt-time").endswith("МСК")
    page.screenshot(path=str(artifacts / "journey-05-receipt.png"), full_page=True)

    # --- after the close: the officer ----------------------------------------------------------------
    with time_machine.travel(round_.closes_at + dt.timedelta(minutes=5), tick=True):
        officer_context = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900})
        officer_context.set_default_timeout(15_000)
        officer_page = officer_context.new_page()
        try:
            sign_in(officer_page, base, "officer-e2e")
            officer_page.goto(base + reverse("grants:round_detail", args=[round_.pk]))
            confirm(officer_page, "action-close")
            officer_page.wait_for_selector(".alert-success:has-text('The round is now “Closed”.')")
            assert "Closed" in officer_page.inner_text("h1")
            assert "Submitted 1" in " ".join(officer_page.inner_text("#round-counts").split())
            officer_page.screenshot(
                path=str(artifacts / "journey-06-officer-round-closed.png"), full_page=True
            )

            officer_page.click("#round-application-table a:has-text('Screen')")
            officer_page.wait_for_selector("#screening-form")
            for box in officer_page.query_selector_all("#screening-form input[name^='check_']"):
                box.check()
            officer_page.check("#screening-form input[name='outcome'][value='eligible']")
            officer_page.screenshot(path=str(artifacts / "journey-07-screening.png"), full_page=True)
            officer_page.click("#screening-form button[type=submit]")
            officer_page.wait_for_selector(".alert-success:has-text('The application is marked eligible.')")
            assert "Eligible" in officer_page.inner_text("#round-application-table")
            officer_page.screenshot(
                path=str(artifacts / "journey-08-round-after-screening.png"), full_page=True
            )
        finally:
            officer_context.close()
    application.refresh_from_db()
    assert (application.state, application.current_version) == ("eligible", 1)
