"""The officer's application list: filters, search by title, firm or INN, ordering, pagination."""

import pytest
from rest_framework.test import APIClient

from grants import services
from tests import factories
from tests.grants.conftest import make_complete_application

pytestmark = pytest.mark.django_db


@pytest.fixture
def listed(open_round, officer):
    aurora = factories.OrganisationFactory(name="Aurora Pharma")
    borey = factories.OrganisationFactory(name="Borey Biotech")
    a_user = factories.ApplicantFactory(organisation=aurora)
    b_user = factories.ApplicantFactory(organisation=borey)
    a1 = make_complete_application(a_user, open_round, title="Anti-CD123 antibody")
    a2 = make_complete_application(a_user, open_round, title="KRAS inhibitor")
    b1 = make_complete_application(b_user, open_round, title="SMA gene therapy")
    services.application_update(actor=b_user, application=b1, priority_area="orphan")
    services.budget_line_add(
        actor=b_user, application=b1, category="lab", description="Assays", amount="5000000"
    )
    services.application_submit(actor=a_user, application=a1)
    services.application_submit(actor=b_user, application=b1)
    return {"aurora": aurora, "borey": borey, "a1": a1, "a2": a2, "b1": b1}


def ids(response):
    assert response.status_code == 200, response.data
    return [row["id"] for row in response.data["results"]]


def test_filters_search_and_ordering(officer, open_round, listed):
    api = APIClient()
    api.force_authenticate(officer)
    url = "/api/v1/applications/"
    a1, a2, b1 = listed["a1"].pk, listed["a2"].pk, listed["b1"].pk
    assert set(ids(api.get(url, {"round": open_round.pk}))) == {a1, a2, b1}
    assert set(ids(api.get(url, {"state": "submitted"}))) == {a1, b1}
    assert ids(api.get(url, {"state": "draft"})) == [a2]
    assert ids(api.get(url, {"priority_area": "orphan"})) == [b1]
    assert set(ids(api.get(url, {"search": "aurora"}))) == {a1, a2}
    assert ids(api.get(url, {"search": "gene"})) == [b1]
    assert ids(api.get(url, {"search": listed["borey"].inn})) == [b1]
    assert ids(api.get(url, {"ordering": "-requested_amount", "page_size": 1})) == [b1]
    page = api.get(url, {"ordering": "title", "page_size": 2})
    assert (page.data["count"], ids(page)) == (3, [a1, a2])
    assert ids(api.get(url, {"ordering": "title", "page_size": 2, "page": 2})) == [b1]
    row = api.get(url, {"search": "gene"}).data["results"][0]
    assert row["requested_amount"] == "6250000.50"
    assert row["organisation"] == {
        "id": listed["borey"].pk,
        "name": "Borey Biotech",
        "inn": listed["borey"].inn,
    }
    assert api.get(url, {"state": "nonsense"}).status_code == 400
