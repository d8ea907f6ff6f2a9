"""Benchmark: reviewer assignment at the issue's scale, the pure solver and the service on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/firstclass .venv/bin/python bench/assignment.py
    .venv/bin/python bench/assignment.py --quick --json out.json      # small sizes
    .venv/bin/python bench/assignment.py --pure-only                  # no database

1. Pure (`reviewers.matching`, no database, so no queries). Synthetic round: 2,000 applications x
   400 reviewers, k = 3, reviewer loads [3, 18], 2 % random conflicts, candidate arcs limited to each
   application's top 60 reviewers (domain-rules §3.5). Profiles are drawn from small vocabularies so
   that affinities tie often, as real ones do. Reports time per stage, the objective, and a greedy
   baseline's objective for scale.
2. Service (`reviewers.services.assignment_run`, what the officer's button runs) in a scratch database
   (`bench_fc_assignment`): a round closed through the services, 2,000 eligible applications of 300
   firms and 400 reviewers with profiles (a third with a blocking affiliation to a firm) bulk-inserted;
   the round's "candidates per application" set to the same top 60. Reports the whole run
   (conflict refresh, inputs, solve, stored run and assignments, applications sent to review, review
   deadlines) with its queries, and the stages on their own.
Target (issue 5): the whole assignment under 10 s.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import random
import sys
import time
from pathlib import Path

sys.path[:0] = [str(Path(__file__).resolve().parent.parent)]
from bench.seeding import metric, project_path  # noqa: E402

project_path()

from reviewers.matching import (  # noqa: E402
    ApplicationProfile,
    AssignmentResult,
    ReviewerProfile,
    assign_reviewers,
)
from reviewers.matching.affinity import AffinityWeights, affinity_table  # noqa: E402

AREAS = [f"area{i}" for i in range(11)]
MODALITIES = ["small_molecule", "monoclonal_antibody", "cell_therapy", "gene_therapy", "mrna", "vaccine",
              "radiopharmaceutical", "other_biologic"]  # fmt: skip
ATC_LETTERS = "ABCDGHJLMNPRSV"
DB_NAME = "bench_fc_assignment"
TARGET_S = 10.0


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


def run_pure(n_apps: int, n_revs: int, k: int, conflict_rate: float, top: int, seed: int) -> dict:
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
        "top": top,
        "queries": 0,
    }


def run_service(
    n_apps: int, n_revs: int, k: int, seed: int, top: int | None, firms: int = 300, keep: bool = False
) -> dict:
    """Seed a closed round in a scratch database and run the officer's assignment service on it."""
    from bench.seeding import (
        bulk_applications,
        closed_round,
        people,
        reviewers,
        scratch_database,
        timed,
        vacuum_analyze,
    )

    with scratch_database(DB_NAME, keep=keep):
        from decimal import Decimal

        from grants.models import Application
        from reviewers.models import Assignment, Conflict, ReviewSettings
        from reviewers.services import assignment as service
        from reviewers.services.conflicts import conflicts_refresh

        rng = random.Random(seed)
        started = time.perf_counter()
        seeded = people(firms, rng)
        officer = seeded["officer"]
        round_ = closed_round(
            officer, budget=Decimal("5000000000"), reviewers_per_application=k, min_load=3, max_load=18
        )
        bulk_applications(round_, seeded, n_apps, "eligible", rng)
        reviewers(seeded["ministry"], n_revs, rng, firms=seeded["firms"])
        if top:  # the officer's "candidates per application" setting of the round
            ReviewSettings.objects.create(round=round_, max_candidates=top)
        vacuum_analyze()
        figures: dict = {"seed_s": round(time.perf_counter() - started, 1)}

        # The stages on their own first (read-only but the conflicts, which the run would write anyway).
        app_ids = list(Application.objects.filter(round=round_).values_list("pk", flat=True))
        with timed(figures, "conflicts"):
            conflicts_refresh(actor=officer, application_ids=app_ids, refill=False)
        with timed(figures, "inputs"):
            inputs = service.assignment_inputs(round_, refill=False)
        with timed(figures, "solve"):
            plan = service.assignment_plan(inputs)
        if top:  # for comparison: the same problem with every candidate arc (the settings' default)
            with timed(figures, "solve_all_arcs"):
                service.assignment_plan(dataclasses.replace(inputs, max_candidates=None))
        # Then the whole service, as the officer's button runs it.
        with timed(figures, "service"):
            run = service.assignment_run(actor=officer, round=round_)
        loads = plan.loads()
        return {
            "applications": len(inputs.applications),
            "reviewers": len(inputs.reviewers),
            "k": k,
            "conflicts": Conflict.objects.count(),
            "excluded_pairs": len(inputs.conflicts),
            "max_candidates": inputs.max_candidates,
            **figures,
            "status": run.status,
            "assignments": Assignment.objects.filter(round=round_).count(),
            "objective": str(run.objective),
            "same_as_plan": run.inputs_hash == plan.input_hash and str(run.objective) == str(plan.objective),
            "load_min_max": [min(loads.values(), default=0), max(loads.values(), default=0)],
            "under_review": Application.objects.filter(round=round_, state="under_review").count(),
        }


def metrics(pure: dict | None, service: dict | None) -> list[dict]:
    """The rows `bench/run.py` tabulates: the service run against the target, the rest for reading."""
    rows = []
    size = "{applications} apps x {reviewers} reviewers x k={k}"
    if service is not None:
        where = size.format(**service)
        rows += [
            metric(
                f"assignment service run ({where})",
                service["service_s"],
                "s",
                TARGET_S,
                queries=service["service_queries"],
            ),
            metric(
                "  of which conflict detection",
                service["conflicts_s"],
                "s",
                queries=service["conflicts_queries"],
            ),
            metric(
                "  of which inputs from the database",
                service["inputs_s"],
                "s",
                queries=service["inputs_queries"],
            ),
            metric(
                f"  of which min-cost-flow solve (top {service['max_candidates']} candidates)",
                service["solve_s"],
                "s",
                queries=0,
            ),
        ]
        if "solve_all_arcs_s" in service:
            every = service["solve_all_arcs_s"]
            rows.append(metric("  (the same solve with every candidate arc)", every, "s"))
    if pure is not None:
        rows.append(
            metric(f"assignment pure solver ({size.format(**pure)}, top {pure['top']})",
                   pure["assignment_total_s"], "s", TARGET_S, queries=0)
        )  # fmt: skip
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--applications", type=int, default=2000)
    parser.add_argument("--reviewers", type=int, default=400)
    parser.add_argument("-k", type=int, default=3)
    parser.add_argument("--conflict-rate", type=float, default=0.02, help="pure solver's random conflicts")
    parser.add_argument("--top", type=int, default=60, help="pure solver's candidate arcs per application")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--quick", action="store_true", help="200 applications x 40 reviewers")
    parser.add_argument("--pure-only", action="store_true", help="skip the service run (no database)")
    parser.add_argument("--keep", action="store_true", help=f"leave {DB_NAME} behind to run EXPLAIN in it")
    parser.add_argument("--json", type=Path, help="also write the rows to this file")
    args = parser.parse_args(argv)
    if args.quick:
        args.applications, args.reviewers = 200, 40
    pure = run_pure(args.applications, args.reviewers, args.k, args.conflict_rate, args.top, args.seed)
    service = None
    if not args.pure_only:
        from bench.pages import setup_django

        setup_django()
        service = run_service(args.applications, args.reviewers, args.k, args.seed, args.top, keep=args.keep)
    rows = [
        *metrics(pure, service),
        {"scenario": "assignment: pure solver", **pure},
        *([{"scenario": "assignment: service on PostgreSQL", **service}] if service else []),
    ]
    text = json.dumps(rows, indent=2, ensure_ascii=False)
    print(text)
    if args.json:
        args.json.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
