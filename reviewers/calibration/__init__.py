"""Score aggregation and reviewer calibration (rules 20-21; domain-rules §1.5 and §4). Pure: no ORM import.

Aggregation: per application the mean of each criterion, the total Σ weight × mean (rule 21), the
spread of the reviewers' own totals and a "needs discussion" flag when they disagree strongly.

Calibration (advisory unless the round ranks on it): the additive random-effects model
y(a, r) = μ + f_a + b_r + ε with f_a ~ N(0, α_f), b_r ~ N(0, α_b), ε ~ N(0, σ²) (Platt & Burges; the
NeurIPS model). The variances are estimated by restricted maximum likelihood, separately for each
connected component of the reviewer–application graph, and the reviewer offsets b_r are their
posterior means, i.e. shrunk towards zero by the data's own noise. Only reviewers with at least
`min_reviews` reviews get an offset; the others are treated as unbiased anchors (b_r = 0). Per-reviewer
z-scores are never used: with few reviews per reviewer they make rankings worse (domain-rules §4.4).

The calibrated total of an application is its raw total minus the mean offset of its reviewers, so it
stays on the rubric's scale and each difference from the raw total is explained by named reviewers'
offsets. (The posterior mean of f_a would also shrink applications with fewer reviews towards the
mean; that is a statement about certainty, not about reviewers, and is not used for ranking.)
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, localcontext

import numpy as np
from threadpoolctl import threadpool_limits

from reviewers.calibration.aggregation import (
    ApplicationScores,
    Criterion,
    Review,
    ReviewTotal,
    aggregate,
    review_totals,
)
from reviewers.calibration.reml import Model, nelder_mead

__all__ = [
    "METHOD",
    "ApplicationScores",
    "Calibration",
    "ComponentFit",
    "Criterion",
    "Review",
    "ReviewTotal",
    "aggregate",
    "calibrate",
    "review_totals",
]

METHOD = "additive-random-effects-reml/1"
OFFSET_PLACES = Decimal("0.000001")


@dataclass(frozen=True)
class ComponentFit:
    """One connected component of applications joined by corrected reviewers, and its fitted model."""

    application_ids: tuple[int, ...]
    reviewer_ids: tuple[int, ...]  # corrected reviewers only
    reviews: int  # all reviews of its applications, uncorrected reviewers' included
    fitted: bool  # False when the component is too small or has no variation to fit
    mean: Decimal = Decimal(0)  # μ
    quality_variance: Decimal = Decimal(0)  # α_f
    reviewer_variance: Decimal = Decimal(0)  # α_b
    noise_variance: Decimal = Decimal(0)  # σ²


@dataclass(frozen=True)
class Calibration:
    method: str
    min_reviews: int
    calibrated_totals: Mapping[int, Decimal]  # application_id -> raw total − mean offset of its reviewers
    offsets: Mapping[int, Decimal]  # corrected reviewer_id -> estimated offset b_r (+ means lenient)
    uncorrected_reviewers: tuple[int, ...]  # fewer than min_reviews reviews: offset taken as 0
    components: tuple[ComponentFit, ...]

    @property
    def component_sizes(self) -> list[tuple[int, int]]:
        """(applications, corrected reviewers) per component, largest first."""
        return sorted(((len(c.application_ids), len(c.reviewer_ids)) for c in self.components), reverse=True)


def calibrate(totals: Iterable[ReviewTotal], *, min_reviews: int = 6) -> Calibration:
    """Fit the additive model per connected component and return calibrated totals and reviewer offsets."""
    if min_reviews < 2:
        raise ValueError(
            "min_reviews must be at least 2: one review cannot separate a reviewer from an application."
        )
    rows = sorted((int(a), int(r), Decimal(t)) for a, r, t in totals)
    if len({(a, r) for a, r, _ in rows}) != len(rows):
        raise ValueError("A reviewer appears twice on one application.")
    count: dict[int, int] = defaultdict(int)
    for _, rid, _ in rows:
        count[rid] += 1
    corrected = {rid for rid, n in count.items() if n >= min_reviews}
    by_app: dict[int, list[tuple[int, Decimal]]] = defaultdict(list)
    for aid, rid, total in rows:
        by_app[aid].append((rid, total))

    offsets: dict[int, Decimal] = {}
    fits: list[ComponentFit] = []
    for app_ids, rev_ids in _components(by_app, corrected):
        fit, component_offsets = _fit_component(app_ids, rev_ids, by_app)
        fits.append(fit)
        offsets.update(component_offsets)

    calibrated: dict[int, Decimal] = {}
    with localcontext() as ctx:
        ctx.prec = 28
        for aid, revs in by_app.items():
            n = len(revs)
            raw = sum((t for _, t in revs), Decimal(0)) / n
            shift = sum((offsets.get(rid, Decimal(0)) for rid, _ in revs), Decimal(0)) / n
            calibrated[aid] = (raw - shift).quantize(OFFSET_PLACES)
    return Calibration(
        method=METHOD,
        min_reviews=min_reviews,
        calibrated_totals=dict(sorted(calibrated.items())),
        offsets=dict(sorted(offsets.items())),
        uncorrected_reviewers=tuple(sorted(set(count) - corrected)),
        components=tuple(fits),
    )


def _components(
    by_app: Mapping[int, list[tuple[int, Decimal]]], corrected: set[int]
) -> list[tuple[list[int], list[int]]]:
    """Applications joined through corrected reviewers (union-find); applications with none are skipped."""
    parent: dict[int, int] = {}

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    first_app_of: dict[int, int] = {}
    for aid in sorted(by_app):
        parent.setdefault(aid, aid)
        for rid, _ in by_app[aid]:
            if rid in corrected:
                if rid in first_app_of:
                    a, b = find(aid), find(first_app_of[rid])
                    parent[max(a, b)] = min(a, b)
                else:
                    first_app_of[rid] = aid
    groups: dict[int, list[int]] = defaultdict(list)
    for aid in sorted(by_app):
        if any(rid in corrected for rid, _ in by_app[aid]):
            groups[find(aid)].append(aid)
    result = []
    for root in sorted(groups):
        apps = groups[root]
        revs = sorted({rid for aid in apps for rid, _ in by_app[aid] if rid in corrected})
        result.append((apps, revs))
    return result


def _decimal(value: float) -> Decimal:
    return Decimal(repr(value)).quantize(OFFSET_PLACES)


def _fit_component(app_ids: list[int], rev_ids: list[int], by_app) -> tuple[ComponentFit, dict[int, Decimal]]:
    model = Model(app_ids, rev_ids, by_app)
    unfitted = ComponentFit(tuple(app_ids), tuple(rev_ids), model.n, fitted=False)
    if model.n < 3 or float(np.ptp(model.y)) == 0.0:
        return unfitted, dict.fromkeys(rev_ids, Decimal(0).quantize(OFFSET_PLACES))
    # One BLAS thread: the matrices are small, extra threads only contend (15x slower measured on a busy
    # 2-core host), and a single thread gives the same floating-point result on every machine.
    with threadpool_limits(limits=1, user_api="blas"):
        theta = nelder_mead(model.objective, model.moment_start())
        mu, sigma2, offsets = model.posterior(theta)
    fit = ComponentFit(
        application_ids=tuple(app_ids),
        reviewer_ids=tuple(rev_ids),
        reviews=model.n,
        fitted=True,
        mean=_decimal(mu),
        quality_variance=_decimal(sigma2 * math.exp(theta[0])),
        reviewer_variance=_decimal(sigma2 * math.exp(theta[1])),
        noise_variance=_decimal(sigma2),
    )
    return fit, {rid: _decimal(float(b)) for rid, b in zip(rev_ids, offsets, strict=True)}
