"""The trials API, read side: agreements, trials, progress reports, claims, payouts, recoveries, the
ledger and balances — scoped (a firm sees its own, another firm gets 404 and never a row), with a fixed
query count per list, and documented in `/api/schema/`."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from tests.trials.conftest import make_selected_many, record_success, sign, verified_claim
from trials import services
from trials.enums import LedgerKind
from trials.models import Agreement, LedgerEntry

pytestmark = pytest.mark.django_db
TODAY = dt.date.today


def api_for(user) -> APIClient:
    api = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    api.force_authenticate(user)
    return api


def ids(response) -> list[int]:
    assert response.status_code == 200, response.data
    return [row["id"] for row in response.data["results"]]


def pay(officer, second_officer, claim, number="PO-1"):
    payout = services.payout_propose(actor=officer, claim=claim)
    payout = services.payout_approve(actor=second_officer, payout=payout)
    return services.payout_mark_paid(
        actor=officer, payout=payout, payment_order_number=number, payment_order_date=TODAY()
    )


def grow(officer, second_officer, applicant, firm, n: int, prefix: str) -> list[Agreement]:
    """`n` successful agreements of `firm`, each with a paid verified claim and a recovery."""
    applications = make_selected_many(officer=officer, amounts=["5000000"] * n, firms=[firm] * n)
    agreements = []
    for index, application in enumerate(applications):
        agreement = services.agreement_create(actor=officer, application=application)
        sign(agreement, officer)
        services.agreement_activate(actor=officer, agreement=agreement)
        record_success(officer, agreement)
        claim = verified_claim(applicant, officer, agreement, number_prefix=f"{prefix}{index}")
        payout = pay(officer, second_officer, claim, number=f"{prefix}-{index}")
        services.recovery_record(
            actor=officer,
            agreement=agreement,
            amount="1000.00",
            reason="Overpaid VAT",
            due_date=TODAY() + dt.timedelta(days=30),
            payout=payout,
        )
        agreements.append(agreement)
    return agreements


@pytest.fixture
def story(officer, second_officer, applicant, firm):
    """One agreement of `firm` with a paid payout and a recovery."""
    return grow(officer, second_officer, applicant, firm, 1, "S")[0]


LISTS = [
    "/api/v1/agreements/",
    "/api/v1/trials/",
    "/api/v1/progress-reports/",
    "/api/v1/claims/",
    "/api/v1/payouts/",
    "/api/v1/recoveries/",
    "/api/v1/ledger-entries/",
    "/api/v1/evidence/",
]


def detail_routes(agreement) -> list[str]:
    claim = agreement.claims.get()
    line = claim.lines.first()
    payout = agreement.payouts.get()
    recovery = agreement.recoveries.get()
    entry = agreement.ledger_entries.first()
    return [
        f"/api/v1/agreements/{agreement.pk}/",
        f"/api/v1/agreements/{agreement.pk}/balances/",
        f"/api/v1/trials/{agreement.trials.first().pk}/",
        f"/api/v1/progress-reports/{agreement.progress_reports.first().pk}/",
        f"/api/v1/claims/{claim.pk}/",
        f"/api/v1/claim-lines/{line.pk}/",
        f"/api/v1/payouts/{payout.pk}/",
        f"/api/v1/recoveries/{recovery.pk}/",
        f"/api/v1/ledger-entries/{entry.pk}/",
        f"/api/v1/evidence/{line.evidence.first().pk}/",
        f"/api/v1/evidence/{line.evidence.first().pk}/download/",
    ]


# --- happy paths -----------------------------------------------------------------------------------
def test_firm_reads_its_agreement_with_balances(applicant, story):
    api = api_for(applicant)
    assert ids(api.get("/api/v1/agreements/")) == [story.pk]
    row = api.get("/api/v1/agreements/").data["results"][0]
    # cap 5 000 000; paid 0.8 × 1 000 000 = 800 000; recovered 1 000
    assert row["state"] == "success_verified"
    assert row["cap"] == "5000000.00"
    assert row["balances"] == {
        "cap": "5000000.00",
        "committed": "5000000.00",
        "released": "0.00",
        "active_commitments": "5000000.00",
        "paid": "800000.00",
        "recovered": "1000.00",
        "net_paid": "799000.00",
        "remaining_cap": "4201000.00",
    }
    detail = api.get(f"/api/v1/agreements/{story.pk}/")
    assert detail.status_code == 200
    assert detail.data["number"] == story.number
    assert [t["id"] for t in detail.data["trials"]] == list(story.trials.values_list("pk", flat=True))
    assert detail.data["decision"]["outcome"] == "success"
    assert detail.data["decision"]["class_confirmed"] is True
    assert len(detail.data["progress_reports"]) == 1
    assert {e["kind"] for e in detail.data["decision_evidence"]} == {
        "marketing_authorisation",
        "expert_opinion",
    }


@pytest.mark.rule(35)
def test_balances_endpoint_derives_from_the_ledger_at_a_date(applicant, story):
    api = api_for(applicant)
    now = api.get(f"/api/v1/agreements/{story.pk}/balances/")
    assert now.status_code == 200
    assert (now.data["paid"], now.data["recovered"], now.data["remaining_cap"]) == (
        "800000.00",
        "1000.00",
        "4201000.00",
    )
    before = api.get(f"/api/v1/agreements/{story.pk}/balances/", {"as_of": "2000-01-01"})
    assert before.data["committed"] == "0.00"
    bad = api.get(f"/api/v1/agreements/{story.pk}/balances/", {"as_of": "yesterday"})
    assert (bad.status_code, bad.data["code"], bad.data["field"]) == (400, "invalid", "as_of")


@pytest.mark.rule(37)
def test_auditor_and_officer_read_everything(auditor, officer, story, other_applicant, second_officer):
    other = grow(officer, second_officer, other_applicant, other_applicant.organisation, 1, "O")[0]
    for user in (auditor, officer):
        api = api_for(user)
        assert set(ids(api.get("/api/v1/agreements/"))) == {story.pk, other.pk}
        for url in detail_routes(story) + detail_routes(other):
            assert api.get(url).status_code == 200, url


@pytest.mark.rule(35)
def test_ledger_list_is_read_only_and_filters(auditor, officer, second_officer, applicant, firm, story):
    other = grow(officer, second_officer, applicant, firm, 1, "L")[0]
    api = api_for(auditor)
    url = "/api/v1/ledger-entries/"
    assert len(ids(api.get(url, {"agreement": story.pk}))) == 3  # commitment, payout, recovery
    kinds = [row["kind"] for row in api.get(url, {"agreement": story.pk}).data["results"]]
    assert sorted(kinds) == ["commitment", "payout", "recovery"]
    payouts = api.get(url, {"kind": "payout"})
    assert {row["agreement"] for row in payouts.data["results"]} == {story.pk, other.pk}
    assert {row["amount"] for row in payouts.data["results"]} == {"800000.00"}
    recovery = api.get(url, {"kind": "recovery", "agreement": other.pk}).data["results"]
    assert [row["amount"] for row in recovery] == ["-1000.00"]
    today = TODAY().isoformat()
    assert len(ids(api.get(url, {"date_from": today, "date_to": today}))) == 6
    assert ids(api.get(url, {"date_to": "2000-01-01"})) == []
    assert api.get(url, {"kind": "nonsense"}).status_code == 400
    entry = LedgerEntry.objects.filter(kind=LedgerKind.PAYOUT).first()
    for method in ("post", "put", "patch", "delete"):
        response = getattr(api_for(officer), method)(f"{url}{entry.pk}/" if method != "post" else url, {})
        assert response.status_code == 405, method
    assert LedgerEntry.objects.count() == 6


def test_lists_filter_by_agreement_and_state(officer, second_officer, applicant, firm, story):
    other = grow(officer, second_officer, applicant, firm, 1, "F")[0]
    api = api_for(applicant)
    assert ids(api.get("/api/v1/trials/", {"agreement": other.pk})) == list(
        other.trials.values_list("pk", flat=True)
    )
    assert ids(api.get("/api/v1/claims/", {"agreement": story.pk})) == [story.claims.get().pk]
    assert ids(api.get("/api/v1/payouts/", {"state": "paid", "agreement": other.pk})) == [
        other.payouts.get().pk
    ]
    assert ids(api.get("/api/v1/payouts/", {"state": "proposed"})) == []
    assert ids(api.get("/api/v1/recoveries/", {"agreement": story.pk})) == [story.recoveries.get().pk]
    assert set(ids(api.get("/api/v1/agreements/", {"state": "success_verified"}))) == {story.pk, other.pk}
    assert ids(api.get("/api/v1/agreements/", {"state": "closed"})) == []
    claim = api.get(f"/api/v1/claims/{story.claims.get().pk}/").data
    assert (claim["state"], claim["claimed_total"], claim["accepted_total"]) == (
        "verified",
        "1000000.00",
        "1000000.00",
    )
    assert [len(line["evidence"]) for line in claim["lines"]] == [3]
    payout = api.get(f"/api/v1/payouts/{story.payouts.get().pk}/").data
    assert (payout["amount"], payout["state"], payout["payment_order_number"]) == ("800000.00", "paid", "S-0")


# --- scoping ---------------------------------------------------------------------------------------
def test_another_firm_gets_404_on_every_detail_route_and_never_a_row(other_applicant, story):
    api = api_for(other_applicant)
    for url in detail_routes(story):
        response = api.get(url)
        assert (response.status_code, response.data["code"]) == (404, "not_found"), url
    for url in LISTS:
        assert ids(api.get(url)) == [], url


def test_reviewers_see_no_agreements(reviewer, story):
    api = api_for(reviewer)
    assert api.get("/api/v1/agreements/").status_code == 403
    assert api.get(f"/api/v1/agreements/{story.pk}/").status_code in (403, 404)


def test_anonymous_is_refused():
    response = APIClient().get("/api/v1/agreements/")
    assert response.status_code == 401


# --- query counts ----------------------------------------------------------------------------------
@pytest.mark.parametrize("who", ["applicant", "auditor"])
def test_list_query_counts_do_not_grow(
    who, officer, second_officer, applicant, auditor, firm, django_assert_num_queries
):
    user = {"applicant": applicant, "auditor": auditor}[who]
    grow(officer, second_officer, applicant, firm, 1, "A")
    api = api_for(user)
    counts = {}
    for url in LISTS:
        with CaptureQueriesContext(connection) as captured:
            assert len(ids(api.get(url))) >= 1
        counts[url] = len(captured.captured_queries)
    grow(officer, second_officer, applicant, firm, 2, "B")
    for url in LISTS:
        with django_assert_num_queries(counts[url]):
            assert len(ids(api.get(url))) >= 3, url


# --- the schema ------------------------------------------------------------------------------------
def test_schema_documents_every_trials_endpoint(officer):
    response = api_for(officer).get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    schema = response.json() if hasattr(response, "json") else response.data
    paths = schema["paths"]
    expected = {
        "/api/v1/agreements/": {"get", "post"},
        "/api/v1/agreements/{id}/": {"get"},
        "/api/v1/agreements/{id}/sign/": {"post"},
        "/api/v1/agreements/{id}/activate/": {"post"},
        "/api/v1/agreements/{id}/evidence/": {"post"},
        "/api/v1/agreements/{id}/success/": {"post"},
        "/api/v1/agreements/{id}/failure/": {"post"},
        "/api/v1/agreements/{id}/close/": {"post"},
        "/api/v1/agreements/{id}/outcome-report/": {"post"},
        "/api/v1/agreements/{id}/outcome-report/evidence/": {"post"},
        "/api/v1/agreements/{id}/balances/": {"get"},
        "/api/v1/trials/": {"get"},
        "/api/v1/trials/{id}/": {"get", "patch"},
        "/api/v1/progress-reports/": {"get"},
        "/api/v1/progress-reports/{id}/": {"get"},
        "/api/v1/progress-reports/{id}/submit/": {"post"},
        "/api/v1/progress-reports/{id}/evidence/": {"post"},
        "/api/v1/claims/": {"get", "post"},
        "/api/v1/claims/{id}/": {"get"},
        "/api/v1/claims/{id}/lines/": {"post"},
        "/api/v1/claims/{id}/submit/": {"post"},
        "/api/v1/claims/{id}/complete/": {"post"},
        "/api/v1/claim-lines/{id}/": {"get", "delete"},
        "/api/v1/claim-lines/{id}/evidence/": {"post"},
        "/api/v1/claim-lines/{id}/verify/": {"post"},
        "/api/v1/payouts/": {"get", "post"},
        "/api/v1/payouts/{id}/": {"get"},
        "/api/v1/payouts/{id}/approve/": {"post"},
        "/api/v1/payouts/{id}/mark-paid/": {"post"},
        "/api/v1/payouts/{id}/cancel/": {"post"},
        "/api/v1/recoveries/": {"get", "post"},
        "/api/v1/recoveries/{id}/": {"get"},
        "/api/v1/ledger-entries/": {"get"},
        "/api/v1/ledger-entries/{id}/": {"get"},
        "/api/v1/evidence/": {"get"},
        "/api/v1/evidence/{id}/": {"get", "delete"},
        "/api/v1/evidence/{id}/download/": {"get"},
    }
    for path, methods in expected.items():
        assert path in paths, path
        assert set(paths[path]) & {"get", "post", "put", "patch", "delete"} == methods, path
        for method in methods:
            operation = paths[path][method]
            assert operation.get("summary"), (path, method)
            assert "200" in operation["responses"] or "201" in operation["responses"] or method == "delete"
            assert "403" in operation["responses"] and "404" in operation["responses"]
            bodiless = ("/activate/", "/submit/", "/complete/", "/approve/")
            if method in ("post", "patch") and not path.endswith(bodiless):
                assert "requestBody" in operation, (path, method)
    components = schema["components"]["schemas"]
    assert {
        "Agreement",
        "AgreementDetail",
        "Balances",
        "Payout",
        "LedgerEntry",
        "ClaimLineInputRequest",
    } <= set(components)
    mark_paid = paths["/api/v1/payouts/{id}/mark-paid/"]["post"]
    money_moves = [
        ("/api/v1/agreements/{id}/sign/", "post"),
        ("/api/v1/agreements/{id}/failure/", "post"),
        ("/api/v1/agreements/{id}/close/", "post"),
        ("/api/v1/payouts/", "post"),
        ("/api/v1/payouts/{id}/approve/", "post"),
        ("/api/v1/payouts/{id}/mark-paid/", "post"),
        ("/api/v1/payouts/{id}/cancel/", "post"),
        ("/api/v1/recoveries/", "post"),
    ]
    for path, method in money_moves:
        headers = [p for p in paths[path][method].get("parameters", []) if p["in"] == "header"]
        assert [(h["name"], h["required"]) for h in headers] == [("Idempotency-Key", True)], path
    body = mark_paid["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    assert body.endswith("/PayoutPaidRequest")
    assert set(components["PayoutPaidRequest"]["required"]) == {"payment_order_number", "payment_order_date"}
    assert components["Payout"]["properties"]["amount"]["type"] == "string"  # decimal strings
