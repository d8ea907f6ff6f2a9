"""Benchmark: aggregation + calibration + ranking + allocation of one selection round, pure and through
the selection service on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/firstclass .venv/bin/python bench/selection.py
    .venv/bin/python bench/selection.py --quick --json out.json      # small sizes
    .venv/bin/python bench/selection.py --pure-only                  # no database

1. Pure (`reviewers.calibration` + `grants.allocation`, no queries). Synthetic round: 5,000
   applications, k = 3 -> 15,000 reviews by 500 reviewers (30 each), a rubric of four weighted criteria
   scored 0-5 in 0.5 steps (true quality + reviewer bias + noise), thresholds 3.0 per criterion mean, a
   budget that funds about a fifth of the requests, and two area quotas.
2. Service (`grants.services.selection.selection_run`, what the officer's button runs) in a scratch
   database (`bench_fc_selection`): a round made through the services with the default five-criterion
   rubric, ranking on calibrated totals, two area quotas, moved to selection; 5,000 applications under
   review with their frozen versions, 15,000 declared assignments with submitted reviews and 75,000
   scores bulk-inserted. The run reads the scores through the registered provider
   (`reviewers.services.aggregation`), aggregates, calibrates, ranks, allocates and stores the proposal.
Ranks on calibrated totals so that every stage runs. Target (issue 5): the total under 2 s.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

sys.path[:0] = [str(Path(__file__).resolve().parent.parent)]
from bench.seeding import metric, project_path  # noqa: E402

project_path()

from grants.allocation import Candidate, RankingBasis, SelectionSettings, propose  # noqa: E402
from reviewers.calibration import Criterion, Review, aggregate, calibrate, review_totals  # noqa: E402

RUBRIC = [
    Criterion("novelty", Decimal("0.35")),
    Criterion("evidence", Decimal("0.25")),
    Criterion("feasibility", Decimal("0.25")),
    Criterion("budget", Decimal("0.15")),
]
AREAS = ["oncology", "orphan", "hiv", "vaccines", "psychiatry"]
HALF = Decimal("0.5")
DB_NAME = "bench_fc_selection"
TARGET_S = 2.0


def synthetic_reviews(n_apps: int, n_revs: int, k: int, seed: int):
    rng = random.Random(seed)
    load = dict.fromkeys(range(1, n_revs + 1), 0)
    bias = {rid: rng.gauss(0, 0.5) for rid in load}
    reviews = []
    apps = {}
    for aid in range(1, n_apps + 1):
        quality = rng.gauss(3.4, 0.8)
        apps[aid] = (rng.choice(AREAS), rng.randrange(10_000_000, 250_000_000) * 100)
        chosen = rng.sample(sorted(load, key=lambda r: load[r])[: k * 8], k)  # roughly even loads
        for rid in chosen:
            load[rid] += 1
            scores = {}
            for c in RUBRIC:
                value = min(5.0, max(0.0, quality + bias[rid] + rng.gauss(0, 0.6)))
                scores[c.code] = (Decimal(str(round(value * 2))) * HALF).quantize(HALF)
            reviews.append(Review(aid, rid, scores))
    return reviews, apps


def run_pure(n_apps: int, n_revs: int, k: int, seed: int) -> dict:
    reviews, apps = synthetic_reviews(n_apps, n_revs, k, seed)
    start = datetime(2026, 5, 1, tzinfo=UTC)
    budget = sum(amount for _, amount in apps.values()) // 5
    settings = SelectionSettings(
        budget_kopecks=budget,
        criterion_thresholds={c.code: Decimal(3) for c in RUBRIC},
        total_threshold=Decimal(3),
        ranking_basis=RankingBasis.CALIBRATED,
        tie_break_order=("novelty", "evidence"),
        quotas_kopecks={"orphan": budget // 10, "psychiatry": budget // 20},
    )
    t0 = time.perf_counter()
    scores = aggregate(reviews, RUBRIC, discussion_spread=Decimal("1.5"))
    t1 = time.perf_counter()
    calibration = calibrate(review_totals(scores))
    t2 = time.perf_counter()
    candidates = [
        Candidate(
            application_id=aid,
            criterion_means=s.criterion_means,
            total=s.total,
            calibrated_total=calibration.calibrated_totals[aid],
            requested_kopecks=apps[aid][1],
            submitted_at=start + timedelta(seconds=aid * 37 % 86_400),
            priority_area=apps[aid][0],
        )
        for aid, s in scores.items()
    ]
    proposal = propose(candidates, settings)
    t3 = time.perf_counter()
    again = propose(candidates, settings)
    return {
        "applications": n_apps,
        "reviews": len(reviews),
        "reviewers": n_revs,
        "aggregation_s": round(t1 - t0, 3),
        "calibration_s": round(t2 - t1, 3),
        "ranking_allocation_s": round(t3 - t2, 3),
        "total_s": round(t3 - t0, 3),
        "needs_discussion": sum(s.needs_discussion for s in scores.values()),
        "components": calibration.component_sizes[:3],
        "corrected_reviewers": len(calibration.offsets),
        "fundable": len(proposal.ranking),
        "below_threshold": len(proposal.below_threshold),
        "funded": len(proposal.funded),
        "reserve": len(proposal.reserve),
        "budget_used_pct": round(100 * proposal.funded_kopecks / budget, 2),
        "deterministic": again == proposal,
        "queries": 0,
    }


def seed_reviews(round_, apps: list, reviewer_users: list, k: int, rng: random.Random) -> int:
    """Frozen versions, k declared assignments per application with submitted reviews and their scores
    (true quality + reviewer bias + noise on each criterion's scale and step), all bulk-inserted."""
    from django.utils import timezone

    from grants.models import ApplicationVersion, Criterion
    from reviewers.models import Assignment, Review, Score

    now = timezone.now()
    versions = ApplicationVersion.objects.bulk_create(
        (
            ApplicationVersion(
                application=a,
                number=1,
                snapshot={"title": a.title},
                content_sha256=f"{a.pk:064x}",
                # 10-250 M RUB, whole roubles
                requested_amount=Decimal(rng.randrange(10_000_000, 250_000_000)),
                submitted_at=a.submitted_at,
                submitted_by_id=a.created_by_id,
            )
            for a in apps
        ),
        batch_size=2000,
    )
    bias = {u.pk: rng.gauss(0, 0.5) for u in reviewer_users}
    load = dict.fromkeys(bias, 0)
    assignments = []
    for a in apps:
        for rid in rng.sample(sorted(load, key=load.__getitem__)[: k * 8], k):  # roughly even loads
            load[rid] += 1
            assignments.append(
                Assignment(
                    round=round_,
                    application=a,
                    reviewer_id=rid,
                    source="manual",
                    state="declared",
                    due_at=round_.review_due_at,
                    assigned_at=now,
                    declared_at=now,
                )
            )
    Assignment.objects.bulk_create(assignments, batch_size=2000)
    version_of = {v.application_id: v for v in versions}
    reviews = Review.objects.bulk_create(
        (
            Review(
                assignment=x,
                application_version=version_of[x.application_id],
                state="submitted",
                overall_comment="Bench review.",
                submitted_at=now,
                first_submitted_at=now,
            )
            for x in assignments
        ),
        batch_size=2000,
    )
    criteria = list(Criterion.objects.filter(round=round_).order_by("position"))
    quality = {a.pk: rng.gauss(3.4, 0.8) for a in apps}
    by_assignment = {x.pk: x for x in assignments}

    def value(review, c) -> Decimal:
        x = by_assignment[review.assignment_id]
        raw = quality[x.application_id] + bias[x.reviewer_id] + rng.gauss(0, 0.6)
        raw = min(float(c.scale_max), max(float(c.scale_min), raw))
        return (c.scale_min + c.step * round((Decimal(str(raw)) - c.scale_min) / c.step)).quantize(c.step)

    Score.objects.bulk_create(
        (
            Score(
                review=r,
                criterion=c,
                value=value(r, c),
                comment="",
                scale_min=c.scale_min,
                scale_max=c.scale_max,
                step=c.step,
            )
            for r in reviews
            for c in criteria
        ),
        batch_size=5000,
    )
    return len(reviews)


def run_service(n_apps: int, n_revs: int, k: int, seed: int, firms: int = 300, keep: bool = False) -> dict:
    """Seed a round in selection with every review submitted, then run the officer's selection service."""
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
        from grants import scoring
        from grants.models import Round
        from grants.services import round_transition, selection
        from grants.services.selection import selection_run

        rng = random.Random(seed)
        started = time.perf_counter()
        seeded = people(firms, rng)
        officer = seeded["officer"]
        budget = Decimal(n_apps * 130_000_000 // 5)  # about a fifth of the requests (mean 130 M)
        round_ = closed_round(
            officer,
            budget=budget,
            quotas={"orphan": budget / 10, "cell_gene_therapy": budget / 20},
            reviewers_per_application=k,
            ranking_basis="calibrated",
            tie_break=[
                {"key": "criterion", "criterion": "novelty"},
                {"key": "criterion", "criterion": "evidence"},
            ],
        )
        for action in ("start_review", "start_selection"):
            round_ = round_transition(actor=officer, round=round_, action=action)
        apps = bulk_applications(round_, seeded, n_apps, "under_review", rng)
        reviewer_users = reviewers(seeded["ministry"], n_revs, rng)
        reviews = seed_reviews(round_, apps, reviewer_users, k, rng)
        vacuum_analyze()
        figures: dict = {"seed_s": round(time.perf_counter() - started, 1)}
        round_ = Round.objects.get(pk=round_.pk)
        # The run's stages on their own, through the functions it calls (nothing stored) ...
        with timed(figures, "applications"):
            applications = selection.eligible_applications(round_)
        with timed(figures, "aggregation"):
            scores = scoring.round_scores(round_)
        with timed(figures, "ranking"):
            codes = selection._tie_break_codes(round_)
            settings = selection._settings(round_, codes)
            candidates, _not_scored = selection._candidates(round_, applications, scores, codes)
            staged = propose(candidates, settings)
        # ... then the whole service as the officer's button runs it (the stages above, the snapshot of
        # inputs and result with their SHA-256, the stored proposal and its audit event).
        with timed(figures, "service"):
            proposal = selection_run(actor=officer, round=round_)
        with timed(figures, "canonical_json"):  # one serialisation of what the run serialised three times
            selection.canonical_json(proposal.snapshot)
        stages = figures["applications_s"] + figures["aggregation_s"] + figures["ranking_s"]
        figures["store_s"] = round(figures["service_s"] - stages, 3)
        if len(staged.funded) != proposal.funded_count:
            raise RuntimeError("the stages and the service disagree on the funded count")
        return {
            "applications": n_apps,
            "reviews": reviews,
            "reviewers": n_revs,
            **figures,
            "scored": len(scores.applications),
            "funded": proposal.funded_count,
            "reserve": proposal.reserve_count,
            "below_threshold": proposal.below_threshold_count,
            "budget_used_pct": round(100 * proposal.funded_amount / budget, 2),
        }


def metrics(pure: dict | None, service: dict | None) -> list[dict]:
    """The rows `bench/run.py` tabulates: the service run against the target, the rest for reading."""
    rows = []
    size = "{applications} apps, {reviews} reviews"
    if service is not None:
        rows += [
            metric(f"selection service run ({size.format(**service)})", service["service_s"], "s", TARGET_S,
                   queries=service["service_queries"]),
            metric("  of which applications with frozen amounts", service["applications_s"], "s",
                   queries=service["applications_queries"]),
            metric("  of which score aggregation + calibration", service["aggregation_s"], "s",
                   queries=service["aggregation_queries"]),
            metric("  of which ranking + allocation", service["ranking_s"], "s",
                   queries=service["ranking_queries"]),
            metric("  of which snapshot, hashes and stored proposal (the rest)", service["store_s"], "s"),
            metric("  (one canonical JSON of the stored snapshot; the run makes three)",
                   service["canonical_json_s"], "s"),
        ]  # fmt: skip
    if pure is not None:
        rows.append(
            metric(
                f"selection pure aggregation+ranking+allocation ({size.format(**pure)})",
                pure["total_s"],
                "s",
                TARGET_S,
                queries=0,
            )
        )
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--applications", type=int, default=5000)
    parser.add_argument("--reviewers", type=int, default=500)
    parser.add_argument("-k", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--quick", action="store_true", help="300 applications, 60 reviewers")
    parser.add_argument("--pure-only", action="store_true", help="skip the service run (no database)")
    parser.add_argument("--keep", action="store_true", help=f"leave {DB_NAME} behind to run EXPLAIN in it")
    parser.add_argument("--json", type=Path, help="also write the rows to this file")
    args = parser.parse_args(argv)
    if args.quick:
        args.applications, args.reviewers = 300, 60
    pure = run_pure(args.applications, args.reviewers, args.k, args.seed)
    service = None
    if not args.pure_only:
        from bench.pages import setup_django

        setup_django()
        service = run_service(args.applications, args.reviewers, args.k, args.seed, keep=args.keep)
    rows = [
        *metrics(pure, service),
        {"scenario": "selection: pure", **pure},
        *([{"scenario": "selection: service on PostgreSQL", **service}] if service else []),
    ]
    text = json.dumps(rows, indent=2, ensure_ascii=False, default=str)
    print(text)
    if args.json:
        args.json.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
