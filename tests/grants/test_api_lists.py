"""The officer's application list: filters, search by title, firm or INN, ordering, pagination."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from core.pagination import DeferredJoinPaginator
from grants import selectors_pages, services
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


# --- deferred join: deep pages page over ids, then fetch the page's rows ------------------------
ORDERINGS = ["-created_at", "title", "-title", "requested_amount", "-requested_amount", "state"]


def offset_queries(queries) -> list[str]:
    return [q["sql"] for q in queries if "OFFSET" in q["sql"]]


@pytest.mark.parametrize("ordering", ORDERINGS)
def test_pages_of_one_follow_the_full_lists_order(officer, open_round, listed, ordering):
    api = APIClient()
    api.force_authenticate(officer)
    url = "/api/v1/applications/"
    whole = api.get(url, {"round": open_round.pk, "ordering": ordering}).data["results"]
    pages = [
        api.get(url, {"round": open_round.pk, "ordering": ordering, "page_size": 1, "page": n}).data
        for n in (1, 2, 3)
    ]
    assert [p["count"] for p in pages] == [3, 3, 3]
    assert [p["results"][0] for p in pages] == whole
    assert api.get(url, {"round": open_round.pk, "page_size": 1, "page": 4}).status_code == 404


def test_the_offset_runs_over_ids_and_sums_amounts_only_to_sort_by_them(officer, open_round, listed):
    api = APIClient()
    api.force_authenticate(officer)
    url = "/api/v1/applications/"
    with CaptureQueriesContext(connection) as default:
        response = api.get(url, {"round": open_round.pk, "page_size": 1, "page": 3})
    assert response.data["results"][0]["id"] == listed["a1"].pk  # the oldest, with its sum
    assert response.data["results"][0]["requested_amount"] == "1250000.50"
    [narrow] = offset_queries(default.captured_queries)
    assert narrow.startswith('SELECT "grants_application"."id" AS "pk" FROM')
    assert "SUM(" not in narrow
    with CaptureQueriesContext(connection) as by_amount:
        response = api.get(
            url, {"round": open_round.pk, "ordering": "-requested_amount", "page_size": 1, "page": 2}
        )
    assert response.data["results"][0]["id"] == listed["a2"].pk  # after b1; a tie with a1 by id
    [narrow] = offset_queries(by_amount.captured_queries)
    assert narrow.startswith('SELECT "grants_application"."id" AS "pk" FROM')
    assert "SUM(" in narrow


@pytest.mark.parametrize("sort", ["-created", "title", "firm", "-amount", "submitted", "state"])
def test_round_table_paginator_keeps_the_order_and_the_sums(officer, open_round, listed, sort):
    rows = selectors_pages.round_table(officer, open_round, sort=sort)
    whole = [(a.pk, a.requested_amount) for a in rows]
    paginator = DeferredJoinPaginator(rows, 1)
    with CaptureQueriesContext(connection) as ctx:
        paged = [(a.pk, a.requested_amount) for n in (1, 2, 3) for a in paginator.page(n)]
    assert paged == whole
    assert len(ctx.captured_queries) == 1 + 3 * 2  # the count once; ids and rows per page
