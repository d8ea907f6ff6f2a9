"""Aggregation (rule 21's total, the spread and the discussion flag) and reviewer calibration (rule 21)."""

from __future__ import annotations

import random
import statistics
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reviewers.calibration import (
    METHOD,
    Criterion,
    Review,
    ReviewTotal,
    aggregate,
    calibrate,
    review_totals,
)

RUBRIC = [Criterion("impact", Decimal("0.6")), Criterion("novelty", Decimal("0.4"))]


def review(aid: int, rid: int, impact: str, novelty: str) -> Review:
    return Review(aid, rid, {"impact": Decimal(impact), "novelty": Decimal(novelty)})


@pytest.mark.rule(21)
def test_total_is_the_weighted_sum_of_criterion_means_with_spread_and_flag():
    reviews = [
        review(1, 10, "4", "5"),
        review(1, 11, "3", "2.5"),
        review(1, 12, "5", "4.5"),
        review(2, 10, "2", "2"),
    ]
    scores = aggregate(reviews, RUBRIC, discussion_spread=Decimal("1.6"))
    first = scores[1]
    assert first.criterion_means == {"impact": Decimal(4), "novelty": Decimal(4)}
    assert first.total == Decimal("4.0")  # 0.6 x 4 + 0.4 x 4
    assert first.reviewer_totals == {10: Decimal("4.4"), 11: Decimal("2.8"), 12: Decimal("4.8")}
    assert first.spread == Decimal("2.0")
    assert first.std_dev.quantize(Decimal("0.0001")) == Decimal("1.0583")  # sample sd of 4.4, 2.8, 4.8
    assert first.needs_discussion
    assert scores[2].spread == 0 and scores[2].std_dev == 0 and not scores[2].needs_discussion
    at_threshold = aggregate(reviews, RUBRIC, discussion_spread=Decimal("2.0"))[1]
    above = aggregate(reviews, RUBRIC, discussion_spread=Decimal("2.01"))[1]
    assert at_threshold.needs_discussion and not above.needs_discussion
    by_criterion = aggregate(reviews, RUBRIC, criterion_discussion_spread=Decimal(2))[1]
    assert by_criterion.needs_discussion  # novelty: 5 vs 2.5
    assert not aggregate(reviews, RUBRIC, criterion_discussion_spread=Decimal("2.6"))[1].needs_discussion


def test_a_review_must_score_exactly_the_rubric():
    with pytest.raises(ValueError, match="exactly the rubric"):
        aggregate([Review(1, 10, {"impact": Decimal(4)})], RUBRIC)
    with pytest.raises(ValueError, match="twice"):
        aggregate([review(1, 10, "4", "4"), review(1, 10, "3", "3")], RUBRIC)


HALF = st.sampled_from([str(Decimal(n) / 2) for n in range(11)])


@pytest.mark.rule(21)
@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(HALF, HALF), min_size=1, max_size=6))
def test_total_equals_the_mean_of_reviewer_totals_and_lies_between_them(scores):
    reviews = [review(1, rid, i, n) for rid, (i, n) in enumerate(scores)]
    s = aggregate(reviews, RUBRIC)[1]
    totals = list(s.reviewer_totals.values())
    # Equal in exact arithmetic; the two orders of summing may differ in the 28th significant digit.
    assert abs(s.total - sum(totals) / len(totals)) < Decimal("1e-20")
    assert min(totals) - Decimal("1e-20") <= s.total <= max(totals) + Decimal("1e-20")
    assert 0 <= s.std_dev <= s.spread == max(totals) - min(totals)


# --- calibration ----------------------------------------------------------------------------------------


def balanced_design(
    n_apps: int, n_revs: int, k: int, rng: random.Random, first_app: int = 1, first_rev: int = 1
):
    """Each application gets k of the least-loaded reviewers (random among equals): connected, even loads."""
    load = dict.fromkeys(range(first_rev, first_rev + n_revs), 0)
    pairs = []
    for aid in range(first_app, first_app + n_apps):
        for rid in sorted(load, key=lambda r: (load[r], rng.random()))[:k]:
            load[rid] += 1
            pairs.append((aid, rid))
    return pairs


def simulate(seed: int, bias: dict[int, float], n_apps=80, n_revs=10, first_app=1, first_rev=1, level=5.0):
    rng = random.Random(seed)
    pairs = balanced_design(n_apps, n_revs, 3, rng, first_app, first_rev)
    quality = {aid: rng.gauss(0, 1) for aid, _ in pairs}
    rows = [
        ReviewTotal(
            aid, rid, Decimal(str(round(level + quality[aid] + bias.get(rid, 0.0) + rng.gauss(0, 0.3), 2)))
        )
        for aid, rid in pairs
    ]
    return quality, rows


def raw_totals(rows) -> dict[int, Decimal]:
    by_app: dict[int, list[Decimal]] = {}
    for aid, _, total in rows:
        by_app.setdefault(aid, []).append(total)
    return {aid: sum(v) / len(v) for aid, v in by_app.items()}


def ranks(values: dict[int, Decimal]) -> dict[int, int]:
    return {aid: i for i, aid in enumerate(sorted(values, key=lambda a: (values[a], a)))}


@pytest.mark.rule(21)
@pytest.mark.parametrize("seed", range(5))
def test_without_reviewer_bias_the_calibrated_ranking_matches_the_raw_one(seed):
    _, rows = simulate(seed, {})
    result = calibrate(rows)
    raw = raw_totals(rows)
    assert max(abs(raw[a] - result.calibrated_totals[a]) for a in raw) < Decimal("0.1")
    raw_rank, cal_rank = ranks(raw), ranks(result.calibrated_totals)
    n = len(raw)
    rho = 1 - 6 * sum((raw_rank[a] - cal_rank[a]) ** 2 for a in raw) / (n * (n * n - 1))
    assert rho > 0.995


@pytest.mark.rule(21)
@pytest.mark.parametrize("seed", range(5))
def test_a_reviewer_who_adds_one_point_to_everything_is_corrected(seed):
    quality, rows = simulate(seed, {1: 1.0})
    result = calibrate(rows)
    others = statistics.median(v for rid, v in result.offsets.items() if rid != 1)
    assert Decimal("0.7") < result.offsets[1] - others < Decimal("1.3")
    raw = raw_totals(rows)
    lenient = {aid for aid, rid, _ in rows if rid == 1}

    def advantage(totals) -> float:
        """How much higher the lenient reviewer's applications stand than their quality says."""
        error = {aid: float(totals[aid]) - 5 - quality[aid] for aid in totals}
        return statistics.mean(error[a] for a in lenient) - statistics.mean(
            e for a, e in error.items() if a not in lenient
        )

    assert advantage(raw) > 0.25  # about 1/3: one review of three
    assert advantage(result.calibrated_totals) < advantage(raw) / 2


@pytest.mark.rule(21)
def test_a_reviewer_with_too_few_reviews_is_left_uncorrected():
    _, rows = simulate(3, {})
    # Reviewer 99 reviews three applications two points too high, next to two fresh reviewers each.
    extra = []
    for aid in (201, 202, 203):
        extra += [ReviewTotal(aid, 99, Decimal("7.5")), ReviewTotal(aid, 300 + aid, Decimal("5.5"))]
    extra += [ReviewTotal(1, 99, Decimal("8"))]
    result = calibrate(rows + extra, min_reviews=6)
    assert 99 not in result.offsets
    assert 99 in result.uncorrected_reviewers
    raw = raw_totals(rows + extra)
    for aid in (201, 202, 203):  # nobody with enough reviews looked at them: nothing to correct
        assert result.calibrated_totals[aid] == raw[aid].quantize(Decimal("0.000001")) == Decimal("6.5")
    lowered = calibrate(rows + extra, min_reviews=4)
    assert 99 in lowered.offsets and lowered.offsets[99] > Decimal("1")


@pytest.mark.rule(21)
def test_disconnected_components_are_fitted_separately():
    _, first = simulate(1, {2: 0.8}, first_app=1, first_rev=1, level=4.0)
    _, second = simulate(2, {103: -0.8}, n_apps=40, n_revs=6, first_app=1001, first_rev=101, level=7.0)
    both = calibrate(second + first)
    alone = calibrate(first)
    assert both.component_sizes == [(80, 10), (40, 6)]
    assert [c.application_ids[0] for c in both.components] == [1, 1001]
    assert {rid: both.offsets[rid] for rid in alone.offsets} == alone.offsets
    assert {aid: both.calibrated_totals[aid] for aid in alone.calibrated_totals} == alone.calibrated_totals
    assert both.components[0] == alone.components[0]
    assert both.components[1].mean > both.components[0].mean + 2  # each component keeps its own level


@st.composite
def small_rounds(draw):
    n_revs = draw(st.integers(2, 6))
    rows = []
    for aid in range(1, draw(st.integers(1, 15)) + 1):
        for rid in draw(st.lists(st.integers(1, n_revs), min_size=1, max_size=3, unique=True)):
            rows.append(ReviewTotal(aid, rid, Decimal(draw(st.integers(0, 20))) / 2))
    return rows


@pytest.mark.rule(21)
@settings(max_examples=150, deadline=None)
@given(small_rounds(), st.integers(2, 4), st.randoms(use_true_random=False))
def test_calibration_only_shifts_by_reviewer_offsets_and_is_deterministic(rows, min_reviews, rng):
    result = calibrate(rows, min_reviews=min_reviews)
    assert result.method == METHOD
    again = calibrate(rng.sample(rows, len(rows)), min_reviews=min_reviews)
    assert again == result
    raw = raw_totals(rows)
    counts: dict[int, int] = {}
    for _, rid, _ in rows:
        counts[rid] = counts.get(rid, 0) + 1
    assert set(result.offsets) == {rid for rid, n in counts.items() if n >= min_reviews}
    for aid, total in raw.items():
        reviewers = [rid for a, rid, _ in rows if a == aid]
        shift = sum(result.offsets.get(rid, Decimal(0)) for rid in reviewers) / len(reviewers)
        # Additive correction only: no rescaling of a reviewer's scores (never z-scores).
        assert result.calibrated_totals[aid] == (total - shift).quantize(Decimal("0.000001"))
    for fit in result.components:
        assert fit.reviewer_variance >= 0 and fit.noise_variance >= 0


def test_calibration_input_is_checked():
    with pytest.raises(ValueError, match="min_reviews"):
        calibrate([], min_reviews=1)
    with pytest.raises(ValueError, match="twice"):
        calibrate([ReviewTotal(1, 1, Decimal(3)), ReviewTotal(1, 1, Decimal(4))])
    assert calibrate([]).calibrated_totals == {}


def test_review_totals_feed_calibration_from_aggregates():
    scores = aggregate([review(1, 10, "4", "5"), review(1, 11, "3", "2.5")], RUBRIC)
    assert sorted(review_totals(scores)) == [(1, 10, Decimal("4.4")), (1, 11, Decimal("2.8"))]
