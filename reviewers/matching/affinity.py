"""Expertise affinity s(a, r) between an application and a reviewer (domain-rules §3.6, item 1).

s(a, r) is a weighted sum of independent matches, each counted once:

- priority area: the application's area is one of the reviewer's areas;
- ATC: a shared level-3 group (first 4 characters, e.g. L01X) scores `atc_level3`, otherwise a shared
  level-2 group (first 3 characters, e.g. L01) scores `atc_level2`;
- ICD-10: a shared 3-character category (C50) scores `icd10_category`, otherwise a shared chapter (II,
  neoplasms) scores `icd10_chapter`. WHO blocks (C00-C14 ...) sit between the two, but they need a
  reference table the repository does not hold yet, so the category is the finer level used here;
- modality: any shared modality (mAb, CAR-T, mRNA ...);
- keywords: `keyword` per shared keyword, at most `keyword_cap` of them.

Affinities are exact: weights are `Decimal` with at most three decimal places and are computed as
integer thousandths internally, so the same profiles always give the same number on every machine.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

MILLI = 1000

# WHO ICD-10 chapters as ranges of 3-character categories (2019 edition; chapter XXII holds U codes).
ICD10_CHAPTERS: tuple[tuple[str, str, str], ...] = (
    ("I", "A00", "B99"),
    ("II", "C00", "D48"),
    ("III", "D50", "D89"),
    ("IV", "E00", "E90"),
    ("V", "F00", "F99"),
    ("VI", "G00", "G99"),
    ("VII", "H00", "H59"),
    ("VIII", "H60", "H95"),
    ("IX", "I00", "I99"),
    ("X", "J00", "J99"),
    ("XI", "K00", "K93"),
    ("XII", "L00", "L99"),
    ("XIII", "M00", "M99"),
    ("XIV", "N00", "N99"),
    ("XV", "O00", "O99"),
    ("XVI", "P00", "P96"),
    ("XVII", "Q00", "Q99"),
    ("XVIII", "R00", "R99"),
    ("XIX", "S00", "T98"),
    ("XX", "V01", "Y98"),
    ("XXI", "Z00", "Z99"),
    ("XXII", "U00", "U99"),
)


def icd10_category(code: str) -> str:
    """'c50.9' -> 'C50'."""
    return code.strip().upper()[:3]


def icd10_chapter(code: str) -> str | None:
    """The Roman numeral of the chapter holding an ICD-10 code, or None for a code outside every chapter."""
    category = icd10_category(code)
    for chapter, first, last in ICD10_CHAPTERS:
        if first <= category <= last:
            return chapter
    return None


@dataclass(frozen=True)
class ApplicationProfile:
    """What an application is about. Codes may be at any level (ATC 'L01' or 'L01XC03'; ICD-10 'C50.9')."""

    application_id: int
    priority_area: str | int | None = None
    atc_codes: tuple[str, ...] = ()
    icd10_codes: tuple[str, ...] = ()
    modalities: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()


@dataclass(frozen=True)
class ReviewerProfile:
    """A reviewer's declared expertise and load limits in the round (assignments per round)."""

    reviewer_id: int
    min_load: int = 0
    max_load: int = 0
    priority_areas: tuple[str | int, ...] = ()
    atc_codes: tuple[str, ...] = ()
    icd10_chapters: tuple[str, ...] = ()
    icd10_codes: tuple[str, ...] = ()
    modalities: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()


@dataclass(frozen=True)
class AffinityWeights:
    """Weights of each match; `minimum` is the affinity below which a pair gets no arc (must be > 0)."""

    priority_area: Decimal = Decimal("3")
    atc_level3: Decimal = Decimal("2")
    atc_level2: Decimal = Decimal("1")
    icd10_category: Decimal = Decimal("2")
    icd10_chapter: Decimal = Decimal("1")
    modality: Decimal = Decimal("1.5")
    keyword: Decimal = Decimal("0.5")
    keyword_cap: int = 3
    minimum: Decimal = Decimal("0.5")

    def milli(self, name: str) -> int:
        value = Decimal(getattr(self, name))
        scaled = value * MILLI
        if scaled != scaled.to_integral_value() or value < 0:
            raise ValueError(f"Affinity weight {name} must be >= 0 with at most three decimal places.")
        return int(scaled)

    def canonical(self) -> dict[str, str | int]:
        names = [f for f in self.__dataclass_fields__ if f != "keyword_cap"]
        return {**{name: str(self.milli(name)) for name in names}, "keyword_cap": self.keyword_cap}


def _keyword(word: str) -> str:
    return " ".join(word.casefold().split())


@dataclass(frozen=True)
class _Features:
    areas: frozenset
    atc3: frozenset[str]
    atc2: frozenset[str]
    categories: frozenset[str]
    chapters: frozenset[str]
    modalities: frozenset[str]
    keywords: frozenset[str]


def _atc_groups(codes: Iterable[str], length: int) -> frozenset[str]:
    cleaned = (code.strip().upper() for code in codes)
    return frozenset(code[:length] for code in cleaned if len(code) >= length)


def _application_features(app: ApplicationProfile) -> _Features:
    areas = frozenset() if app.priority_area is None else frozenset([app.priority_area])
    return _Features(
        areas=areas,
        atc3=_atc_groups(app.atc_codes, 4),
        atc2=_atc_groups(app.atc_codes, 3),
        categories=frozenset(icd10_category(c) for c in app.icd10_codes if c.strip()),
        chapters=frozenset(ch for ch in map(icd10_chapter, app.icd10_codes) if ch),
        modalities=frozenset(m.strip().casefold() for m in app.modalities if m.strip()),
        keywords=frozenset(_keyword(w) for w in app.keywords if w.strip()),
    )


def _reviewer_features(rev: ReviewerProfile) -> _Features:
    chapters = {ch.strip().upper() for ch in rev.icd10_chapters if ch.strip()}
    chapters.update(ch for ch in map(icd10_chapter, rev.icd10_codes) if ch)
    return _Features(
        areas=frozenset(rev.priority_areas),
        atc3=_atc_groups(rev.atc_codes, 4),
        atc2=_atc_groups(rev.atc_codes, 3),
        categories=frozenset(icd10_category(c) for c in rev.icd10_codes if c.strip()),
        chapters=frozenset(chapters),
        modalities=frozenset(m.strip().casefold() for m in rev.modalities if m.strip()),
        keywords=frozenset(_keyword(w) for w in rev.keywords if w.strip()),
    )


def _pair_milli(app: _Features, rev: _Features, w: dict[str, int], keyword_cap: int) -> int:
    score = 0
    if app.areas & rev.areas:
        score += w["priority_area"]
    if app.atc3 & rev.atc3:
        score += w["atc_level3"]
    elif app.atc2 & rev.atc2:
        score += w["atc_level2"]
    if app.categories & rev.categories:
        score += w["icd10_category"]
    elif app.chapters & rev.chapters:
        score += w["icd10_chapter"]
    if app.modalities & rev.modalities:
        score += w["modality"]
    score += min(len(app.keywords & rev.keywords), keyword_cap) * w["keyword"]
    return score


def _weights_milli(weights: AffinityWeights) -> dict[str, int]:
    return {name: weights.milli(name) for name in weights.__dataclass_fields__ if name != "keyword_cap"}


def affinity(
    app: ApplicationProfile, rev: ReviewerProfile, weights: AffinityWeights | None = None
) -> Decimal:
    """s(a, r) for one pair, e.g. to show an officer why a reviewer fits before a hand swap."""
    weights = weights or AffinityWeights()
    milli = _pair_milli(
        _application_features(app), _reviewer_features(rev), _weights_milli(weights), weights.keyword_cap
    )
    return Decimal(milli) / MILLI


def affinity_table(
    applications: Sequence[ApplicationProfile],
    reviewers: Sequence[ReviewerProfile],
    weights: AffinityWeights,
) -> dict[int, dict[int, int]]:
    """application_id -> {reviewer_id: affinity in thousandths} for every pair with a positive affinity.

    Same numbers as `affinity` (a test holds them equal), computed by adding each feature's weight to
    the reviewers in its posting list, so that the |A| x |R| pairs are never visited one by one.
    """
    w = _weights_milli(weights)
    index: dict[tuple[str, object], set[int]] = defaultdict(set)
    for rev in reviewers:
        f = _reviewer_features(rev)
        for kind in ("areas", "atc3", "atc2", "categories", "chapters", "modalities", "keywords"):
            for value in getattr(f, kind):
                index[(kind, value)].add(rev.reviewer_id)
    empty: set[int] = set()

    def hits(kind: str, values: frozenset) -> set[int]:
        return set().union(*(index.get((kind, v), empty) for v in values))

    table: dict[int, dict[int, int]] = {}
    for app in applications:
        af = _application_features(app)
        row: Counter[int] = Counter()
        for rid in hits("areas", af.areas):
            row[rid] += w["priority_area"]
        for fine, coarse, fine_w, coarse_w in (
            ("atc3", "atc2", "atc_level3", "atc_level2"),
            ("categories", "chapters", "icd10_category", "icd10_chapter"),
        ):
            fine_hits = hits(fine, getattr(af, fine))
            for rid in fine_hits:
                row[rid] += w[fine_w]
            for rid in hits(coarse, getattr(af, coarse)) - fine_hits:
                row[rid] += w[coarse_w]
        for rid in hits("modalities", af.modalities):
            row[rid] += w["modality"]
        shared: Counter[int] = Counter()
        for word in af.keywords:
            shared.update(index.get(("keywords", word), empty))
        for rid, count in shared.items():
            row[rid] += min(count, weights.keyword_cap) * w["keyword"]
        table[app.application_id] = {rid: score for rid, score in row.items() if score > 0}
    return table


def canonical_application(app: ApplicationProfile) -> dict:
    """The application as sorted, JSON-ready lists of what affinity reads (for the input hash)."""
    f = _application_features(app)
    return {
        "id": app.application_id,
        "area": None if app.priority_area is None else str(app.priority_area),
        **{k: sorted(map(str, getattr(f, k))) for k in ("atc3", "atc2", "categories", "chapters")},
        "modalities": sorted(f.modalities),
        "keywords": sorted(f.keywords),
    }


def canonical_reviewer(rev: ReviewerProfile) -> dict:
    """The reviewer as sorted, JSON-ready lists of what affinity and the load limits read."""
    f = _reviewer_features(rev)
    return {
        "id": rev.reviewer_id,
        "min": rev.min_load,
        "max": rev.max_load,
        "areas": sorted(map(str, f.areas)),
        **{k: sorted(getattr(f, k)) for k in ("atc3", "atc2", "categories", "chapters")},
        "modalities": sorted(f.modalities),
        "keywords": sorted(f.keywords),
    }
