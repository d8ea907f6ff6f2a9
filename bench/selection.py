"""Benchmark: aggregation + calibration + ranking + allocation of one selection round (pure, no queries).

    .venv/bin/python -m bench.selection
    .venv/bin/python -m bench.selection --applications 1000 --reviewers 100 --json out.json

Synthetic round: 5,000 applications, k = 3 -> 15,000 reviews by 500 reviewers (30 each), a rubric of
four weighted criteria scored 0-5 in 0.5 steps (true quality + reviewer bias + noise), thresholds
3.0 per criterion mean, a budget that funds about a fifth of the requests, and two area quotas.
Ranks on calibrated totals so that every stage runs. Target (issue 5): the total under 2 s.
"""

from __future__ import annotations

import argparse
import json
import random
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from grants.allocation import Candidate, RankingBasis, SelectionSettings, propose
from reviewers.calibration import Criterion, Review, aggregate, calibrate, review_totals

RUBRIC = [
    Criterion("novelty", Decimal("0.35")),
    Criterion("evidence", Decimal("0.25")),
    Criterion("feasibility", Decimal("0.25")),
    Criterion("budget", Decimal("0.15")),
]
AREAS = ["oncology", "orphan", "hiv", "vaccines", "psychiatry"]
HALF = Decimal("0.5")


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


def run(n_apps: int, n_revs: int, k: int, seed: int) -> dict:
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


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--applications", type=int, default=5000)
    parser.add_argument("--reviewers", type=int, default=500)
    parser.add_argument("-k", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()
    figures = run(args.applications, args.reviewers, args.k, args.seed)
    width = max(map(len, figures))
    print("Selection benchmark: aggregation + calibration + ranking + allocation (target: total_s < 2)")
    for key, value in figures.items():
        print(f"  {key:<{width}}  {value}")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as out:
            json.dump(figures, out, indent=2)


if __name__ == "__main__":
    main()
