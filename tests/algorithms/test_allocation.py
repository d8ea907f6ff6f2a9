"""Ranking and allocation of the selection proposal (rules 20, 21, 22, 24)."""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from grants.allocation import (
    Candidate,
    FundingPass,
    NonFitPolicy,
    RankingBasis,
    SelectionSettings,
    ThresholdMiss,
    propose,
)

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
AREAS = ["oncology", "hiv", None]
HALF_POINTS = [Decimal(n) / 2 for n in range(11)]  # 0 .. 5 in 0.5 steps


def cand(aid, total, requested=100, area=None, minutes=0, calibrated=None, **means) -> Candidate:
    return Candidate(
        application_id=aid,
        criterion_means={
            "impact": Decimal(4),
            "novelty": Decimal(4),
            **{k: Decimal(v) for k, v in means.items()},
        },
        total=Decimal(total),
        requested_kopecks=requested,
        submitted_at=T0 + timedelta(minutes=minutes),
        priority_area=area,
        calibrated_total=None if calibrated is None else Decimal(calibrated),
    )


@st.composite
def candidates(draw, max_size: int = 12):
    ids = draw(st.lists(st.integers(1, 500), max_size=max_size, unique=True))
    result = []
    for aid in ids:
        impact, novelty = draw(st.sampled_from(HALF_POINTS)), draw(st.sampled_from(HALF_POINTS))
        total = Decimal("0.6") * impact + Decimal("0.4") * novelty
        result.append(
            Candidate(
                application_id=aid,
                criterion_means={"impact": impact, "novelty": novelty},
                total=total,
                calibrated_total=total + draw(st.sampled_from([Decimal(0), Decimal("0.3"), Decimal("-0.3")])),
                requested_kopecks=draw(st.sampled_from([50, 100, 150, 300, 700])),
                submitted_at=T0 + timedelta(hours=draw(st.integers(0, 3))),
                priority_area=draw(st.sampled_from(AREAS)),
            )
        )
    return result


@st.composite
def round_settings(draw, with_quotas: bool = True, policy=None):
    budget = draw(st.integers(0, 2000))
    quotas = {}
    if with_quotas:
        for area in draw(st.lists(st.sampled_from(["oncology", "hiv"]), unique=True)):
            quotas[area] = draw(st.integers(0, max(0, budget - sum(quotas.values()))))
    return SelectionSettings(
        budget_kopecks=budget,
        criterion_thresholds=draw(
            st.sampled_from([{}, {"impact": Decimal(3)}, {"impact": Decimal(2), "novelty": Decimal("2.5")}])
        ),
        total_threshold=draw(st.sampled_from([None, Decimal(2), Decimal("3.5")])),
        ranking_basis=draw(st.sampled_from(list(RankingBasis))),
        tie_break_order=draw(st.sampled_from([(), ("novelty",), ("novelty", "impact")])),
        quotas_kopecks=quotas,
        non_fit_policy=policy or draw(st.sampled_from(list(NonFitPolicy))),
        unused_quota_returns=draw(st.booleans()),
    )


def expected_order_ok(a: Candidate, b: Candidate, s: SelectionSettings) -> bool:
    """a may come before b under rule 22 (written independently of the module's key)."""
    score = (lambda c: c.total) if s.ranking_basis == RankingBasis.RAW else (lambda c: c.calibrated_total)
    if score(a) != score(b):
        return score(a) > score(b)
    for code in s.tie_break_order:
        if a.criterion_means[code] != b.criterion_means[code]:
            return a.criterion_means[code] > b.criterion_means[code]
    if a.submitted_at != b.submitted_at:
        return a.submitted_at < b.submitted_at
    return a.application_id < b.application_id


@pytest.mark.rule(24)
@settings(max_examples=300, deadline=None)
@given(candidates(), round_settings())
def test_budget_quotas_and_partition_hold_for_any_round(apps, s):
    proposal = propose(apps, s)
    assert proposal.funded_kopecks == sum(f.amount_kopecks for f in proposal.funded) <= s.budget_kopecks
    for usage in proposal.quota_usage:
        in_quota = [
            f
            for f in proposal.funded
            if f.funding_pass == FundingPass.QUOTA and f.priority_area == usage.area
        ]
        assert sum(f.amount_kopecks for f in in_quota) == usage.used_kopecks <= usage.quota_kopecks
    if not s.unused_quota_returns:
        held = sum(u.quota_kopecks - u.used_kopecks for u in proposal.quota_usage)
        global_spent = sum(f.amount_kopecks for f in proposal.funded if f.funding_pass == FundingPass.GLOBAL)
        assert global_spent <= s.budget_kopecks - sum(s.quotas_kopecks.values())
        assert proposal.remaining_kopecks >= held
    funded = [f.application_id for f in proposal.funded]
    below = [b.application_id for b in proposal.below_threshold]
    everything = funded + list(proposal.reserve) + below
    assert sorted(everything) == sorted(c.application_id for c in apps)  # each in exactly one list
    assert all(
        f.amount_kopecks == next(c for c in apps if c.application_id == f.application_id).requested_kopecks
        for f in proposal.funded
    )


@pytest.mark.rule(22)
@settings(max_examples=300, deadline=None)
@given(candidates(), round_settings())
def test_ranking_follows_score_tie_breaks_then_submission_and_reserve_keeps_rank_order(apps, s):
    proposal = propose(apps, s)
    by_id = {c.application_id: c for c in apps}
    order = [r.application_id for r in proposal.ranking]
    for first, second in itertools.pairwise(order):
        assert expected_order_ok(by_id[first], by_id[second], s)
    assert [r.rank for r in proposal.ranking] == list(range(1, len(order) + 1))
    assert list(proposal.reserve) == [aid for aid in order if aid in set(proposal.reserve)]
    assert [f.rank for f in proposal.funded] == sorted(f.rank for f in proposal.funded)


@pytest.mark.rule(20)
@settings(max_examples=200, deadline=None)
@given(candidates(), round_settings())
def test_exactly_the_applications_below_a_threshold_are_excluded_with_their_reasons(apps, s):
    proposal = propose(apps, s)
    reasons = {b.application_id: b.misses for b in proposal.below_threshold}
    for c in apps:
        expected = [
            ThresholdMiss(code, c.criterion_means[code], t)
            for code, t in sorted(s.criterion_thresholds.items())
            if c.criterion_means[code] < t
        ]
        if s.total_threshold is not None and c.total < s.total_threshold:
            expected.append(ThresholdMiss(None, c.total, s.total_threshold))
        assert list(reasons.get(c.application_id, ())) == expected


@pytest.mark.rule(24)
@settings(max_examples=200, deadline=None)
@given(candidates(), round_settings(with_quotas=False, policy=NonFitPolicy.SKIP), st.data())
def test_raising_a_funded_applications_score_never_unfunds_it(apps, s, data):
    proposal = propose(apps, s)
    assume(proposal.funded)
    chosen = data.draw(st.sampled_from([f.application_id for f in proposal.funded]))
    bump = data.draw(st.sampled_from([Decimal("0.1"), Decimal(1), Decimal(5)]))
    raised = [
        replace(c, total=c.total + bump, calibrated_total=c.calibrated_total + bump)
        if c.application_id == chosen
        else c
        for c in apps
    ]
    assert propose(raised, s).status_of(chosen) == "funded"


@pytest.mark.rule(24)
@settings(max_examples=200, deadline=None)
@given(candidates(), round_settings(with_quotas=False, policy=NonFitPolicy.SKIP))
def test_skip_policy_leaves_no_reserve_application_that_would_still_fit(apps, s):
    proposal = propose(apps, s)
    by_id = {c.application_id: c for c in apps}
    assert all(by_id[aid].requested_kopecks > proposal.remaining_kopecks for aid in proposal.reserve)


@pytest.mark.rule(24)
@settings(max_examples=200, deadline=None)
@given(candidates(), round_settings(with_quotas=False, policy=NonFitPolicy.STOP))
def test_stop_policy_funds_a_prefix_of_the_ranking(apps, s):
    proposal = propose(apps, s)
    assert [f.rank for f in proposal.funded] == list(range(1, len(proposal.funded) + 1))
    assert len(proposal.skipped) <= 1


@settings(max_examples=200, deadline=None)
@given(candidates(), round_settings(), st.randoms(use_true_random=False))
def test_same_inputs_in_any_order_give_the_same_proposal(apps, s, rng):
    assert propose(rng.sample(apps, len(apps)), s) == propose(apps, s)


# --- worked examples ------------------------------------------------------------------------------------


@pytest.mark.rule(20)
def test_weights_do_not_rescue_a_criterion_below_its_threshold():
    s = SelectionSettings(
        budget_kopecks=1000,
        criterion_thresholds={"impact": Decimal(3), "novelty": Decimal(3)},
        total_threshold=Decimal(3),
    )
    strong_total = cand(1, "4.6", novelty="2.5")  # a high weighted total does not help
    at_threshold = cand(2, "3.0", impact="3.0", novelty="3")
    weak_total = cand(3, "2.9")
    proposal = propose([strong_total, at_threshold, weak_total], s)
    assert [(b.application_id, b.misses) for b in proposal.below_threshold] == [
        (1, (ThresholdMiss("novelty", Decimal("2.5"), Decimal(3)),)),
        (3, (ThresholdMiss(None, Decimal("2.9"), Decimal(3)),)),
    ]
    assert [f.application_id for f in proposal.funded] == [2]


@pytest.mark.rule(22)
def test_ties_go_to_the_tie_break_criterion_then_to_the_earlier_submission():
    s = SelectionSettings(budget_kopecks=1000, tie_break_order=("novelty",))
    apps = [
        cand(1, "4", minutes=5, novelty="4"),
        cand(2, "4", minutes=9, novelty="4.5"),
        cand(3, "4", minutes=1, novelty="4"),
        cand(4, "4", minutes=1, novelty="4"),
        cand(5, "4.5", minutes=99, novelty="1"),
    ]
    proposal = propose(apps, s)
    assert [r.application_id for r in proposal.ranking] == [5, 2, 3, 4, 1]
    assert proposal.unresolved_ties == ((3, 4),)


@pytest.mark.rule(21)
def test_calibrated_basis_ranks_on_calibrated_totals_but_thresholds_stay_raw():
    s = SelectionSettings(
        budget_kopecks=100, total_threshold=Decimal(3), ranking_basis=RankingBasis.CALIBRATED
    )
    apps = [
        cand(1, "4.0", calibrated="3.6"),
        cand(2, "3.8", calibrated="3.9"),
        cand(3, "2.9", calibrated="4.5"),
    ]
    proposal = propose(apps, s)
    assert [r.application_id for r in proposal.ranking] == [2, 1]
    assert [b.application_id for b in proposal.below_threshold] == [3]
    assert [f.application_id for f in proposal.funded] == [2]
    raw = propose(apps, replace(s, ranking_basis=RankingBasis.RAW))
    assert [f.application_id for f in raw.funded] == [1]
    with pytest.raises(ValueError, match="calibrated"):
        propose([cand(4, "4")], s)


@pytest.mark.rule(24)
def test_skip_funds_the_next_that_fits_and_stop_draws_the_line():
    apps = [cand(1, "5", 600), cand(2, "4.5", 500), cand(3, "4", 300), cand(4, "3.5", 100)]
    skip = propose(apps, SelectionSettings(budget_kopecks=1000))
    assert [f.application_id for f in skip.funded] == [1, 3, 4]
    assert [(k.application_id, k.available_kopecks) for k in skip.skipped] == [(2, 400)]
    assert skip.reserve == (2,)
    assert skip.remaining_kopecks == 0
    stop = propose(apps, SelectionSettings(budget_kopecks=1000, non_fit_policy=NonFitPolicy.STOP))
    assert [f.application_id for f in stop.funded] == [1]
    assert stop.reserve == (2, 3, 4)


@pytest.mark.rule(24)
def test_quota_pass_comes_first_and_unused_quota_returns_only_if_the_round_says_so():
    apps = [
        cand(1, "5", 500, "hiv"),
        cand(2, "4.8", 400, "hiv"),
        cand(3, "3.2", 300, "oncology"),
        cand(4, "3.1", 400, "oncology"),
        cand(5, "3.0", 200, "hiv"),
    ]
    s = SelectionSettings(budget_kopecks=1200, quotas_kopecks={"oncology": 500})
    proposal = propose(apps, s)
    assert [(f.application_id, f.funding_pass) for f in proposal.funded] == [
        (1, FundingPass.GLOBAL),
        (2, FundingPass.GLOBAL),
        (3, FundingPass.QUOTA),
    ]
    assert [(u.area, u.quota_kopecks, u.used_kopecks, u.returned_kopecks) for u in proposal.quota_usage] == [
        ("oncology", 500, 300, 200)
    ]
    assert [(k.application_id, k.funding_pass, k.available_kopecks) for k in proposal.skipped] == [
        (4, FundingPass.QUOTA, 200),
        (4, FundingPass.GLOBAL, 0),
        (5, FundingPass.GLOBAL, 0),
    ]
    kept = propose(apps, replace(s, budget_kopecks=1300, unused_quota_returns=False))
    # 1300 - 500 quota = 800 for the global pass: application 2 no longer fits after 1; 5 does.
    assert [f.application_id for f in kept.funded] == [1, 3, 5]
    assert kept.remaining_kopecks == 300
    returned = propose(apps, replace(s, budget_kopecks=1300))
    assert [f.application_id for f in returned.funded] == [1, 2, 3]


def test_malformed_rounds_are_refused():
    with pytest.raises(ValueError, match="quotas"):
        propose([], SelectionSettings(budget_kopecks=100, quotas_kopecks={"hiv": 60, "oncology": 50}))
    with pytest.raises(ValueError, match="unique"):
        propose([cand(1, "4"), cand(1, "3")], SelectionSettings(budget_kopecks=100))
    with pytest.raises(ValueError, match="no mean"):
        propose(
            [cand(1, "4")],
            SelectionSettings(budget_kopecks=100, criterion_thresholds={"feasibility": Decimal(3)}),
        )
