"""Ranking and allocation of a round's budget: the selection proposal (rules 20, 22, 24; domain-rules §5.2).

Pure: no ORM import, integer kopecks, `Decimal` scores. The service layer freezes the returned
`Proposal` as the round's immutable snapshot (rule 25).

1. Thresholds (rule 20) on the raw criterion means and the raw total, never on calibrated scores;
   weights enter only through the total, which ranks.
2. Ranking (rule 22): the round's basis (raw or calibrated total) descending, then each tie-break
   criterion descending in the round's order, then earlier submission. Applications equal on every
   key are listed in `unresolved_ties` for a recorded lot and ordered by id meanwhile.
3. Quota pass (rule 24), area by area: walk the area's applications in rank order and fund each that
   fits the area's remaining quota; the non-fit policy decides whether to skip to the next or stop.
4. Global pass: the pool is the budget minus what the quota pass funded (minus the unused quotas too,
   when the round keeps them); walk every unfunded application in rank order with the same policy.
5. Fundable applications left unfunded form the reserve list in rank order (rule 24).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Literal

Area = str | int


class RankingBasis(StrEnum):
    RAW = "raw"
    CALIBRATED = "calibrated"


class NonFitPolicy(StrEnum):
    SKIP = "skip"  # pass over it and offer the money to the next application that fits
    STOP = "stop"  # the funding line stops at the first application that does not fit


class FundingPass(StrEnum):
    QUOTA = "quota"
    GLOBAL = "global"


@dataclass(frozen=True)
class Candidate:
    """An eligible application with its aggregated scores."""

    application_id: int
    criterion_means: Mapping[str, Decimal]  # raw (or consensus) mean per criterion code
    total: Decimal  # Σ weight × mean, raw
    requested_kopecks: int
    submitted_at: datetime
    priority_area: Area | None = None  # the one primary area it counts under
    calibrated_total: Decimal | None = None
    tie_break_scores: Mapping[str, Decimal] = field(default_factory=dict)  # missing codes: criterion_means


@dataclass(frozen=True)
class SelectionSettings:
    budget_kopecks: int
    criterion_thresholds: Mapping[str, Decimal] = field(default_factory=dict)
    total_threshold: Decimal | None = None
    ranking_basis: RankingBasis = RankingBasis.RAW
    tie_break_order: tuple[str, ...] = ()  # criterion codes, each compared higher-first
    quotas_kopecks: Mapping[Area, int] = field(default_factory=dict)
    non_fit_policy: NonFitPolicy = NonFitPolicy.SKIP
    unused_quota_returns: bool = True


@dataclass(frozen=True)
class ThresholdMiss:
    criterion: str | None  # None: the total
    value: Decimal
    threshold: Decimal


@dataclass(frozen=True)
class BelowThreshold:
    application_id: int
    misses: tuple[ThresholdMiss, ...]


@dataclass(frozen=True)
class Ranked:
    rank: int  # 1-based
    application_id: int
    score: Decimal  # on the round's ranking basis
    priority_area: Area | None
    requested_kopecks: int


@dataclass(frozen=True)
class Funded:
    application_id: int
    rank: int
    amount_kopecks: int
    funding_pass: FundingPass
    priority_area: Area | None


@dataclass(frozen=True)
class Skipped:
    """An application that did not fit the money left when its turn came (`available_kopecks`)."""

    application_id: int
    rank: int
    funding_pass: FundingPass
    requested_kopecks: int
    available_kopecks: int
    area: Area | None = None  # the quota it did not fit, in the quota pass


@dataclass(frozen=True)
class QuotaUsage:
    area: Area
    quota_kopecks: int
    used_kopecks: int  # funded in the quota pass
    returned_kopecks: int  # unused quota that joined the global pool


@dataclass(frozen=True)
class Proposal:
    ranking: tuple[Ranked, ...]  # fundable applications, best first
    below_threshold: tuple[BelowThreshold, ...]  # by application id
    funded: tuple[Funded, ...]  # in rank order
    skipped: tuple[Skipped, ...]  # in the order the passes met them
    reserve: tuple[int, ...]  # fundable but unfunded, in rank order
    unresolved_ties: tuple[tuple[int, ...], ...]  # equal on every key: settle by a recorded lot
    budget_kopecks: int
    funded_kopecks: int
    quota_usage: tuple[QuotaUsage, ...]

    @property
    def remaining_kopecks(self) -> int:
        return self.budget_kopecks - self.funded_kopecks

    def status_of(self, application_id: int) -> Literal["funded", "reserve", "below_threshold"]:
        if any(f.application_id == application_id for f in self.funded):
            return "funded"
        if application_id in self.reserve:
            return "reserve"
        if any(b.application_id == application_id for b in self.below_threshold):
            return "below_threshold"
        raise KeyError(application_id)


def threshold_misses(candidate: Candidate, settings: SelectionSettings) -> tuple[ThresholdMiss, ...]:
    """Every criterion mean and the total that fall below their thresholds (rule 20), in criterion order."""
    misses = []
    for code in sorted(settings.criterion_thresholds):
        threshold = settings.criterion_thresholds[code]
        if code not in candidate.criterion_means:
            raise ValueError(f"Application {candidate.application_id} has no mean for criterion {code!r}.")
        mean = candidate.criterion_means[code]
        if mean < threshold:
            misses.append(ThresholdMiss(code, mean, threshold))
    if settings.total_threshold is not None and candidate.total < settings.total_threshold:
        misses.append(ThresholdMiss(None, candidate.total, settings.total_threshold))
    return tuple(misses)


def _score(candidate: Candidate, basis: RankingBasis) -> Decimal:
    if basis == RankingBasis.RAW:
        return candidate.total
    if candidate.calibrated_total is None:
        raise ValueError(f"Application {candidate.application_id} has no calibrated total to rank on.")
    return candidate.calibrated_total


def rank_key(candidate: Candidate, settings: SelectionSettings) -> tuple:
    """Sort key of rule 22; the application id only orders what a lot must settle."""
    tie_values = []
    for code in settings.tie_break_order:
        value = candidate.tie_break_scores.get(code, candidate.criterion_means.get(code))
        if value is None:
            raise ValueError(f"Application {candidate.application_id} has no score for tie-break {code!r}.")
        tie_values.append(-value)
    return (
        -_score(candidate, settings.ranking_basis),
        *tie_values,
        candidate.submitted_at,
        candidate.application_id,
    )


def _validate(candidates: list[Candidate], settings: SelectionSettings) -> None:
    ids = [c.application_id for c in candidates]
    if len(set(ids)) != len(ids):
        raise ValueError("Application ids must be unique.")
    if settings.budget_kopecks < 0 or any(q < 0 for q in settings.quotas_kopecks.values()):
        raise ValueError("The budget and the quotas cannot be negative.")
    if sum(settings.quotas_kopecks.values()) > settings.budget_kopecks:
        raise ValueError("The quotas together exceed the budget.")
    for c in candidates:
        if c.requested_kopecks <= 0:
            raise ValueError(f"Application {c.application_id} requests no money.")


def propose(candidates: Iterable[Candidate], settings: SelectionSettings) -> Proposal:
    """Thresholds, ranking, quota pass, global pass and reserve list, as the module docstring says."""
    pool = sorted(candidates, key=lambda c: c.application_id)
    _validate(pool, settings)
    below = []
    fundable = []
    for c in pool:
        misses = threshold_misses(c, settings)
        if misses:
            below.append(BelowThreshold(c.application_id, misses))
        else:
            fundable.append(c)
    keyed = sorted(((rank_key(c, settings), c) for c in fundable), key=lambda kc: kc[0])
    ranking = tuple(
        Ranked(i, c.application_id, _score(c, settings.ranking_basis), c.priority_area, c.requested_kopecks)
        for i, (_, c) in enumerate(keyed, start=1)
    )
    ties: list[tuple[int, ...]] = []
    for i, (key, c) in enumerate(keyed):
        if i and keyed[i - 1][0][:-1] == key[:-1]:
            if ties and ties[-1][-1] == keyed[i - 1][1].application_id:
                ties[-1] = (*ties[-1], c.application_id)
            else:
                ties.append((keyed[i - 1][1].application_id, c.application_id))

    funded: dict[int, Funded] = {}
    skipped: list[Skipped] = []
    usage = []
    stop = settings.non_fit_policy == NonFitPolicy.STOP
    for area in sorted(settings.quotas_kopecks, key=str):
        quota = settings.quotas_kopecks[area]
        left = quota
        for r in ranking:
            if r.priority_area != area:
                continue
            if r.requested_kopecks <= left:
                funded[r.application_id] = Funded(
                    r.application_id, r.rank, r.requested_kopecks, FundingPass.QUOTA, area
                )
                left -= r.requested_kopecks
            else:
                skipped.append(
                    Skipped(r.application_id, r.rank, FundingPass.QUOTA, r.requested_kopecks, left, area)
                )
                if stop:
                    break
        usage.append(QuotaUsage(area, quota, quota - left, left if settings.unused_quota_returns else 0))

    spent = sum(f.amount_kopecks for f in funded.values())
    held_back = sum(u.quota_kopecks - u.used_kopecks - u.returned_kopecks for u in usage)
    left = settings.budget_kopecks - spent - held_back
    for r in ranking:
        if r.application_id in funded:
            continue
        if r.requested_kopecks <= left:
            funded[r.application_id] = Funded(
                r.application_id, r.rank, r.requested_kopecks, FundingPass.GLOBAL, r.priority_area
            )
            left -= r.requested_kopecks
        else:
            skipped.append(Skipped(r.application_id, r.rank, FundingPass.GLOBAL, r.requested_kopecks, left))
            if stop:
                break

    return Proposal(
        ranking=ranking,
        below_threshold=tuple(below),
        funded=tuple(sorted(funded.values(), key=lambda f: f.rank)),
        skipped=tuple(skipped),
        reserve=tuple(r.application_id for r in ranking if r.application_id not in funded),
        unresolved_ties=tuple(ties),
        budget_kopecks=settings.budget_kopecks,
        funded_kopecks=sum(f.amount_kopecks for f in funded.values()),
        quota_usage=tuple(usage),
    )
