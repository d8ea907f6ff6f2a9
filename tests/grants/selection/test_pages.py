"""Selection pages: officers run, decide and publish; auditors read only; firms see their result and
appeal; another firm gets 404; every list page runs the same number of queries at two sizes."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from grants.models import Appeal, FundingDecision, Round, SelectionProposal
from grants.services.appeals import appeal_submit
from grants.services.selection import selection_run
from tests.grants.selection.builders import pdf, published_round, signed_in, text_of


def url(name: str, *args) -> str:
    return reverse(f"grants:{name}", args=args)


def token(response) -> str:
    return re.search(r'name="idempotency_token" value="([^"]+)"', response.content.decode()).group(1)


@pytest.mark.rule(23)
def test_officer_runs_the_selection_from_the_ranking_page(officer, three_apps, book):
    round_, (alpha, beta, gamma) = three_apps
    for app, value in ((alpha, 4.5), (beta, 4.4)):
        book.add(app, value, value, value)
    book.add(gamma, 4.3, 4.3)
    client = signed_in(officer)
    page = client.get(url("selection_round", round_.pk))
    text = text_of(page)
    assert "1 eligible application does not have its 3 submitted reviews yet." in text
    assert "2 of 3 reviews" in text
    refused = client.post(url("selection_run", round_.pk), {"idempotency_token": token(page)})
    assert refused.status_code == 400
    assert "Wait for them, or record the reason" in text_of(refused)
    assert not SelectionProposal.objects.exists()
    done = client.post(
        url("selection_run", round_.pk),
        {"idempotency_token": token(refused), "exception_reason": "Third reviewer recused."},
    )
    assert done.status_code == 302
    ranking = client.get(url("selection_round", round_.pk))
    html = ranking.content.decode()
    text = text_of(ranking)
    assert "Selection run 1 is stored" in text
    assert "Run with 1 applications short of reviews: Third reviewer recused." in text
    # Rows in rank order; the budget line right under the last funded one (Beta: 8 M of 10 M).
    rows = re.findall(r'data-application="(\d+)"|id="budget-line"', html)
    order = re.findall(r'<tr[^>]*(?:data-application="(\d+)"|id="(budget-line)")', html)
    assert [a or b for a, b in order] == [str(alpha.pk), str(beta.pk), "budget-line", str(gamma.pk)]
    assert rows
    assert "Budget line: 8 000 000,00 ₽ of 10 000 000,00 ₽ allotted" in text
    assert "4.50" in text and "Calibrated" in text and "Spread" in text


def test_committee_decides_attaches_minutes_and_publishes_on_pages(officer, three_apps, book):
    round_, (alpha, beta, gamma) = three_apps
    for app, value in zip((alpha, beta, gamma), (4.5, 4.4, 4.3), strict=True):
        book.add(app, value, value, value)
    selection_run(actor=officer, round=round_)
    client = signed_in(officer)
    page = client.get(url("selection_decision", round_.pk))
    form = {
        "idempotency_token": re.search(r'name="idempotency_token" value="([^"]+)"', page.content.decode()).group(1),
        f"outcome-{alpha.pk}": "selected", f"amount-{alpha.pk}": "4000000.00", f"reason-{alpha.pk}": "",
        f"outcome-{beta.pk}": "selected", f"amount-{beta.pk}": "4000000.00", f"reason-{beta.pk}": "",
        f"outcome-{gamma.pk}": "selected", f"amount-{gamma.pk}": "2000000", f"reason-{gamma.pk}": "",
    }  # fmt: skip
    refused = client.post(url("selection_decision", round_.pk), form)
    assert refused.status_code == 400
    assert "This differs from the proposal: give the reason." in text_of(refused)
    assert not FundingDecision.objects.exists()
    form[f"reason-{gamma.pk}"] = "Reduced to fit the remaining 2 M."
    form["idempotency_token"] = token(refused)
    assert client.post(url("selection_decision", round_.pk), form).status_code == 302
    assert FundingDecision.objects.get(application=gamma).approved_amount == 2000000
    page = client.get(url("selection_decision", round_.pk))
    assert "Left to commit: 0,00 ₽" in text_of(page)
    minutes_token = re.search(
        r'id="minutes-form".*?name="idempotency_token" value="([^"]+)"', page.content.decode(), re.S
    ).group(1)
    uploaded = client.post(
        url("selection_minutes", round_.pk), {"idempotency_token": minutes_token, "file": pdf()}
    )
    assert uploaded.status_code == 302
    page = client.get(url("selection_decision", round_.pk))
    assert "minutes.pdf" in text_of(page)
    publish_token = re.search(
        r'id="confirm-publish".*?name="idempotency_token" value="([^"]+)"', page.content.decode(), re.S
    ).group(1)
    published = client.post(url("selection_publish", round_.pk), {"idempotency_token": publish_token})
    assert published.status_code == 302
    assert Round.objects.get(pk=round_.pk).state == "published"
    assert "Firms may appeal until" in text_of(client.get(url("selection_decision", round_.pk)))


def test_auditors_read_everything_and_change_nothing(auditor, officer, three_apps, book):
    round_, apps = three_apps
    for app in apps:
        book.add(app, 4, 4, 4)
    selection_run(actor=officer, round=round_)
    client = signed_in(auditor)
    ranking = client.get(url("selection_round", round_.pk)).content.decode()
    decision = client.get(url("selection_decision", round_.pk)).content.decode()
    assert 'id="ranking"' in ranking and 'id="run-form"' not in ranking
    assert (
        'id="decision-table"' in decision
        and 'id="decision-form"' not in decision
        and "confirm-publish" not in decision
    )
    assert client.post(url("selection_run", round_.pk), {"exception_reason": "x"}).status_code == 403
    assert client.post(url("selection_publish", round_.pk)).status_code == 403
    assert SelectionProposal.objects.count() == 1


def test_firms_and_reviewers_do_not_reach_officer_pages(applicant, reviewer, three_apps):
    round_, _apps = three_apps
    for user in (applicant, reviewer):
        client = signed_in(user)
        assert client.get(url("selection_round", round_.pk)).status_code == 403
        assert client.get(url("selection_appeals")).status_code == 403
    assert signed_in(reviewer).get(url("selection_results")).status_code == 403


@pytest.mark.rule(26)
def test_firm_appeals_on_the_result_page_and_the_officer_decides(
    officer, book, reference_lists, upheld_calls
):
    _round, (app,) = published_round(officer, book, n=1)
    firm = signed_in(app.created_by)
    page = firm.get(url("selection_result", app.pk))
    assert "Not selected" in text_of(page) and "Clear design." in text_of(page)
    filed = firm.post(
        url("selection_result", app.pk),
        {"idempotency_token": token(page), "grounds": "factual_error", "text": "Our trial is Phase 3, not 2.",
         "files": [pdf("registry.pdf")]},
    )  # fmt: skip
    assert filed.status_code == 302
    appeal = Appeal.objects.get()
    assert "Your appeal is awaiting a decision." in text_of(firm.get(url("selection_result", app.pk)))
    officer_client = signed_in(officer)
    queue = text_of(officer_client.get(url("selection_appeals")))
    assert app.title in queue and "A factual error in the assessment" in queue
    detail = officer_client.get(url("selection_appeal", appeal.pk))
    assert "registry.pdf" in text_of(detail)
    decided = officer_client.post(
        url("selection_appeal", appeal.pk),
        {"idempotency_token": token(detail), "decision": "dismiss", "reason": "The registry says Phase 2."},
    )
    assert decided.status_code == 302
    assert Appeal.objects.get().state == "dismissed"
    assert "The registry says Phase 2." in text_of(firm.get(url("selection_result", app.pk)))
    assert upheld_calls == []


def test_another_firm_gets_404_on_results_appeals_and_files(officer, book, reference_lists, other_applicant):
    _round, (app,) = published_round(officer, book, n=1)
    appeal = appeal_submit(
        actor=app.created_by, application=app, grounds="procedure", text="x", files=[pdf()]
    )
    other = signed_in(other_applicant)
    assert other.get(url("selection_result", app.pk)).status_code == 404
    assert (
        other.post(url("selection_result", app.pk), {"grounds": "procedure", "text": "y"}).status_code == 404
    )
    assert other.get(url("selection_document", appeal.documents.get().pk)).status_code == 404
    assert app.title not in text_of(other.get(url("selection_results")))
    assert (
        other.get(url("selection_appeal", appeal.pk)).status_code == 403
    )  # ministry page: role refused first
    assert Appeal.objects.count() == 1


# --- list pages at two sizes ----------------------------------------------------------------------
def _queries(client, address) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(address)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize(
    "page", ["selection_rounds", "selection_round", "selection_decision", "selection_appeals"]
)
def test_officer_pages_run_a_fixed_number_of_queries(officer, book, reference_lists, page):
    counts = []
    for n in (2, 5):
        round_, apps = published_round(officer, book, n=n)
        for app in apps:
            appeal_submit(
                actor=app.created_by, application=app, grounds="procedure", text="Appeal.", files=[pdf()]
            )
        args = () if page in ("selection_rounds", "selection_appeals") else (round_.pk,)
        counts.append(_queries(signed_in(officer), url(page, *args)))
    assert counts[0] == counts[1]


def test_firm_results_page_runs_a_fixed_number_of_queries(officer, book, reference_lists):
    from tests import factories

    counts = []
    for n in (1, 4):
        firm = factories.OrganisationFactory()
        published_round(officer, book, n=n, firm=firm)
        client = signed_in(factories.ApplicantFactory(organisation=firm))
        counts.append(_queries(client, url("selection_results")))
    assert counts[0] == counts[1]
