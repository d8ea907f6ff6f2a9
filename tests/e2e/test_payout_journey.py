"""Pay-for-success through the pages (issue 6): an officer records the success with its evidence; the
firm files a cost claim with a line and its evidence; the officer verifies it and proposes the payout
(and may not approve it himself); a second officer approves it and marks it paid; the auditor's report
shows the paid amount.

The world before (a published selection, an agreement signed and active) is built with the real
services; the browser does the steps above. Screenshots go to tests/artifacts/.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from accounts.models import User
from tests import factories
from tests.e2e.test_application_journey import PDF, confirm, plain, sign_in
from tests.trials.conftest import COUNTERPARTY_INN, make_selected, sign
from trials import services
from trials.models import Agreement, Payout

CAP = Decimal("10000000.00")  # the approved amount; the program pays 80 % of verified costs
LINE = "1 200 000,00"  # one cost line; 80 % of it is paid
PAID = "960 000,00 ₽"
SITE_FEES = "Payments to medical organisations (trial sites), incl. investigator fees"


@pytest.fixture
def payout_world(transactional_db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    with translation.override("en"):
        return _world()


def _world() -> dict:
    ministry = factories.MinistryFactory()
    officer = factories.OfficerFactory(
        username="officer-e2e", first_name="Olga", last_name="Petrova", organisation=ministry
    )
    factories.OfficerFactory(
        username="officer2-e2e", first_name="Boris", last_name="Volkov", organisation=ministry
    )
    factories.AuditorFactory(
        username="auditor-e2e", first_name="Alla", last_name="Kuznetsova", organisation=ministry
    )
    aurora = factories.OrganisationFactory(name="Aurora Biotech")
    application = make_selected(officer=officer, firm=aurora, amount=CAP)  # rate 0.8, costs 2024–2030
    User.objects.filter(pk=application.created_by_id).update(
        username="aurora-e2e", first_name="Anna", last_name="Sokolova"
    )
    agreement = services.agreement_create(actor=officer, application=application)
    agreement = sign(agreement, officer)
    agreement = services.agreement_activate(actor=officer, agreement=agreement)
    return {"agreement": Agreement.objects.get(pk=agreement.pk)}


def new_page(browser):
    context = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    return context, context.new_page()


def upload(page, form_id: str, kind: str, name: str) -> None:
    page.select_option(f"#{form_id}-kind", kind)
    page.set_input_files(
        f"#{form_id}-file", files=[{"name": name, "mimeType": "application/pdf", "buffer": PDF}]
    )
    page.click(f"#{form_id} button[type=submit]")


def test_success_claim_verification_payout_and_auditor_report(
    page, browser, live_server, payout_world, artifacts
):
    base = live_server.url
    agreement = payout_world["agreement"]
    agreement_url = base + reverse("trials:agreement", args=[agreement.pk])
    today = timezone.localdate().isoformat()

    # --- the officer records the success with its evidence ---------------------------------------------
    officer_context, officer = new_page(browser)
    try:
        sign_in(officer, base, "officer-e2e")
        officer.goto(agreement_url)
        assert "Active" in officer.inner_text("h1")
        upload(officer, "decision-upload", "marketing_authorisation", "authorisation.pdf")
        officer.wait_for_selector(".alert-success:has-text('The document is uploaded.')")
        upload(officer, "decision-upload", "expert_opinion", "expert-opinion.pdf")
        officer.wait_for_selector("#decision .fc-evidence li:has-text('expert-opinion.pdf')")
        officer.select_option("#id_event_kind", "marketing_authorisation")
        officer.fill("#id_authorisation_number", "ЛП-009876")
        officer.fill("#id_authorisation_date", today)
        officer.select_option("#id_authorisation_document", label="authorisation.pdf")
        officer.select_option("#id_expert_opinion", label="expert-opinion.pdf")
        officer.check("#id_class_confirmed")
        officer.screenshot(path=str(artifacts / "payout-01-success-form.png"), full_page=True)
        officer.click("#success-form button[type=submit]")
        officer.wait_for_selector(".alert-success:has-text('Success is recorded.')")
        assert "ЛП-009876" in officer.inner_text("#decision-record")
        officer.screenshot(path=str(artifacts / "payout-02-success-recorded.png"), full_page=True)
    finally:
        officer_context.close()

    # --- the firm files a claim: one line with its three pieces of evidence -----------------------------
    sign_in(page, base, "aurora-e2e")  # the dashboard lists the firm's agreements
    page.click(f"#panel-my-agreements a:has-text('{agreement.number}')")
    page.wait_for_selector("#claim-create-form")
    page.click("#claim-create-form button[type=submit]")
    page.wait_for_selector(".alert-success:has-text('A draft claim is open')")
    page.select_option("#id_trial", index=1)
    page.select_option("#id_category", label=SITE_FEES)
    page.fill("#id_amount", LINE)
    page.fill("#id_description", "Site fees, first cohort")
    page.fill("#id_document_number", "A-17")
    page.fill("#id_document_date", "2025-03-14")
    page.fill("#id_counterparty_inn", COUNTERPARTY_INN)
    page.fill("#id_counterparty_name", "City Clinical Hospital No. 1")
    page.click("#line-form button[type=submit]")
    page.wait_for_selector(".alert-success:has-text('The line is added.')")
    line_id = page.get_attribute("#lines article[data-line]", "data-line")
    assert "Evidence still missing" in page.inner_text("#missing-evidence")
    page.screenshot(path=str(artifacts / "payout-03-claim-line-added.png"), full_page=True)
    for kind in ("contract", "acceptance_act", "payment_order"):
        upload(page, f"line-{line_id}-upload", kind, f"{kind}.pdf")
        page.wait_for_selector(f"#line-{line_id} .fc-evidence li:has-text('{kind}.pdf')")
    assert page.locator("#missing-evidence").count() == 0
    assert plain(page.inner_text("#claimed-total")) == f"{LINE} ₽"
    page.screenshot(path=str(artifacts / "payout-04-claim-with-evidence.png"), full_page=True)
    confirm(page, "claim-submit")
    page.wait_for_selector(".alert-success:has-text('The claim is submitted for verification.')")
    page.screenshot(path=str(artifacts / "payout-05-claim-submitted.png"), full_page=True)

    # --- the officer verifies the line, completes the verification and proposes the payout ------------
    officer_context, officer = new_page(browser)
    try:
        sign_in(officer, base, "officer-e2e")
        officer.goto(base + reverse("trials:verification_queue"))
        officer.click("#queue-table a")
        officer.wait_for_selector("#verify-table")
        officer.check(f"#line-{line_id} input[name$='decision'][value='accept']")
        officer.click(f"#line-{line_id} form.fc-line-verify button[type=submit]")
        officer.wait_for_selector('.alert-success:has-text("The line\'s verification is recorded.")')
        officer.screenshot(path=str(artifacts / "payout-06-line-verified.png"), full_page=True)
        confirm(officer, "claim-complete")
        officer.wait_for_selector(".alert-success:has-text('The claim is verified.')")
        assert plain(officer.inner_text("#accepted-total")) == f"{LINE} ₽"
        confirm(officer, "payout-propose")
        officer.wait_for_selector(".alert-success:has-text('The payout is proposed.')")
        assert PAID in plain(officer.inner_text("#payout-link"))
        officer.screenshot(path=str(artifacts / "payout-07-payout-proposed.png"), full_page=True)
        # The officer who proposed it may not approve it (rule 34): the button is disabled and says why.
        officer.click("#payout-link")
        officer.wait_for_selector("#approve-disabled")
        assert "you proposed this payout" in officer.inner_text(".fc-action-reason")
        officer.screenshot(path=str(artifacts / "payout-08-approval-refused-to-proposer.png"), full_page=True)
    finally:
        officer_context.close()

    # --- a second officer approves and records the payment ---------------------------------------------
    second_context, second = new_page(browser)
    try:
        sign_in(second, base, "officer2-e2e")
        second.goto(base + reverse("trials:payouts"))
        row = second.locator("#payout-list tbody tr").first
        assert "Proposed" in row.inner_text() and PAID in plain(row.inner_text())
        row.locator("a.font-monospace").first.click()
        second.wait_for_selector("#payout-figures")
        assert plain(second.inner_text("#payout-amount")) == PAID
        confirm(second, "payout-approve")
        second.wait_for_selector(".alert-success:has-text('The payout is approved.')")
        second.fill("#id_payment_order_number", "1234")
        second.fill("#id_payment_order_date", today)
        second.screenshot(path=str(artifacts / "payout-09-approved-mark-paid.png"), full_page=True)
        second.click("#paid-form button[type=submit]")
        second.wait_for_selector(".alert-success:has-text('The payment is recorded in the ledger.')")
        assert "Paid" in second.inner_text("h1")
        assert second.inner_text("#payment-order").startswith("No. 1234 of ")
        assert PAID in plain(second.inner_text("#payout-ledger"))
        second.screenshot(path=str(artifacts / "payout-10-paid.png"), full_page=True)
    finally:
        second_context.close()
    assert Payout.objects.get(agreement=agreement).state == "paid"

    # The firm's payout history shows the payment.
    page.goto(base + reverse("trials:payouts"))
    firm_row = page.locator("#payout-list tbody tr").first
    assert "Paid" in firm_row.inner_text() and "1234" in firm_row.inner_text()
    assert PAID in plain(firm_row.inner_text())
    page.screenshot(path=str(artifacts / "payout-11-firm-payout-history.png"), full_page=True)

    # --- the auditor's report shows the paid amount ----------------------------------------------------
    auditor_context, auditor = new_page(browser)
    try:
        sign_in(auditor, base, "auditor-e2e")
        auditor.goto(base + reverse("reports:report"))
        auditor.wait_for_selector("#report-table")
        total = auditor.locator("#report-table tfoot tr[data-group='total']")
        assert plain(total.locator("td[data-figure='paid']").inner_text()) == PAID
        assert plain(total.locator("td[data-figure='verified']").inner_text()) == f"{LINE} ₽"
        assert plain(total.locator("td[data-figure='committed']").inner_text()) == "10 000 000,00 ₽"
        auditor.screenshot(path=str(artifacts / "payout-12-auditor-report.png"), full_page=True)
        total.locator("td[data-figure='paid'] a").click()  # drill down to the agreements behind it
        auditor.wait_for_selector("#drill-table")
        assert plain(auditor.inner_text("#drill-total")) == PAID
        drilled = auditor.locator(f"#drill-table tr[data-agreement='{agreement.pk}']")
        assert "Aurora Biotech" in drilled.inner_text()
        assert plain(drilled.locator("td[data-figure='paid']").inner_text()) == PAID
        auditor.screenshot(path=str(artifacts / "payout-13-auditor-drill-down.png"), full_page=True)
    finally:
        auditor_context.close()
