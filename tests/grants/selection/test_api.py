"""The selection API: the same rules as the services, idempotent POSTs, scoping and query counts."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from grants.models import Appeal, FundingDecision, SelectionProposal
from grants.services.appeals import appeal_submit
from tests import factories
from tests.grants.selection.builders import pdf, published_round


def api_for(user) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(user)
    return client


def reviewed(three_apps, book, values=(4.5, 4.4, 4.3)):
    round_, apps = three_apps
    for app, value in zip(apps, values, strict=True):
        book.add(app, value, value, value, comment=f"About {app.title}")
    return round_, apps


@pytest.mark.rule(23)
def test_run_through_the_api_refuses_short_reviews_and_replays_once(officer, three_apps, book):
    round_, (alpha, _beta, _gamma) = three_apps
    book.add(alpha, 4, 4, 4)
    api = api_for(officer)
    url = f"/api/v1/selection-rounds/{round_.pk}/run/"
    refused = api.post(url, {}, format="json")
    assert refused.status_code == 400
    assert (refused.data["code"], refused.data["field"]) == ("reviews_incomplete", "exception_reason")
    body = {"exception_reason": "Two reviewers withdrew."}
    first = api.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="run-1")
    again = api.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="run-1")
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert first.data["id"] == again.data["id"]
    assert SelectionProposal.objects.count() == 1
    assert first.data["incomplete_count"] == 2
    assert first.data["snapshot"]["exception_reason"] == "Two reviewers withdrew."


@pytest.mark.rule(27)
def test_decisions_through_the_api(officer, three_apps, book):
    round_, (alpha, beta, gamma) = reviewed(three_apps, book)
    api = api_for(officer)
    api.post(f"/api/v1/selection-rounds/{round_.pk}/run/", {}, format="json")
    url = f"/api/v1/selection-rounds/{round_.pk}/decisions/"
    too_much = {
        "decisions": [
            {"application": a.pk, "outcome": "selected", "reason": "All in."} for a in (alpha, beta, gamma)
        ]
    }
    refused = api.post(url, too_much, format="json")
    assert (refused.status_code, refused.data["code"]) == (409, "over_budget")
    no_reason = api.post(
        url, {"decisions": [{"application": gamma.pk, "outcome": "rejected"}]}, format="json"
    )
    assert (no_reason.status_code, no_reason.data["field"]) == (400, "decisions.0.reason")
    floats = api.post(
        url,
        {"decisions": [{"application": alpha.pk, "outcome": "selected", "approved_amount": 1.5}]},
        format="json",
    )
    assert floats.status_code == 400
    done = api.post(
        url,
        {"decisions": [
            {"application": alpha.pk, "outcome": "selected"},
            {"application": beta.pk, "outcome": "selected", "approved_amount": "3500000.00", "reason": "Cut."},
            {"application": gamma.pk, "outcome": "reserve"},
        ]},
        format="json",
        HTTP_IDEMPOTENCY_KEY="decide-1",
    )  # fmt: skip
    assert done.status_code == 200
    assert [(row["outcome"], row["approved_amount"], row["proposed_amount"]) for row in done.data] == [
        ("selected", "4000000.00", "4000000.00"),
        ("selected", "3500000.00", "4000000.00"),
        ("reserve", "0.00", "0.00"),
    ]
    summary = api.get(f"/api/v1/selection-rounds/{round_.pk}/").data
    assert (summary["committed"], summary["remaining"]) == ("7500000.00", "2500000.00")
    ranking = api.get(f"/api/v1/selection-rounds/{round_.pk}/ranking/").data["results"]
    assert [(r["title"], r["rank"], r["proposal_status"], r["decision"]) for r in ranking] == [
        ("Alpha", 1, "funded", "selected"),
        ("Beta", 2, "funded", "selected"),
        ("Gamma", 3, "reserve", "reserve"),
    ]
    assert ranking[0]["total"] == "4.5000" and ranking[0]["submitted_reviews"] == 3


def test_publication_minutes_results_and_appeals_through_the_api(officer, three_apps, book, upheld_calls):
    round_, (alpha, beta, gamma) = reviewed(three_apps, book)
    api = api_for(officer)
    api.post(f"/api/v1/selection-rounds/{round_.pk}/run/", {}, format="json")
    api.post(
        f"/api/v1/selection-rounds/{round_.pk}/decisions/",
        {
            "decisions": [
                {"application": a.pk, "outcome": o}
                for a, o in ((alpha, "selected"), (beta, "selected"), (gamma, "reserve"))
            ]
        },
        format="json",
    )
    refused = api.post(f"/api/v1/selection-rounds/{round_.pk}/publish/")
    assert (refused.status_code, refused.data["code"]) == (400, "minutes_required")
    uploaded = api.post(f"/api/v1/selection-rounds/{round_.pk}/minutes/", {"file": pdf()}, format="multipart")
    assert uploaded.status_code == 201 and uploaded.data["original_name"] == "minutes.pdf"
    published = api.post(f"/api/v1/selection-rounds/{round_.pk}/publish/", HTTP_IDEMPOTENCY_KEY="pub-1")
    assert published.status_code == 200 and published.data["state"] == "published"
    assert published.data["appeal_window_ends_at"]

    firm = api_for(gamma.created_by)
    results = firm.get("/api/v1/funding-decisions/").data["results"]
    assert [(r["application"], r["outcome"]) for r in results] == [(gamma.pk, "reserve")]
    assert "reason" not in results[0] and "proposed_outcome" not in results[0]
    decision_id = results[0]["id"]
    detail = firm.get(f"/api/v1/funding-decisions/{decision_id}/").data
    assert [c["label"] for c in detail["comments"]] == ["1", "2", "3"]
    assert detail["comments"][0]["overall_comment"] == "About Gamma"
    # Another firm: 404 on the decision, nothing in its list.
    other = api_for(beta.created_by)
    assert other.get(f"/api/v1/funding-decisions/{decision_id}/").status_code == 404
    assert gamma.pk not in [r["application"] for r in other.get("/api/v1/funding-decisions/").data["results"]]

    filed = firm.post(
        "/api/v1/appeals/",
        {"application": gamma.pk, "grounds": "procedure", "text": "No quorum.", "files": [pdf("proof.pdf")]},
        format="multipart",
        HTTP_IDEMPOTENCY_KEY="appeal-1",
    )
    assert filed.status_code == 201, filed.data
    assert [d["original_name"] for d in filed.data["documents"]] == ["proof.pdf"]
    download = firm.get(filed.data["documents"][0]["download_url"])
    assert download.status_code == 200 and download["Content-Disposition"].startswith("attachment")
    assert other.get(f"/api/v1/appeals/{filed.data['id']}/").status_code == 404
    assert other.get(filed.data["documents"][0]["download_url"]).status_code == 404
    assert (
        other.post(
            "/api/v1/appeals/", {"application": gamma.pk, "grounds": "procedure", "text": "x"}, format="json"
        ).status_code
        == 404
    )
    assert (
        firm.post(f"/api/v1/appeals/{filed.data['id']}/uphold/", {"reason": "x"}, format="json").status_code
        == 403
    )
    upheld = api.post(
        f"/api/v1/appeals/{filed.data['id']}/uphold/", {"reason": "Quorum missing."}, format="json"
    )
    assert (upheld.status_code, upheld.data["state"]) == (200, "upheld")
    assert len(upheld_calls) == 1
    assert FundingDecision.objects.get(application=gamma).reopened_at is not None


def test_auditors_read_and_never_act_reviewers_see_nothing(auditor, reviewer, officer, three_apps, book):
    round_, _apps = reviewed(three_apps, book)
    api_for(officer).post(f"/api/v1/selection-rounds/{round_.pk}/run/", {}, format="json")
    audit = api_for(auditor)
    assert audit.get(f"/api/v1/selection-rounds/{round_.pk}/ranking/").status_code == 200
    assert audit.get("/api/v1/selection-proposals/").data["count"] == 1
    refused = audit.post(f"/api/v1/selection-rounds/{round_.pk}/run/", {}, format="json")
    assert (refused.status_code, refused.data["code"]) == (403, "forbidden")
    review = api_for(reviewer)
    assert review.get("/api/v1/selection-rounds/").status_code == 403
    assert review.get("/api/v1/funding-decisions/").status_code == 403
    assert review.get("/api/v1/appeals/").data["count"] == 0


# --- every list at two sizes runs the same number of queries ----------------------------------------
def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, response.data
    return len(captured)


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/selection-rounds/",
        "/api/v1/selection-proposals/",
        "/api/v1/funding-decisions/",
        "/api/v1/appeals/",
        "/api/v1/selection-rounds/{round}/ranking/",
    ],
)
def test_lists_run_a_fixed_number_of_queries(officer, book, reference_lists, url):
    counts = []
    for n in (2, 5):
        round_, apps = published_round(officer, book, n=n)
        for app in apps:
            appeal_submit(
                actor=app.created_by, application=app, grounds="procedure", text="Appeal.", files=[pdf()]
            )
        counts.append(_count(api_for(officer), url.format(round=round_.pk)))
    assert counts[0] == counts[1]
    assert Appeal.objects.count() == 7 and FundingDecision.objects.count() == 7


def test_firm_lists_run_a_fixed_number_of_queries(officer, book, reference_lists):
    counts = []
    for n in (1, 4):
        firm = factories.OrganisationFactory()
        _round, apps = published_round(officer, book, n=n, firm=firm)
        for app in apps:
            appeal_submit(
                actor=app.created_by, application=app, grounds="procedure", text="Appeal.", files=[pdf()]
            )
        client = api_for(factories.ApplicantFactory(organisation=firm))
        assert client.get("/api/v1/funding-decisions/").data["count"] == n
        counts.append((_count(client, "/api/v1/funding-decisions/"), _count(client, "/api/v1/appeals/")))
    assert counts[0] == counts[1]
