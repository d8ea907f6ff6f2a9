"""What the officer reads on the selection pages: review progress, publication under its own heading,
criterion names in the ranking, amounts in the decision form as people write them."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

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
