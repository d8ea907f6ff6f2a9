from datetime import timedelta

import pytest
from django.utils import timezone, translation

from deadlines.services import deadline_schedule
from tests import factories
from tests.deadlines import handlers


@pytest.fixture(autouse=True)
def english(settings):
    """Pages are asserted in English: pin the language so the Russian catalogue does not change them.

    Notifications follow each recipient's `language`; tests that read their text make English users.
    """
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def officer(ministry):
    return factories.OfficerFactory(organisation=ministry, language="en")


@pytest.fixture(autouse=True)
def test_handlers():
    handlers.register_all()
    yield handlers
    handlers.unregister_all()


@pytest.fixture
def target(db):
    """Any saved object can carry deadlines; an organisation is the simplest one at hand."""
    return factories.OrganisationFactory()


@pytest.fixture
def make_due():
    """Schedule a deadline that fell due `minutes_ago` minutes ago on a fresh target."""

    def make(kind="test.effect", minutes_ago=1, target=None, payload=None):
        target = target or factories.OrganisationFactory()
        return deadline_schedule(
            kind=kind, target=target, due_at=timezone.now() - timedelta(minutes=minutes_ago), payload=payload
        )

    return make
