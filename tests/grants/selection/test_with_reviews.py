"""The selection on real reviews: the reviewers app's provider (registered at start-up) feeds the run,
the firm reads the real comments without reviewer identities, and an upheld appeal sends the
application to new reviewers through the reviewers app's hook (rules 21, 23, 26)."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from grants import scoring
from grants.models import Round
from grants.services import round_transition
from grants.services.appeals import appeal_decide, appeal_submit
from grants.services.decisions import DecisionInput, decisions_record, minutes_upload, selection_publish
from grants.services.selection import selection_run
from reviewers.models import Assignment
from tests.grants.selection.builders import (
    close_and_screen,
    open_round,
    pdf,
    review_everything,
    reviewer_panel,
    signed_in,
    submit,
    text_of,
)


@pytest.mark.rule(26)
def test_selection_on_real_reviews_and_an_appeal_to_new_reviewers(officer, ministry, reference_lists):
    assert scoring.round_scores.__module__ == "grants.scoring"
    round_ = open_round(officer, budget="8000000")
    alpha, beta, gamma = (submit(round_, amount="4000000", title=t) for t in ("Alpha", "Beta", "Gamma"))
    round_ = close_and_screen(officer, round_)
    panel = reviewer_panel(ministry, 6)
    review_everything(officer, round_, {alpha.pk: "4.5", beta.pk: "4", gamma.pk: "3.5"})
    round_ = round_transition(actor=officer, round=Round.objects.get(pk=round_.pk), action="start_selection")

    proposal = selection_run(actor=officer, round=round_)  # all k = 3 reviews in: no exception needed
    inputs = {row["application_id"]: row for row in proposal.snapshot["inputs"]["candidates"]}
    assert {pk: (Decimal(r["total"]), r["submitted_reviews"]) for pk, r in inputs.items()} == {
        alpha.pk: (Decimal("4.5"), 3), beta.pk: (Decimal("4"), 3), gamma.pk: (Decimal("3.5"), 3),
    }  # fmt: skip
    assert proposal.snapshot["result"]["reserve"] == [gamma.pk]

    decisions_record(
        actor=officer,
        round=round_,
        decisions=[DecisionInput(alpha.pk, "selected"), DecisionInput(beta.pk, "selected"),
                   DecisionInput(gamma.pk, "reserve")],
    )  # fmt: skip
    minutes_upload(actor=officer, round=round_, upload=pdf())
    selection_publish(actor=officer, round=round_)
    # The decided applications keep their scores for the published ranking and the auditor.
    after = scoring.round_scores(Round.objects.get(pk=round_.pk)).applications
    assert {pk: after[pk].total for pk in (alpha.pk, beta.pk, gamma.pk)} == {
        alpha.pk: Decimal("4.5"), beta.pk: Decimal("4"), gamma.pk: Decimal("3.5"),
    }  # fmt: skip

    page = text_of(signed_in(gamma.created_by).get(f"/grants/selection/results/{gamma.pk}/"))
    assert page.count("Overall 3.5 out of 5.") == 3
    assert "Reviewer 1" in page and "Reviewer 3" in page
    for reviewer in panel:  # who reviewed is never shown
        assert not re.search(rf"\b{reviewer.username}\b", page)
        assert reviewer.get_full_name() not in page

    first = set(Assignment.objects.filter(application=gamma).values_list("reviewer_id", flat=True))
    appeal = appeal_submit(
        actor=gamma.created_by,
        application=gamma,
        grounds="conflict_of_interest",
        text="Reviewer consulted a rival.",
    )
    appeal_decide(actor=officer, appeal=appeal, uphold=True, reason="Undeclared consultancy confirmed.")
    active = set(
        Assignment.objects.filter(application=gamma, state__in=("assigned", "declared")).values_list(
            "reviewer_id", flat=True
        )
    )
    assert len(active) == 3
    assert active.isdisjoint(first)  # new reviewers, never the earlier ones
