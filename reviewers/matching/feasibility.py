"""Pre-flight feasibility of an assignment (rule 16; domain-rules §3.6, item 4).

Before anything is solved, the problem is checked: simple counts first (they give the plainest
explanation), then two exact max-flow checks. By Hoffman's circulation theorem the assignment
exists if and only if both max-flow checks pass, so when they do the solver cannot fail, and when
they do not the minimum cut names the exact set of applications (or reviewers) that blocks it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from ortools.graph.python import max_flow

# Blocker codes; the service layer turns each into a translated message from the numbers below.
FORCED_PAIR_CONFLICTED = "forced_pair_conflicted"
FORCED_EXCEEDS_DEMAND = "forced_exceeds_demand"
FORCED_EXCEEDS_MAX_LOAD = "forced_exceeds_max_load"
DEMAND_EXCEEDS_CAPACITY = "demand_exceeds_capacity"
MIN_LOADS_EXCEED_DEMAND = "min_loads_exceed_demand"
TOO_FEW_CANDIDATES = "too_few_candidates"
MIN_LOAD_UNREACHABLE = "min_load_unreachable"
CAPACITY_SHORTFALL = "capacity_shortfall"
MIN_LOADS_UNMET = "min_loads_unmet"


@dataclass(frozen=True)
class Blocker:
    """One reason the assignment is impossible.

    `required` and `available` are counts of reviews (reviewer-application pairs) after existing
    assignments are kept; `detail` is an English sentence for logs, not for users.
    """

    code: str
    application_ids: tuple[int, ...] = ()
    reviewer_ids: tuple[int, ...] = ()
    required: int = 0
    available: int = 0
    detail: str = ""


@dataclass
class Residual:
    """What is left to assign once kept (forced) pairs are taken out."""

    app_ids: list[int]
    rev_ids: list[int]
    demand: dict[int, int]  # application -> reviewers still needed
    low: dict[int, int]  # reviewer -> minimum further assignments
    high: dict[int, int]  # reviewer -> maximum further assignments
    arcs: dict[int, dict[int, int]]  # application -> {reviewer: affinity in thousandths}, candidates only


def count_checks(problem: Residual) -> list[Blocker]:
    """Necessary conditions that are cheap to state: totals, and each node's own candidate count."""
    blockers: list[Blocker] = []
    total_demand = sum(problem.demand.values())
    total_high = sum(problem.high.values())
    total_low = sum(problem.low.values())
    if total_demand > total_high:
        blockers.append(
            Blocker(
                DEMAND_EXCEEDS_CAPACITY,
                required=total_demand,
                available=total_high,
                detail=f"{total_demand} reviews are needed but the reviewers' maximum loads allow {total_high}.",
            )
        )
    if total_low > total_demand:
        blockers.append(
            Blocker(
                MIN_LOADS_EXCEED_DEMAND,
                required=total_low,
                available=total_demand,
                detail=f"The reviewers' minimum loads add up to {total_low} but only {total_demand} reviews are needed.",
            )
        )
    candidates_of: dict[int, int] = dict.fromkeys(problem.rev_ids, 0)
    for aid in problem.app_ids:
        row = problem.arcs.get(aid, {})
        for rid in row:
            candidates_of[rid] += 1
        if len(row) < problem.demand[aid]:
            blockers.append(
                Blocker(
                    TOO_FEW_CANDIDATES,
                    application_ids=(aid,),
                    reviewer_ids=tuple(sorted(row)),
                    required=problem.demand[aid],
                    available=len(row),
                    detail=f"Application {aid} needs {problem.demand[aid]} more reviewers but has {len(row)} eligible.",
                )
            )
    for rid in problem.rev_ids:
        if candidates_of[rid] < problem.low[rid]:
            blockers.append(
                Blocker(
                    MIN_LOAD_UNREACHABLE,
                    reviewer_ids=(rid,),
                    required=problem.low[rid],
                    available=candidates_of[rid],
                    detail=f"Reviewer {rid} must take {problem.low[rid]} more but is eligible for {candidates_of[rid]}.",
                )
            )
    return blockers


def _max_flow(problem: Residual, reviewer_cap: dict[int, int]) -> tuple[max_flow.SimpleMaxFlow, int]:
    """Source 0 -> reviewer (cap) -> application (1 per candidate pair) -> sink 1 (cap = demand)."""
    rev_node = {rid: 2 + i for i, rid in enumerate(problem.rev_ids)}
    app_node = {aid: 2 + len(rev_node) + i for i, aid in enumerate(problem.app_ids)}
    tails, heads, caps = [], [], []
    for rid in problem.rev_ids:
        tails.append(0), heads.append(rev_node[rid]), caps.append(reviewer_cap[rid])
    for aid in problem.app_ids:
        for rid in sorted(problem.arcs.get(aid, {})):
            tails.append(rev_node[rid]), heads.append(app_node[aid]), caps.append(1)
        tails.append(app_node[aid]), heads.append(1), caps.append(problem.demand[aid])
    flow = max_flow.SimpleMaxFlow()
    if tails:
        flow.add_arcs_with_capacity(
            np.array(tails, dtype=np.int32), np.array(heads, dtype=np.int32), np.array(caps, dtype=np.int64)
        )
    status = flow.solve(0, 1) if tails else flow.OPTIMAL
    if status != flow.OPTIMAL:
        raise RuntimeError(f"max flow failed with status {status}")
    return flow, (flow.optimal_flow() if tails else 0)


def _split(problem: Residual, nodes: set[int]) -> tuple[list[int], list[int]]:
    revs = [rid for i, rid in enumerate(problem.rev_ids) if 2 + i in nodes]
    base = 2 + len(problem.rev_ids)
    apps = [aid for i, aid in enumerate(problem.app_ids) if base + i in nodes]
    return revs, apps


def flow_checks(problem: Residual) -> list[Blocker]:
    """The exact conditions, as two max flows; each failure names its minimum cut."""
    blockers: list[Blocker] = []
    total_demand = sum(problem.demand.values())
    flow, value = _max_flow(problem, problem.high)
    if value < total_demand:
        # Nodes that can still reach the sink: applications left short and reviewers already full.
        revs, apps = _split(problem, set(flow.get_sink_side_min_cut()))
        outside = set(problem.rev_ids) - set(revs)
        extra = sum(1 for aid in apps for rid in problem.arcs.get(aid, {}) if rid in outside)
        required = sum(problem.demand[aid] for aid in apps)
        available = sum(problem.high[rid] for rid in revs) + extra
        blockers.append(
            Blocker(
                CAPACITY_SHORTFALL,
                application_ids=tuple(apps),
                reviewer_ids=tuple(revs),
                required=required,
                available=available,
                detail=f"Applications {apps} need {required} reviews; their eligible reviewers can give at most "
                f"{available} (reviewers {revs} at their maximum load).",
            )
        )
    total_low = sum(problem.low.values())
    flow, value = _max_flow(problem, problem.low)
    if value < total_low:
        # Nodes the source still reaches: reviewers below their minimum and the applications they could take.
        revs, apps = _split(problem, set(flow.get_source_side_min_cut()))
        outside, inside = set(problem.app_ids) - set(apps), set(revs)
        extra = sum(1 for aid in outside for rid in problem.arcs.get(aid, {}) if rid in inside)
        required = sum(problem.low[rid] for rid in revs)
        available = sum(problem.demand[aid] for aid in apps) + extra
        blockers.append(
            Blocker(
                MIN_LOADS_UNMET,
                application_ids=tuple(apps),
                reviewer_ids=tuple(revs),
                required=required,
                available=available,
                detail=f"Reviewers {revs} must take {required} reviews in total but the applications they are "
                f"eligible for ({apps}) have room for {available}.",
            )
        )
    return blockers
