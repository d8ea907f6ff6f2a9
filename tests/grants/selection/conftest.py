"""Selection fixtures: a score book registered as the score provider, officers, a round in selection."""

from __future__ import annotations

import pytest

from grants import scoring
from tests import factories
from tests.grants.selection.builders import ReviewBook, open_round, submit, to_selection, use_book


@pytest.fixture
def book():
    book = ReviewBook()
    restore = use_book(book)
    yield book
    restore()


@pytest.fixture
def upheld_calls():
    """A stand-in for the reviewers app's hook that records what grants asked it to do."""
    calls = []
    previous = scoring.register_appeal_upheld_hook(lambda **kwargs: calls.append(kwargs))
    yield calls
    scoring.register_appeal_upheld_hook(previous)


@pytest.fixture
def second_officer(ministry):
    return factories.OfficerFactory(organisation=ministry)


@pytest.fixture
def three_apps(officer, reference_lists):
    """A round (budget 10 M) with three applications of three firms asking 4 M, 4 M and 3 M."""
    round_ = open_round(officer)
    apps = [
        submit(round_, amount="4000000", title="Alpha"),
        submit(round_, amount="4000000", title="Beta"),
        submit(round_, amount="3000000", title="Gamma"),
    ]
    round_ = to_selection(officer, round_)
    return round_, apps
