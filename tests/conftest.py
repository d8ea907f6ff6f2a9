import pytest
from django.test import Client
from django.utils import translation

from tests import factories

PASSWORD = "pass-Word-123"


@pytest.fixture(autouse=True)
def english():
    """Tests assert English text; the site's default is Russian. A test about Russian asks for it."""
    with translation.override("en"):
        yield


@pytest.fixture
def client():
    return Client(HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture
def firm(db):
    return factories.OrganisationFactory()


@pytest.fixture
def other_firm(db):
    return factories.OrganisationFactory()


@pytest.fixture
def ministry(db):
    return factories.MinistryFactory()


@pytest.fixture
def applicant(firm):
    return factories.ApplicantFactory(organisation=firm)


@pytest.fixture
def other_applicant(other_firm):
    return factories.ApplicantFactory(organisation=other_firm)


@pytest.fixture
def officer(ministry):
    return factories.OfficerFactory(organisation=ministry)


@pytest.fixture
def reviewer(ministry):
    return factories.ReviewerFactory(organisation=ministry)


@pytest.fixture
def auditor(ministry):
    return factories.AuditorFactory(organisation=ministry)
