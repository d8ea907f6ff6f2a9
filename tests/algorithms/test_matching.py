"""Reviewer matching: affinity, the optimal conflict-free assignment and its feasibility report (rule 16)."""

from __future__ import annotations

import random
from decimal import Decimal
from itertools import combinations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reviewers.matching import (
    AffinityWeights,
    ApplicationProfile,
    ReviewerProfile,
    affinity,
    assign_reviewers,
    icd10_chapter,
)
from reviewers.matching.affinity import affinity_table
from reviewers.matching.feasibility import (
    CAPACITY_SHORTFALL,
    DEMAND_EXCEEDS_CAPACITY,
    FORCED_PAIR_CONFLICTED,
    MIN_LOAD_UNREACHABLE,
    MIN_LOADS_EXCEED_DEMAND,
    MIN_LOADS_UNMET,
    TOO_FEW_CANDIDATES,
)
from tests.algorithms.strategies import assignment_problems

MINIMUM = AffinityWeights().milli("minimum")


def brute_force(problem: dict) -> int | None:
    """The best objective (thousandths) over every assignment, or None when none exists."""
    k = problem["reviewers_per_application"]
    conflicts, forced = set(problem["conflicts"]), set(problem["forced"])
    if conflicts & forced:
        return None
    revs = {r.reviewer_id: r for r in problem["reviewers"]}
    score = {
        (a.application_id, r.reviewer_id): int(affinity(a, r) * 1000)
        for a in problem["applications"]
        for r in problem["reviewers"]
    }
    options = []
    for app in problem["applications"]:
        aid = app.application_id
        must = {r for a, r in forced if a == aid}
        free = [rid for rid in revs if (aid, rid) not in conflicts | forced and score[aid, rid] >= MINIMUM]
        combos = [must | set(c) for c in combinations(free, k - len(must))] if len(must) <= k else []
        options.append([(aid, combo) for combo in combos])
    best = None

    def walk(i: int, loads: dict[int, int], total: int) -> None:
        nonlocal best
        if i == len(options):
            if all(revs[rid].min_load <= loads.get(rid, 0) for rid in revs) and (
                best is None or total > best
            ):
                best = total
            return
        for aid, combo in options[i]:
            if all(loads.get(rid, 0) < revs[rid].max_load for rid in combo):
                for rid in combo:
                    loads[rid] = loads.get(rid, 0) + 1
                walk(i + 1, loads, total + sum(score[aid, rid] for rid in combo))
                for rid in combo:
                    loads[rid] -= 1

    walk(0, {}, 0)
    return best


def check_valid(problem: dict, result) -> None:
    """What a feasible assignment must satisfy, checked from the outside."""
    k = problem["reviewers_per_application"]
    conflicts = set(problem["conflicts"])
    for app in problem["applications"]:
        chosen = result.reviewers_of(app.application_id)
        assert len(chosen) == k
        assert len(set(chosen)) == k
        assert not {(app.application_id, rid) for rid in chosen} & conflicts
    loads = result.loads()
    for rev in problem["reviewers"]:
        assert rev.min_load <= loads.get(rev.reviewer_id, 0) <= rev.max_load
    assert set(problem["forced"]) <= {(p.application_id, p.reviewer_id) for p in result.pairs}
    assert result.objective == sum(p.affinity for p in result.pairs)


@pytest.mark.rule(16)
@settings(max_examples=300, deadline=None)
@given(assignment_problems(forced=True))
def test_assignment_is_optimal_or_reported_infeasible_with_nothing_assigned(problem):
    result = assign_reviewers(**problem)
    best = brute_force(problem)
    if best is None:
        assert not result.feasible
        assert result.blockers
        assert result.pairs == ()
        assert result.objective == 0
    else:
        assert result.feasible, result.blockers
        check_valid(problem, result)
        assert result.objective == Decimal(best) / 1000


@pytest.mark.rule(16)
@settings(max_examples=100, deadline=None)
@given(assignment_problems(max_apps=10, max_revs=8, max_k=3, max_min_load=0), st.data())
def test_optimum_is_at_least_as_good_as_greedy(problem, data):
    k = problem["reviewers_per_application"]
    conflicts = set(problem["conflicts"])
    room = {r.reviewer_id: r.max_load for r in problem["reviewers"]}
    greedy = 0
    order = data.draw(st.permutations(problem["applications"]))
    for app in order:
        ranked = sorted(
            (rid for rid in room if (app.application_id, rid) not in conflicts and room[rid] > 0),
            key=lambda rid: -affinity(app, next(r for r in problem["reviewers"] if r.reviewer_id == rid)),
        )
        picked = [
            rid
            for rid in ranked
            if affinity(app, next(r for r in problem["reviewers"] if r.reviewer_id == rid)) >= Decimal("0.5")
        ][:k]
        if len(picked) < k:
            greedy = None
            break
        for rid in picked:
            room[rid] -= 1
            greedy += affinity(app, next(r for r in problem["reviewers"] if r.reviewer_id == rid))
    result = assign_reviewers(**problem)
    if greedy is not None:
        assert result.feasible
        assert result.objective >= greedy
    if result.feasible:
        check_valid(problem, result)


@pytest.mark.rule(16)
@settings(max_examples=100, deadline=None)
@given(
    assignment_problems(max_apps=8, max_revs=8, max_k=3, max_min_load=1), st.randoms(use_true_random=False)
)
def test_same_inputs_give_the_same_assignment_whatever_their_order(problem, rng):
    first = assign_reviewers(**problem)
    shuffled = dict(problem)
    for key in ("applications", "reviewers", "conflicts"):
        shuffled[key] = rng.sample(problem[key], len(problem[key]))
    second = assign_reviewers(**shuffled)
    assert second.pairs == first.pairs
    assert second.blockers == first.blockers
    assert second.input_hash == first.input_hash
    assert second.objective == first.objective


def _symmetric(n_apps: int, n_revs: int, max_load: int):
    apps = [ApplicationProfile(i, priority_area="oncology") for i in range(1, n_apps + 1)]
    revs = [ReviewerProfile(j, max_load=max_load, priority_areas=("oncology",)) for j in range(1, n_revs + 1)]
    return apps, revs


def test_seed_breaks_ties_without_changing_the_objective():
    apps, revs = _symmetric(6, 9, max_load=2)
    results = [assign_reviewers(apps, revs, reviewers_per_application=3, seed=seed) for seed in range(10)]
    assert {r.objective for r in results} == {Decimal(54)}
    assert len({r.pairs for r in results}) > 1  # ties are not always settled in favour of low ids
    assert len({r.input_hash for r in results}) == 10  # the seed is part of the stored inputs
    again = assign_reviewers(apps, revs, reviewers_per_application=3, seed=3)
    assert again.pairs == results[3].pairs


def test_run_records_hash_solver_and_version():
    apps, revs = _symmetric(2, 3, max_load=2)
    result = assign_reviewers(apps, revs, reviewers_per_application=2)
    assert len(result.input_hash) == 64
    assert result.solver == "ortools.SimpleMinCostFlow"
    assert result.solver_version == "9.15.6755"
    changed = assign_reviewers(apps, revs, reviewers_per_application=2, conflicts=[(1, 1)])
    assert changed.input_hash != result.input_hash


@pytest.mark.rule(13)
def test_a_conflict_gets_no_arc_even_when_that_makes_the_round_infeasible():
    apps = [ApplicationProfile(1, priority_area="oncology")]
    revs = [ReviewerProfile(7, max_load=1, priority_areas=("oncology",))]
    result = assign_reviewers(apps, revs, reviewers_per_application=1, conflicts=[(1, 7)])
    assert not result.feasible
    assert result.pairs == ()
    assert [(b.code, b.application_ids, b.required, b.available) for b in result.blockers] == [
        (TOO_FEW_CANDIDATES, (1,), 1, 0)
    ]


@pytest.mark.rule(16)
def test_report_names_the_applications_without_enough_eligible_reviewers():
    apps, revs = _symmetric(3, 4, max_load=3)
    conflicts = [(2, 1), (2, 2), (3, 4)]
    result = assign_reviewers(apps, revs, reviewers_per_application=3, conflicts=conflicts)
    assert result.pairs == ()
    assert [
        (b.code, b.application_ids, b.reviewer_ids, b.required, b.available) for b in result.blockers
    ] == [(TOO_FEW_CANDIDATES, (2,), (3, 4), 3, 2)]


@pytest.mark.rule(16)
def test_report_names_the_total_limits():
    apps, revs = _symmetric(4, 3, max_load=3)
    revs = [
        ReviewerProfile(r.reviewer_id, min_load=r.reviewer_id, max_load=3, priority_areas=("oncology",))
        for r in revs
    ]
    result = assign_reviewers(apps, revs, reviewers_per_application=3)
    assert result.pairs == ()
    assert [(b.code, b.required, b.available) for b in result.blockers] == [(DEMAND_EXCEEDS_CAPACITY, 12, 9)]
    result = assign_reviewers(apps[:1], revs, reviewers_per_application=3)
    assert [(b.code, b.reviewer_ids, b.required, b.available) for b in result.blockers] == [
        (MIN_LOADS_EXCEED_DEMAND, (), 6, 3),
        (MIN_LOAD_UNREACHABLE, (2,), 2, 1),
        (MIN_LOAD_UNREACHABLE, (3,), 3, 1),
    ]


@pytest.mark.rule(16)
def test_report_names_the_group_of_applications_and_the_reviewers_at_their_maximum():
    # Applications 1 and 2 need 2 reviewers each and may only have reviewers 10 and 11 (one review each):
    # every count is fine, yet 4 reviews must come from 2. Reviewers 12 and 13 serve application 3 only.
    apps = [ApplicationProfile(a, priority_area="hiv" if a < 3 else "oncology") for a in (1, 2, 3)]
    revs = [ReviewerProfile(r, max_load=1, priority_areas=("hiv",)) for r in (10, 11)]
    revs += [ReviewerProfile(r, max_load=5, priority_areas=("oncology",)) for r in (12, 13)]
    extra = [(a, r) for a in (1, 2) for r in (12, 13)]
    result = assign_reviewers(apps, revs, reviewers_per_application=2, conflicts=extra)
    assert result.pairs == ()
    assert [
        (b.code, b.application_ids, b.reviewer_ids, b.required, b.available) for b in result.blockers
    ] == [(CAPACITY_SHORTFALL, (1, 2), (10, 11), 4, 2)]


@pytest.mark.rule(16)
def test_report_names_the_reviewers_whose_minimum_load_cannot_be_met():
    # Reviewers 10 and 11 must take 2 each but are eligible only for applications 1 and 2 (k = 1):
    # the totals are fine (4 minimum <= 5 demand), yet 4 reviews cannot come from 2 places.
    apps = [ApplicationProfile(a, priority_area="hiv" if a < 3 else "oncology") for a in (1, 2, 3, 4, 5)]
    revs = [ReviewerProfile(r, min_load=2, max_load=2, priority_areas=("hiv",)) for r in (10, 11)]
    revs += [ReviewerProfile(12, max_load=3, priority_areas=("oncology", "hiv"))]
    result = assign_reviewers(apps, revs, reviewers_per_application=1)
    assert result.pairs == ()
    assert [
        (b.code, b.application_ids, b.reviewer_ids, b.required, b.available) for b in result.blockers
    ] == [(MIN_LOADS_UNMET, (1, 2), (10, 11), 4, 2)]


@pytest.mark.rule(16)
def test_resolving_after_a_decline_keeps_existing_assignments_and_fills_the_hole():
    rng = random.Random(5)
    apps = [ApplicationProfile(a, priority_area=rng.choice(["hiv", "oncology"])) for a in range(1, 9)]
    revs = [ReviewerProfile(r, max_load=4, priority_areas=("hiv", "oncology")) for r in range(1, 9)]
    first = assign_reviewers(apps, revs, reviewers_per_application=3, seed=2)
    declined = first.pairs[4]
    kept = [(p.application_id, p.reviewer_id) for p in first.pairs if p != declined]
    second = assign_reviewers(
        apps,
        revs,
        reviewers_per_application=3,
        conflicts=[(declined.application_id, declined.reviewer_id)],
        forced=kept,
        seed=2,
    )
    assert second.feasible
    new = {(p.application_id, p.reviewer_id) for p in second.pairs} - set(kept)
    assert len(new) == 1
    (application_id, reviewer_id) = new.pop()
    assert application_id == declined.application_id
    assert reviewer_id != declined.reviewer_id
    assert all(p.kept for p in second.pairs if (p.application_id, p.reviewer_id) in set(kept))


@pytest.mark.rule(13)
def test_a_kept_pair_that_became_a_conflict_blocks_the_run():
    apps, revs = _symmetric(1, 3, max_load=1)
    result = assign_reviewers(apps, revs, reviewers_per_application=2, forced=[(1, 2)], conflicts=[(1, 2)])
    assert result.pairs == ()
    assert [(b.code, b.application_ids, b.reviewer_ids) for b in result.blockers] == [
        (FORCED_PAIR_CONFLICTED, (1,), (2,))
    ]


def test_candidate_limit_keeps_only_the_best_reviewers():
    apps = [ApplicationProfile(1, priority_area="hiv", modalities=("mrna",), keywords=("capsid",))]
    revs = [
        ReviewerProfile(1, max_load=1, priority_areas=("hiv",), modalities=("mrna",), keywords=("capsid",)),
        ReviewerProfile(2, max_load=1, priority_areas=("hiv",), modalities=("mrna",)),
        ReviewerProfile(3, max_load=1, priority_areas=("hiv",)),
        ReviewerProfile(4, max_load=1, modalities=("mrna",)),
    ]
    result = assign_reviewers(apps, revs, reviewers_per_application=2, max_candidates=2)
    assert result.reviewers_of(1) == (1, 2)
    assert result.objective == Decimal("9.5")
    short = assign_reviewers(apps, revs, reviewers_per_application=3, max_candidates=2)
    assert [b.code for b in short.blockers] == [TOO_FEW_CANDIDATES]


def test_malformed_input_is_refused():
    apps, revs = _symmetric(1, 2, max_load=1)
    with pytest.raises(ValueError, match="unique"):
        assign_reviewers(apps + apps, revs)
    with pytest.raises(ValueError, match="min_load"):
        assign_reviewers(apps, [ReviewerProfile(1, min_load=2, max_load=1)])
    with pytest.raises(ValueError, match="unknown"):
        assign_reviewers(apps, revs, forced=[(1, 99)])
    with pytest.raises(ValueError, match="positive"):
        assign_reviewers(apps, revs, weights=AffinityWeights(minimum=Decimal(0)))


# --- affinity -----------------------------------------------------------------------------------------


def test_affinity_prefers_the_finer_atc_and_icd10_level_and_counts_each_once():
    app = ApplicationProfile(1, atc_codes=("L01XC03",), icd10_codes=("C50.9",))
    assert affinity(app, ReviewerProfile(1, atc_codes=("L01XC",))) == Decimal(2)
    assert affinity(app, ReviewerProfile(1, atc_codes=("L01", "L01X"))) == Decimal(2)
    assert affinity(app, ReviewerProfile(1, atc_codes=("L01E",))) == Decimal(1)
    assert affinity(app, ReviewerProfile(1, atc_codes=("L02",))) == Decimal(0)
    assert affinity(app, ReviewerProfile(1, icd10_codes=("c50",))) == Decimal(2)
    assert affinity(app, ReviewerProfile(1, icd10_codes=("C34",))) == Decimal(1)  # same chapter II
    assert affinity(app, ReviewerProfile(1, icd10_chapters=("II",))) == Decimal(1)
    assert affinity(app, ReviewerProfile(1, icd10_chapters=("III",))) == Decimal(0)


def test_affinity_sums_area_modality_and_capped_keywords():
    app = ApplicationProfile(1, priority_area=4, modalities=("mRNA",), keywords=("a", "b", "c", "d Е"))
    rev = ReviewerProfile(1, priority_areas=(4,), modalities=("mrna",), keywords=("A", "b", "c", "d  е"))
    assert affinity(app, rev) == Decimal(3) + Decimal("1.5") + 3 * Decimal("0.5")
    weights = AffinityWeights(keyword_cap=10, keyword=Decimal("0.25"))
    assert affinity(app, rev, weights) == Decimal(3) + Decimal("1.5") + 4 * Decimal("0.25")


def test_icd10_chapters_follow_the_who_ranges():
    assert [icd10_chapter(c) for c in ("A00", "B99.1", "C50.9", "D48", "D50", "H59", "H60", "T98", "V01", "U07.1")] == [
        "I", "I", "II", "II", "III", "VII", "VIII", "XIX", "XX", "XXII",
    ]  # fmt: skip


@settings(max_examples=50, deadline=None)
@given(assignment_problems(max_apps=6, max_revs=6))
def test_affinity_table_agrees_with_the_pairwise_affinity(problem):
    table = affinity_table(problem["applications"], problem["reviewers"], AffinityWeights())
    for app in problem["applications"]:
        for rev in problem["reviewers"]:
            expected = int(affinity(app, rev) * 1000)
            assert table[app.application_id].get(rev.reviewer_id, 0) == expected


@pytest.mark.rule(16)
def test_pairs_below_the_minimum_affinity_get_no_arc_but_kept_pairs_stay():
    apps = [ApplicationProfile(1, priority_area="hiv", modalities=("mrna",))]
    revs = [
        ReviewerProfile(1, max_load=1, priority_areas=("hiv",), modalities=("mrna",)),  # 4.5
        ReviewerProfile(2, max_load=1, modalities=("mrna",)),  # 1.5
    ]
    strict = AffinityWeights(minimum=Decimal(2))
    result = assign_reviewers(apps, revs, reviewers_per_application=2, weights=strict)
    assert result.pairs == ()
    assert [(b.code, b.reviewer_ids, b.available) for b in result.blockers] == [(TOO_FEW_CANDIDATES, (1,), 1)]
    kept = assign_reviewers(apps, revs, reviewers_per_application=2, weights=strict, forced=[(1, 2)])
    assert kept.reviewers_of(1) == (1, 2)
    assert kept.objective == Decimal(6)
