"""Benchmark: reviewer assignment at the issue's scale (pure algorithm, no database, so no queries).

    .venv/bin/python -m bench.assignment
    .venv/bin/python -m bench.assignment --applications 500 --reviewers 100 --json out.json

Synthetic round: 2,000 applications x 400 reviewers, k = 3, reviewer loads [3, 18], 2 % random
conflicts, candidate arcs limited to each application's top 60 reviewers (domain-rules §3.5).
Profiles are drawn from small vocabularies so that affinities tie often, as real ones do.
Prints one table: time per stage, the objective, and a greedy baseline's objective for scale.
Target (issue 5): the whole assignment under 10 s.
"""

from __future__ import annotations

import argparse
import json
import random
import time

from reviewers.matching import ApplicationProfile, AssignmentResult, ReviewerProfile, assign_reviewers
from reviewers.matching.affinity import AffinityWeights, affinity_table

AREAS = [f"area{i}" for i in range(11)]
MODALITIES = ["small_molecule", "monoclonal_antibody", "cell_therapy", "gene_therapy", "mrna", "vaccine",
              "radiopharmaceutical", "other_biologic"]  # fmt: skip
ATC_LETTERS = "ABCDGHJLMNPRSV"


def _atc(rng: random.Random) -> str:
    return f"{rng.choice(ATC_LETTERS)}{rng.randint(1, 6):02d}{rng.choice('ABCDEX')}{rng.choice('ABC')}{rng.randint(1, 9):02d}"


def _icd(rng: random.Random) -> str:
    return f"{rng.choice('ABCDEFGIJKLMN')}{rng.randint(0, 99):02d}"


def synthetic_round(n_apps: int, n_revs: int, conflict_rate: float, seed: int):
    rng = random.Random(seed)
    words = [f"kw{i}" for i in range(150)]
    apps = [
        ApplicationProfile(
            application_id=i + 1,
            priority_area=rng.choice(AREAS),
            atc_codes=(_atc(rng),),
            icd10_codes=(_icd(rng),),
            modalities=(rng.choice(MODALITIES),),
            keywords=tuple(rng.sample(words, 4)),
        )
        for i in range(n_apps)
    ]
    revs = [
        ReviewerProfile(
            reviewer_id=j + 1,
            min_load=3,
            max_load=18,
            priority_areas=tuple(rng.sample(AREAS, 2)),
            atc_codes=tuple(_atc(rng)[: rng.choice((3, 4))] for _ in range(4)),
            icd10_chapters=tuple(rng.sample(["I", "II", "III", "IV", "V", "VI", "IX", "X", "XI", "XIV"], 2)),
            icd10_codes=tuple(_icd(rng) for _ in range(3)),
            modalities=tuple(rng.sample(MODALITIES, 2)),
            keywords=tuple(rng.sample(words, 12)),
        )
        for j in range(n_revs)
    ]
    conflicts = [
        (a.application_id, r.reviewer_id) for a in apps for r in revs if rng.random() < conflict_rate
    ]
    return apps, revs, conflicts


def greedy_objective(apps, revs, conflicts, k: int, weights: AffinityWeights) -> int | None:
    """Each application in id order takes its best k reviewers that still have room (a baseline)."""
    table = affinity_table(apps, revs, weights)
    room = {r.reviewer_id: r.max_load for r in revs}
    blocked = set(conflicts)
    total = 0
    for app in apps:
        row = sorted(((-s, rid) for rid, s in table[app.application_id].items()), key=lambda t: t)
        taken = [(s, rid) for s, rid in row if room[rid] > 0 and (app.application_id, rid) not in blocked][:k]
        if len(taken) < k:
            return None
        for s, rid in taken:
            room[rid] -= 1
            total -= s
    return total


def run(n_apps: int, n_revs: int, k: int, conflict_rate: float, top: int, seed: int) -> dict:
    apps, revs, conflicts = synthetic_round(n_apps, n_revs, conflict_rate, seed)
    weights = AffinityWeights()
    started = time.perf_counter()
    table = affinity_table(apps, revs, weights)
    affinity_s = time.perf_counter() - started
    started = time.perf_counter()
    result: AssignmentResult = assign_reviewers(
        apps, revs, reviewers_per_application=k, conflicts=conflicts, seed=seed, max_candidates=top
    )
    total_s = time.perf_counter() - started
    started = time.perf_counter()
    again = assign_reviewers(
        apps, revs, reviewers_per_application=k, conflicts=conflicts, seed=seed, max_candidates=top
    )
    greedy = greedy_objective(apps, revs, conflicts, k, weights)
    loads = result.loads()
    return {
        "applications": n_apps,
        "reviewers": n_revs,
        "k": k,
        "conflicts": len(conflicts),
        "pairs_with_affinity": sum(len(row) for row in table.values()),
        "affinity_s": round(affinity_s, 3),
        "assignment_total_s": round(total_s, 3),
        "feasible": result.feasible,
        "objective": str(result.objective),
        "greedy_objective": None if greedy is None else str(greedy / 1000),
        "load_min_max": [min(loads.values(), default=0), max(loads.values(), default=0)],
        "deterministic": again.pairs == result.pairs and again.input_hash == result.input_hash,
        "input_hash": result.input_hash[:16],
        "solver": f"{result.solver} {result.solver_version}",
        "queries": 0,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--applications", type=int, default=2000)
    parser.add_argument("--reviewers", type=int, default=400)
    parser.add_argument("-k", type=int, default=3)
    parser.add_argument("--conflict-rate", type=float, default=0.02)
    parser.add_argument("--top", type=int, default=60)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()
    figures = run(args.applications, args.reviewers, args.k, args.conflict_rate, args.top, args.seed)
    width = max(map(len, figures))
    print("Reviewer assignment benchmark (target: assignment_total_s < 10)")
    for key, value in figures.items():
        print(f"  {key:<{width}}  {value}")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as out:
            json.dump(figures, out, indent=2)


if __name__ == "__main__":
    main()
