"""Optimal, conflict-free assignment of k reviewers per application (rule 16; domain-rules §3).

maximise Σ s(a, r)·x(a, r) subject to Σ_r x(a, r) = k for every application, L_r ≤ Σ_a x(a, r) ≤ U_r
for every reviewer, x = 0 for conflicts and for pairs below the minimum affinity, x = 1 for kept pairs.
The constraint matrix is totally unimodular, so it is solved exactly as a min-cost flow with OR-Tools:

    source --(U_r − L_r)--> reviewer r --(1, −s(a, r))--> application a (supply −k)
    and every reviewer receives a fixed extra supply L_r.

The load floors are therefore honoured in one exact solve (the standard lower-bound transformation)
rather than by OpenReview's two-phase MinMax, which fills the floors greedily first and can miss the
optimum, or even a feasible assignment that exists. Conflicted pairs get no arc at all, never a
penalty: a penalty can still be chosen when the problem is tight.

Determinism: applications, reviewers and arcs are added in id order, and ties between equal
affinities are broken by a seeded perturbation that is too small to trade away any affinity (the
scale factor exceeds the sum of all perturbations). The same inputs and seed give the same pairs.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
import ortools
from ortools.graph.python import min_cost_flow

from reviewers.matching.affinity import (
    MILLI,
    AffinityWeights,
    ApplicationProfile,
    ReviewerProfile,
    affinity_table,
    canonical_application,
    canonical_reviewer,
)
from reviewers.matching.feasibility import (
    FORCED_EXCEEDS_DEMAND,
    FORCED_EXCEEDS_MAX_LOAD,
    FORCED_PAIR_CONFLICTED,
    Blocker,
    Residual,
    count_checks,
    flow_checks,
)

# Stored with each run; change it whenever the affinity or the formulation changes.
ALGORITHM = "firstclass-matching/1"
SOLVER = "ortools.SimpleMinCostFlow"
JITTER = 256  # perturbations lie in [0, JITTER)
_MASK64 = (1 << 64) - 1


@dataclass(frozen=True)
class AssignedPair:
    application_id: int
    reviewer_id: int
    affinity: Decimal
    kept: bool  # an existing assignment passed in `forced`


@dataclass(frozen=True)
class AssignmentResult:
    """The assignment, or (when `blockers` is not empty) the reasons it is impossible and no pairs at all."""

    pairs: tuple[AssignedPair, ...]
    blockers: tuple[Blocker, ...]
    objective: Decimal  # Σ affinity over all pairs, kept ones included; 0 when infeasible
    input_hash: str  # SHA-256 of the canonical inputs, seed included
    seed: int
    solver: str
    solver_version: str
    algorithm: str

    @property
    def feasible(self) -> bool:
        return not self.blockers

    def reviewers_of(self, application_id: int) -> tuple[int, ...]:
        return tuple(p.reviewer_id for p in self.pairs if p.application_id == application_id)

    def loads(self) -> dict[int, int]:
        return dict(Counter(p.reviewer_id for p in self.pairs))


def _jitter(seed: int, application_id: int, reviewer_id: int) -> int:
    """A seeded pseudo-random number in [0, JITTER) per pair (splitmix64 finaliser)."""
    x = (
        seed * 0x9E3779B97F4A7C15 + application_id * 0xBF58476D1CE4E5B9 + reviewer_id * 0x94D049BB133111EB
    ) & _MASK64
    x ^= x >> 31
    x = (x * 0xBF58476D1CE4E5B9) & _MASK64
    x ^= x >> 29
    return x % JITTER


def _best(row: dict[int, int], n: int, seed: int, aid: int) -> dict[int, int]:
    """The n highest-affinity candidates; ties at the cut-off are drawn by the seeded perturbation."""
    cut = sorted(row.values(), reverse=True)[n - 1]
    best = {rid: score for rid, score in row.items() if score > cut}
    tied = sorted(
        (rid for rid, score in row.items() if score == cut), key=lambda rid: (_jitter(seed, aid, rid), rid)
    )
    best.update((rid, cut) for rid in tied[: n - len(best)])
    return best


def input_hash(
    applications: Sequence[ApplicationProfile],
    reviewers: Sequence[ReviewerProfile],
    *,
    reviewers_per_application: int,
    conflicts: Iterable[tuple[int, int]],
    forced: Iterable[tuple[int, int]],
    weights: AffinityWeights,
    seed: int,
    max_candidates: int | None,
) -> str:
    """SHA-256 of a canonical JSON form of everything that decides the assignment."""
    canonical = {
        "algorithm": ALGORITHM,
        "k": reviewers_per_application,
        "weights": weights.canonical(),
        "seed": seed,
        "max_candidates": max_candidates,
        "applications": [
            canonical_application(a) for a in sorted(applications, key=lambda a: a.application_id)
        ],
        "reviewers": [canonical_reviewer(r) for r in sorted(reviewers, key=lambda r: r.reviewer_id)],
        "conflicts": sorted({(int(a), int(r)) for a, r in conflicts}),
        "forced": sorted({(int(a), int(r)) for a, r in forced}),
    }
    text = json.dumps(canonical, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(text.encode()).hexdigest()


def _validate(apps: list[ApplicationProfile], revs: list[ReviewerProfile], k: int, forced: set, mc) -> None:
    if k < 1:
        raise ValueError("reviewers_per_application must be at least 1.")
    if mc is not None and mc < 1:
        raise ValueError("max_candidates must be at least 1.")
    app_ids = [a.application_id for a in apps]
    rev_ids = [r.reviewer_id for r in revs]
    if len(set(app_ids)) != len(app_ids) or len(set(rev_ids)) != len(rev_ids):
        raise ValueError("Application and reviewer ids must be unique.")
    for rev in revs:
        if not 0 <= rev.min_load <= rev.max_load:
            raise ValueError(f"Reviewer {rev.reviewer_id}: loads must satisfy 0 <= min_load <= max_load.")
    known_apps, known_revs = set(app_ids), set(rev_ids)
    unknown = {(a, r) for a, r in forced if a not in known_apps or r not in known_revs}
    if unknown:
        raise ValueError(f"Kept pairs name unknown applications or reviewers: {sorted(unknown)}.")


def _forced_blockers(apps, revs, k: int, forced: set, conflicts: set) -> list[Blocker]:
    blockers = [
        Blocker(FORCED_PAIR_CONFLICTED, (a,), (r,), detail=f"Kept pair ({a}, {r}) is now a conflict.")
        for a, r in sorted(forced & conflicts)
    ]
    per_app = Counter(a for a, _ in forced)
    per_rev = Counter(r for _, r in forced)
    for app in apps:
        if per_app[app.application_id] > k:
            blockers.append(
                Blocker(
                    FORCED_EXCEEDS_DEMAND,
                    (app.application_id,),
                    required=k,
                    available=per_app[app.application_id],
                )
            )
    for rev in revs:
        if per_rev[rev.reviewer_id] > rev.max_load:
            blockers.append(
                Blocker(
                    FORCED_EXCEEDS_MAX_LOAD,
                    reviewer_ids=(rev.reviewer_id,),
                    required=per_rev[rev.reviewer_id],
                    available=rev.max_load,
                )
            )
    return blockers


def assign_reviewers(
    applications: Sequence[ApplicationProfile],
    reviewers: Sequence[ReviewerProfile],
    *,
    reviewers_per_application: int = 3,
    conflicts: Iterable[tuple[int, int]] = (),
    forced: Iterable[tuple[int, int]] = (),
    weights: AffinityWeights | None = None,
    seed: int = 0,
    max_candidates: int | None = None,
) -> AssignmentResult:
    """Assign exactly `reviewers_per_application` distinct reviewers to every application, or explain why not.

    `conflicts` and `forced` are (application_id, reviewer_id) pairs. Conflicts (blocking COI, undecided
    potential COI, reviewers excluded after an upheld appeal) are never assigned. `forced` pairs are
    existing assignments kept when re-solving for the holes left by a decline; they count towards k and
    the loads. `max_candidates` keeps only each application's best candidates as arcs (speed). Raises
    ValueError only for malformed input (duplicate ids, min_load > max_load, unknown kept pairs).
    """
    weights = weights or AffinityWeights()
    k = reviewers_per_application
    conflict_set = {(int(a), int(r)) for a, r in conflicts}
    forced_set = {(int(a), int(r)) for a, r in forced}
    apps = sorted(applications, key=lambda a: a.application_id)
    revs = sorted(reviewers, key=lambda r: r.reviewer_id)
    _validate(apps, revs, k, forced_set, max_candidates)
    minimum = weights.milli("minimum")
    if minimum <= 0:
        raise ValueError(
            "The minimum affinity must be positive: a pair with no shared expertise gets no arc."
        )
    digest = input_hash(
        apps,
        revs,
        reviewers_per_application=k,
        conflicts=conflict_set,
        forced=forced_set,
        weights=weights,
        seed=seed,
        max_candidates=max_candidates,
    )
    table = affinity_table(apps, revs, weights)

    def result(pairs=(), blockers=(), objective=0) -> AssignmentResult:
        return AssignmentResult(
            pairs=tuple(pairs),
            blockers=tuple(blockers),
            objective=Decimal(objective) / MILLI,
            input_hash=digest,
            seed=seed,
            solver=SOLVER,
            solver_version=ortools.__version__,
            algorithm=ALGORITHM,
        )

    arcs: dict[int, dict[int, int]] = {}
    for app in apps:
        aid = app.application_id
        row = {
            rid: score
            for rid, score in table[aid].items()
            if score >= minimum and (aid, rid) not in conflict_set and (aid, rid) not in forced_set
        }
        if max_candidates is not None and len(row) > max_candidates:
            row = _best(row, max_candidates, seed, aid)
        arcs[aid] = row
    per_app = Counter(a for a, _ in forced_set)
    per_rev = Counter(r for _, r in forced_set)
    residual = Residual(
        app_ids=[a.application_id for a in apps],
        rev_ids=[r.reviewer_id for r in revs],
        demand={a.application_id: max(0, k - per_app[a.application_id]) for a in apps},
        low={r.reviewer_id: max(0, r.min_load - per_rev[r.reviewer_id]) for r in revs},
        high={r.reviewer_id: max(0, r.max_load - per_rev[r.reviewer_id]) for r in revs},
        arcs=arcs,
    )
    blockers = _forced_blockers(apps, revs, k, forced_set, conflict_set)
    blockers = blockers or count_checks(residual) or flow_checks(residual)
    if blockers:
        return result(blockers=blockers)

    chosen = _solve(residual, seed)
    kept = [AssignedPair(a, r, Decimal(table[a].get(r, 0)) / MILLI, True) for a, r in forced_set]
    new = [AssignedPair(a, r, Decimal(arcs[a][r]) / MILLI, False) for a, r in chosen]
    pairs = sorted(kept + new, key=lambda p: (p.application_id, p.reviewer_id))
    objective = sum(table[a].get(r, 0) for a, r in forced_set) + sum(arcs[a][r] for a, r in chosen)
    return result(pairs=pairs, objective=objective)


def _solve(problem: Residual, seed: int) -> list[tuple[int, int]]:
    """The min-cost flow itself; only called after the feasibility checks passed."""
    total = sum(problem.demand.values())
    if total == 0:
        return []
    scale = total * JITTER + 1  # Σ perturbations < scale, so they only ever break ties
    rev_node = {rid: 1 + i for i, rid in enumerate(problem.rev_ids)}
    app_node = {aid: 1 + len(rev_node) + i for i, aid in enumerate(problem.app_ids)}
    tails = [0] * len(rev_node)
    heads = list(rev_node.values())
    caps = [problem.high[rid] - problem.low[rid] for rid in problem.rev_ids]
    costs = [0] * len(rev_node)
    pairs: list[tuple[int, int]] = []
    for aid in problem.app_ids:
        for rid, score in sorted(problem.arcs[aid].items()):
            tails.append(rev_node[rid])
            heads.append(app_node[aid])
            caps.append(1)
            costs.append(-(score * scale + _jitter(seed, aid, rid)))
            pairs.append((aid, rid))
    if max((-c for c in costs), default=0) * (len(app_node) + len(rev_node) + 2) >= 1 << 62:
        raise ValueError("Affinities too large for an exact integer solve; lower the weights.")
    flow = min_cost_flow.SimpleMinCostFlow()
    flow.add_arcs_with_capacity_and_unit_cost(
        np.array(tails, dtype=np.int32),
        np.array(heads, dtype=np.int32),
        np.array(caps, dtype=np.int64),
        np.array(costs, dtype=np.int64),
    )
    supplies = [total - sum(problem.low.values())]
    supplies += [problem.low[rid] for rid in problem.rev_ids]
    supplies += [-problem.demand[aid] for aid in problem.app_ids]
    flow.set_nodes_supplies(np.arange(len(supplies), dtype=np.int32), np.array(supplies, dtype=np.int64))
    status = flow.solve()
    if status != flow.OPTIMAL:
        raise RuntimeError(f"Min-cost flow returned {status} after the feasibility checks passed.")
    first = len(rev_node)
    flows = flow.flows(np.arange(first, first + len(pairs), dtype=np.int32))
    return [pair for pair, used in zip(pairs, flows, strict=True) if used]
