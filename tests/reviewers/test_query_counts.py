"""Every list page and endpoint runs the same number of queries for a small and a larger round."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from grants.models import Application
from reviewers import services
from reviewers.models import Assignment
from tests.reviewers.conftest import (
    close_and_screen,
    declare,
    full_scores,
    make_reviewer,
    open_round_with,
    submit_for,
)

pytestmark = pytest.mark.django_db
NOTHING = {"priority_areas": [], "modalities": [], "icd10_chapters": [], "atc_groups": [], "keywords": []}


def count(client, url, data=None) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, data or {})
    assert response.status_code == 200, (url, response.status_code)
    return len(captured.captured_queries)


def reviewed_round(officer, panel, titles):
    round_ = open_round_with(officer, k=3)
    for title in titles:
        submit_for(round_, title=title)
    close_and_screen(officer, round_)
    assert services.assignment_run(actor=officer, round=round_).status == "ok"
    for assignment in Assignment.objects.filter(round=round_).select_related("reviewer", "application"):
        declare(assignment.reviewer, assignment.application)
        services.review_submit(
            actor=assignment.reviewer,
            review=Assignment.objects.get(pk=assignment.pk).review,
            scores=full_scores("4"),
            overall_comment="Fine.",
        )
    first = Application.objects.filter(round=round_).order_by("pk").first()
    services.consensus_record(
        actor=officer, application=first, criterion_scores=dict.fromkeys(full_scores(), "4"), reason="Agreed"
    )
    return round_


def rival_of(ministry, round_):
    rival = make_reviewer(ministry, **NOTHING)
    for application in Application.objects.filter(round=round_).select_related("organisation"):
        services.affiliation_add(
            actor=rival, profile=services.profile_of(rival), kind="employment",
            organisation_name=application.organisation.name, inn=application.organisation.inn,
        )  # fmt: skip
    return rival


def officer_counts(client, api, round_) -> dict:
    application = Application.objects.filter(round=round_).order_by("pk").first()
    review = Assignment.objects.filter(application=application).first().review
    pages = {
        name: count(client, reverse(f"reviewers:{name}", args=[round_.pk]))
        for name in ("round", "progress", "scores", "conflicts")
    }
    pages["rounds"] = count(client, reverse("reviewers:rounds"))
    pages["profiles"] = count(client, reverse("reviewers:profiles"))
    pages["summary"] = count(client, reverse("reviewers:summary", args=[application.pk]))
    pages["review_detail"] = count(client, reverse("reviewers:review_detail", args=[review.pk]))
    pages["dashboard"] = count(client, reverse("core:dashboard"))
    for name, url, params in (
        ("api_assignments", "/api/v1/assignments/", {"round": round_.pk}),
        ("api_reviews", "/api/v1/reviews/", {}),
        ("api_runs", "/api/v1/assignment-runs/", {"round": round_.pk}),
        ("api_conflicts", "/api/v1/conflicts/", {"application__round": round_.pk}),
        ("api_decisions", "/api/v1/conflict-decisions/", {}),
        ("api_parties", "/api/v1/related-parties/", {}),
        ("api_consensus", "/api/v1/consensus-scores/", {}),
        ("api_profiles", "/api/v1/reviewer-profiles/", {}),
        ("api_scores", f"/api/v1/round-scores/{round_.pk}/", {}),
    ):
        pages[name] = count(api, url, params)
    return pages


def reviewer_counts(client, api) -> dict:
    return {
        "my_assignments": count(client, reverse("reviewers:my_assignments"), {"show": "all"}),
        "my_submitted": count(client, reverse("reviewers:my_assignments"), {"show": "submitted"}),
        "dashboard": count(client, reverse("core:dashboard")),
        "api_assignments": count(api, "/api/v1/assignments/"),
        "api_reviews": count(api, "/api/v1/reviews/"),
    }


def test_lists_run_the_same_queries_at_two_sizes(client, officer, ministry):
    panel = [make_reviewer(ministry) for _ in range(3)]
    small = reviewed_round(officer, panel, ["Only antibody"])
    rival_of(ministry, small)
    api = APIClient()
    reviewer_client = client.__class__()
    reviewer_client.cookies.update(client.cookies)
    reviewer_client.force_login(panel[0])
    reviewer_api = APIClient()
    reviewer_api.force_authenticate(panel[0])

    client.force_login(officer)
    api.force_authenticate(officer)
    officer_counts(client, api, small)  # warm caches (content types, sessions)
    reviewer_counts(reviewer_client, reviewer_api)
    small_officer = officer_counts(client, api, small)
    small_reviewer = reviewer_counts(reviewer_client, reviewer_api)
    assert Assignment.objects.filter(reviewer=panel[0]).count() == 1

    big = reviewed_round(officer, panel, ["First antibody", "Second antibody", "Third antibody"])
    rival_of(ministry, big)
    assert Assignment.objects.filter(reviewer=panel[0]).count() == 4

    assert officer_counts(client, api, big) == small_officer
    assert reviewer_counts(reviewer_client, reviewer_api) == small_reviewer
