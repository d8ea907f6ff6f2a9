"""What the officer reads on the selection pages: review progress, publication under its own heading,
criterion names in the ranking, amounts in the decision form as people write them."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from grants.models import FundingDecision
from grants.services.selection import selection_run
from tests.grants.selection.builders import published_round, signed_in, text_of

pytestmark = pytest.mark.django_db


def url(name: str, *args) -> str:
    return reverse(f"grants:{name}", args=args)


def card(html: str, element_id: str) -> str:
    """The text of the summary card holding `element_id`."""
    body = r'<div class="card h-100"><div class="card-body">((?:(?!</div></div></div>).)*id="ID".*?)</div></div></div>'
    match = re.search(body.replace("ID", element_id), html, re.S)
    assert match, element_id
    return " ".join(re.sub(r"<[^>]+>", " ", match.group(1)).split())


def test_the_reviews_card_shows_progress_on_the_decision_page_before_and_after_publication(
    officer, three_apps, book
):
    round_, (alpha, beta, gamma) = three_apps
    for app in (alpha, beta):
        book.add(app, 4, 4, 4)
    book.add(gamma, 4, 4)
    selection_run(actor=officer, round=round_, exception_reason="Third reviewer recused.")
    html = signed_in(officer).get(url("selection_decision", round_.pk)).content.decode()
    assert card(html, "summary-reviews") == "Reviews 2 / 3 applications with all 3 reviews submitted"


def test_after_publication_the_reviews_card_keeps_progress_and_publication_has_its_own_heading(
    officer, book, reference_lists
):
    round_, _apps = published_round(officer, book, n=2)
    # Like the reviewers app's provider, which scores only applications still in review: once decided,
    # the live scores are gone and the card reads the proposal the committee decided on.
    book.reviews.clear()
    client = signed_in(officer)
    decision = client.get(url("selection_decision", round_.pk)).content.decode()
    reviews = card(decision, "summary-reviews")
    assert reviews == "Reviews 2 / 2 applications with all 3 reviews submitted"
    assert "Published" not in reviews
    # The decision page tells the publication in its own Publication card, once.
    assert decision.count("Firms may appeal until") == 1
    assert re.search(r'<h2 class="h5">Publication</h2>\s*<p id="published">Published ', decision)

    ranking = client.get(url("selection_round", round_.pk))
    assert card(ranking.content.decode(), "summary-reviews").startswith("Reviews 2 / 2")
    publication = re.search(
        r'<section[^>]*id="summary-publication".*?</section>', ranking.content.decode(), re.S
    )
    assert publication
    text = " ".join(re.sub(r"<[^>]+>", " ", publication.group(0)).split())
    assert re.fullmatch(
        r"Publication Published \d\d\.\d\d\.\d{4} \d\d:\d\d МСК\. Firms may appeal until \d\d\.\d\d\.\d{4} \d\d:\d\d МСК\.",
        text,
    ), text
    assert "Published" not in card(ranking.content.decode(), "summary-reviews")
    assert text_of(ranking)


def test_the_ranking_heads_criterion_columns_with_their_names(officer, three_apps, book):
    round_, apps = three_apps
    for app in apps:
        book.add(app, 4, 4, 4)
    selection_run(actor=officer, round=round_)
    html = signed_in(officer).get(url("selection_round", round_.pk)).content.decode()
    heads = [
        (code, re.sub(r"<[^>]+>", "", name).strip())
        for code, name in re.findall(r'<th [^>]*data-criterion="(\w+)"[^>]*>(.*?)</th>', html)
    ]
    assert heads == [
        ("novelty", "Novelty of the first/best-in-class claim"),
        ("unmet_need", "Unmet clinical need"),
        ("evidence", "Strength of evidence and trial design"),
        ("team", "Team and production capacity"),
        ("budget", "Budget justification"),
    ]
    assert ">unmet_need<" not in html and ">novelty<" not in html


@pytest.mark.parametrize("typed", ["4000000.00", "4 000 000,00", "4\u202f000\u202f000,00", "4000000"])
def test_the_approved_amount_reads_as_money_and_is_accepted_as_typed(officer, three_apps, book, typed):
    round_, (alpha, beta, gamma) = three_apps
    for app, value in zip((alpha, beta, gamma), (4.5, 4.4, 4.3), strict=True):
        book.add(app, value, value, value)
    selection_run(actor=officer, round=round_)
    client = signed_in(officer)
    page = client.get(url("selection_decision", round_.pk)).content.decode()
    # The proposed 4 M shows as the money filter writes it, without the sign; nothing as "4000000.00".
    assert f'id="amount-{alpha.pk}" value="4\u202f000\u202f000,00"' in page
    assert 'value="4000000.00"' not in page
    token = re.search(r'name="idempotency_token" value="([^"]+)"', page).group(1)
    form = {"idempotency_token": token}
    for app, outcome, amount in (
        (alpha, "selected", typed),
        (beta, "selected", typed),
        (gamma, "reserve", ""),
    ):
        form |= {f"outcome-{app.pk}": outcome, f"amount-{app.pk}": amount, f"reason-{app.pk}": ""}
    response = client.post(url("selection_decision", round_.pk), form)
    assert response.status_code == 302, text_of(response)
    assert [str(d.approved_amount) for d in FundingDecision.objects.order_by("application_id")][:2] == [
        "4000000.00",
        "4000000.00",
    ]
    # Recorded now: the page shows the decision's amount in the same way.
    page = client.get(url("selection_decision", round_.pk)).content.decode()
    assert f'id="amount-{alpha.pk}" value="4\u202f000\u202f000,00"' in page


def test_a_refused_form_shows_the_amounts_as_typed(officer, three_apps, book):
    round_, (alpha, beta, gamma) = three_apps
    for app, value in zip((alpha, beta, gamma), (4.5, 4.4, 4.3), strict=True):
        book.add(app, value, value, value)
    selection_run(actor=officer, round=round_)
    client = signed_in(officer)
    page = client.get(url("selection_decision", round_.pk)).content.decode()
    token = re.search(r'name="idempotency_token" value="([^"]+)"', page).group(1)
    form = {"idempotency_token": token}
    for app in (alpha, beta, gamma):
        form |= {f"outcome-{app.pk}": "selected", f"amount-{app.pk}": "3 500 000,5", f"reason-{app.pk}": ""}
    refused = client.post(url("selection_decision", round_.pk), form)
    assert refused.status_code == 400
    assert f'id="amount-{alpha.pk}" value="3 500 000,5"' in refused.content.decode()
