"""Review and selection through the pages (issue 5): a reviewer declares no conflict and scores an
application with the rubric; the officer runs the selection, reads the ranking with its budget line,
records the committee's decisions, attaches the minutes and publishes; the firm reads its result.

The world before (a round screened, reviewers assigned by the real solver, the other reviews in) is
built with the real services; the browser does only the steps above. Screenshots go to tests/artifacts/.
"""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils import translation

from accounts.models import User
from grants.models import Round
from grants.services import round_transition
from reviewers import services as reviewers
from reviewers.models import Assignment
from tests import factories
from tests.e2e.test_application_journey import PDF, confirm, plain, sign_in
from tests.grants.selection.builders import CODES, EXPERT, close_and_screen, open_round, submit

# Each reviewer's score on every criterion of each application (the browser reviewer's own for Alpha
# is typed into the form below and is the same as the others').
SCORES = {"Alpha": "4.5", "Beta": "4"}


@pytest.fixture
def selection_world(transactional_db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    with translation.override("en"):  # the default rubric's names are stored in the active language
        return _world()


def _world() -> dict:
    ministry = factories.MinistryFactory()
    officer = factories.OfficerFactory(
        username="officer-e2e", first_name="Olga", last_name="Petrova", organisation=ministry
    )
    aurora = factories.OrganisationFactory(name="Aurora Biotech")
    # Budget 6 M for two asks of 4 M each: one is funded, the other waits on the reserve list.
    round_ = open_round(officer, budget="6000000", title="Selection 2026")
    alpha = submit(round_, amount="4000000", title="Alpha: anti-CD123 antibody", firm=aurora)
    beta = submit(round_, amount="4000000", title="Beta: CAR-T for AML")
    User.objects.filter(pk=alpha.created_by_id).update(username="aurora-e2e")  # signs in below
    round_ = close_and_screen(officer, round_)

    panel = []
    for i, (first, last) in enumerate((("Ivan", "Orlov"), ("Maria", "Lebedeva"), ("Pavel", "Zhukov"))):
        user = factories.ReviewerFactory(
            username=f"reviewer{i}-e2e", first_name=first, last_name=last, organisation=ministry
        )
        reviewers.profile_update(actor=user, profile=reviewers.profile_of(user), **EXPERT)
        panel.append(user)
    run = reviewers.assignment_run(actor=officer, round=round_)  # k = 3 of 3: everyone reviews both
    assert run.status == "ok", run.report

    browser_reviewer = panel[0]
    for assignment in Assignment.objects.filter(round=round_, state="assigned").select_related(
        "reviewer", "application"
    ):
        if assignment.reviewer == browser_reviewer and assignment.application_id == alpha.pk:
            continue  # this one is declared and scored in the browser
        value = SCORES[assignment.application.title.split(":")[0]]
        assignment = reviewers.assignment_declare(
            actor=assignment.reviewer, assignment=assignment, no_conflict=True, confidentiality=True
        )
        reviewers.review_submit(
            actor=assignment.reviewer,
            review=assignment.review,
            scores={code: {"value": value, "comment": f"{code}: {value} of 5."} for code in CODES},
            overall_comment=f"Overall {value} out of 5.",
        )
    return {"officer": officer, "round": Round.objects.get(pk=round_.pk), "alpha": alpha, "beta": beta}


def new_page(browser):
    context = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    return context, context.new_page()


def test_reviewer_scores_officer_selects_and_publishes_firm_reads_result(
    page, browser, live_server, selection_world, artifacts
):
    base = live_server.url
    round_, alpha, beta = selection_world["round"], selection_world["alpha"], selection_world["beta"]

    # --- the reviewer: declaration, then the scoring form ---------------------------------------------
    sign_in(page, base, "reviewer0-e2e")
    page.click("nav a:has-text('My reviews')")
    page.wait_for_selector("#assignment-table")
    row = page.locator(f"#assignment-table tr[data-application-id='{alpha.pk}']")
    assert "Declaration needed" in row.inner_text()
    assert page.locator(f"#assignment-table tr[data-application-id='{beta.pk}']").count() == 0  # submitted
    page.screenshot(path=str(artifacts / "selection-01-reviewer-assignments.png"), full_page=True)

    row.locator("a:has-text('Declare and open')").click()
    page.wait_for_selector("#declaration-form")
    assert "Aurora Biotech" in page.inner_text("main")
    assert "anti-CD123" not in page.inner_text("#declaration-form")  # no content before the declaration
    page.check("#id_no_conflict")
    page.check("#id_confidentiality")
    page.screenshot(path=str(artifacts / "selection-02-declaration.png"), full_page=True)
    page.click("#declaration-form button[name=declare]")
    page.wait_for_selector(".alert-success:has-text('Declaration recorded.')")
    page.screenshot(path=str(artifacts / "selection-03-application-open.png"), full_page=True)

    page.click("#open-scoring")
    page.wait_for_selector("#scoring-form")
    assert page.is_visible("#blind-note")  # other reviews stay hidden until this one is submitted
    assert page.locator("#scoring-form fieldset.fc-criterion").count() == len(CODES)
    for code in CODES:
        page.select_option(f"#id_value_{code}", SCORES["Alpha"])
        page.fill(f"#id_comment_{code}", f"{code}: well argued.")
    page.fill("#id_overall_comment", "A convincing first-in-class case.")
    page.click("#save-draft")
    page.wait_for_selector("#draft-status:has-text('Draft saved at')")
    page.screenshot(path=str(artifacts / "selection-04-scoring-form.png"), full_page=True)
    page.click("#submit-review")
    page.wait_for_selector(".alert-success:has-text('Your review is submitted.')")
    page.wait_for_selector("#other-reviews")
    assert page.locator(".card:has-text('Overall 4.5 out of 5.')").count() == 2  # the others, now open
    page.screenshot(path=str(artifacts / "selection-05-review-submitted.png"), full_page=True)

    # Every review is in: the officer moves the round to selection (setup, not part of the journey).
    round_ = round_transition(
        actor=selection_world["officer"], round=Round.objects.get(pk=round_.pk), action="start_selection"
    )

    # --- the officer: run, ranking with the budget line, decisions, minutes, publication -------------
    officer_context, officer = new_page(browser)
    try:
        sign_in(officer, base, "officer-e2e")
        officer.goto(base + reverse("grants:selection_rounds"))
        officer.click("#selection-rounds a:has-text('Selection 2026')")
        officer.wait_for_selector("#run-form")
        assert not officer.is_visible("#reviews-short")  # all 3 of 3 reviews are in
        officer.click("#run-selection")
        officer.wait_for_selector(".alert-success:has-text('Selection run 1 is stored')")
        ranking = officer.locator("#ranking tbody tr[data-application]")
        assert [ranking.nth(i).get_attribute("data-application") for i in range(2)] == [
            str(alpha.pk),
            str(beta.pk),
        ]
        assert "funded" in ranking.nth(0).inner_text()
        assert "reserve" in ranking.nth(1).inner_text()
        assert plain(officer.inner_text("#budget-line")) == (
            "Budget line: 4 000 000,00 ₽ of 6 000 000,00 ₽ allotted"
        )
        # the line is drawn between the funded application and the reserve
        assert officer.locator("#ranking tbody tr").nth(1).get_attribute("id") == "budget-line"
        assert "4.50" in ranking.nth(0).inner_text() and "4.00" in ranking.nth(1).inner_text()
        officer.screenshot(path=str(artifacts / "selection-06-ranking.png"), full_page=True)

        officer.click("#to-decision")
        officer.wait_for_selector("#decision-form")
        assert officer.input_value(f"#outcome-{alpha.pk}") == "selected"
        assert officer.input_value(f"#outcome-{beta.pk}") == "reserve"
        officer.screenshot(path=str(artifacts / "selection-07-decision-form.png"), full_page=True)
        officer.click("#record-decisions")
        officer.wait_for_selector(".alert-success:has-text('2 decisions recorded')")
        assert plain(officer.inner_text("#summary-committed")) == "4 000 000,00 ₽"
        assert plain(officer.inner_text("#remaining")) == "Left to commit: 2 000 000,00 ₽."

        officer.set_input_files(
            "#minutes-file-input",
            files=[{"name": "minutes.pdf", "mimeType": "application/pdf", "buffer": PDF}],
        )
        officer.click("#minutes-form button[type=submit]")
        officer.wait_for_selector(".alert-success:has-text('The minutes are attached.')")
        assert "minutes.pdf" in officer.inner_text("#minutes-file")
        officer.screenshot(path=str(artifacts / "selection-08-decisions-and-minutes.png"), full_page=True)

        confirm(officer, "publish")
        officer.wait_for_selector(".alert-success:has-text('The results are published')")
        assert re.search(r"Published .+ Firms may appeal until", officer.inner_text("#published"))
        officer.screenshot(path=str(artifacts / "selection-09-published.png"), full_page=True)
    finally:
        officer_context.close()

    # --- the firm: its result with the reviewers' anonymised comments --------------------------------
    firm_context, firm = new_page(browser)
    try:
        sign_in(firm, base, "aurora-e2e")
        firm.goto(base + reverse("grants:selection_results"))
        firm.click(f"a[href='{reverse('grants:selection_result', args=[alpha.pk])}']")
        firm.wait_for_selector("#result-outcome")
        assert "Selected" in firm.inner_text("#result-outcome")
        assert plain(firm.inner_text("#approved-amount")) == "4 000 000,00 ₽"
        assert firm.locator(".fc-review-comment").count() == 3
        page_text = firm.inner_text("main")
        assert "A convincing first-in-class case." in page_text
        for name in ("Orlov", "Lebedeva", "Zhukov", "reviewer0-e2e"):
            assert name not in page_text  # the reviewers stay anonymous
        firm.screenshot(path=str(artifacts / "selection-10-firm-result.png"), full_page=True)
    finally:
        firm_context.close()
