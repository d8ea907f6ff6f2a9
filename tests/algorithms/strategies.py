"""Hypothesis strategies shared by the algorithm tests: small, tie-rich review problems."""

from __future__ import annotations

from hypothesis import strategies as st

from reviewers.matching import ApplicationProfile, ReviewerProfile

AREAS = ["oncology", "hiv", "orphan"]
ATC = ["L01XC03", "L01XE01", "L01", "L01X", "J05AE", "J05", "A10BA02"]
ICD = ["C50", "C50.9", "C34.1", "B20", "E11.9", "D61"]
MODALITIES = ["monoclonal_antibody", "small_molecule", "cell_therapy"]
KEYWORDS = ["egfr", "her2", "pd-1", "insulin", "capsid"]


@st.composite
def application_profiles(draw, application_id: int) -> ApplicationProfile:
    return ApplicationProfile(
        application_id=application_id,
        priority_area=draw(st.sampled_from(AREAS)),
        atc_codes=tuple(draw(st.lists(st.sampled_from(ATC), max_size=1))),
        icd10_codes=(draw(st.sampled_from(ICD)),),
        modalities=(draw(st.sampled_from(MODALITIES)),),
        keywords=tuple(draw(st.lists(st.sampled_from(KEYWORDS), max_size=3, unique=True))),
    )


@st.composite
def reviewer_profiles(draw, reviewer_id: int, max_min_load: int = 2) -> ReviewerProfile:
    low = draw(st.integers(0, max_min_load))
    return ReviewerProfile(
        reviewer_id=reviewer_id,
        min_load=low,
        max_load=low + draw(st.integers(0, 3)),
        priority_areas=tuple(draw(st.lists(st.sampled_from(AREAS), max_size=2, unique=True))),
        atc_codes=tuple(draw(st.lists(st.sampled_from(ATC), max_size=2, unique=True))),
        icd10_chapters=tuple(draw(st.lists(st.sampled_from(["I", "II", "III", "IV"]), max_size=1))),
        icd10_codes=tuple(draw(st.lists(st.sampled_from(ICD), max_size=2, unique=True))),
        modalities=tuple(draw(st.lists(st.sampled_from(MODALITIES), max_size=2, unique=True))),
        keywords=tuple(draw(st.lists(st.sampled_from(KEYWORDS), max_size=3, unique=True))),
    )


@st.composite
def assignment_problems(
    draw, max_apps: int = 4, max_revs: int = 5, max_k: int = 2, max_min_load: int = 2, forced: bool = False
):
    """A dict of keyword arguments for `assign_reviewers` (ids are sparse and unordered on purpose)."""
    n_apps = draw(st.integers(1, max_apps))
    n_revs = draw(st.integers(1, max_revs))
    app_ids = draw(st.lists(st.integers(1, 10_000), min_size=n_apps, max_size=n_apps, unique=True))
    rev_ids = draw(st.lists(st.integers(1, 10_000), min_size=n_revs, max_size=n_revs, unique=True))
    apps = [draw(application_profiles(aid)) for aid in app_ids]
    revs = [draw(reviewer_profiles(rid, max_min_load)) for rid in rev_ids]
    pairs = [(a, r) for a in app_ids for r in rev_ids]
    conflicts = draw(st.lists(st.sampled_from(pairs), max_size=len(pairs) // 3, unique=True))
    kept = draw(st.lists(st.sampled_from(pairs), max_size=2, unique=True)) if forced else []
    return {
        "applications": apps,
        "reviewers": revs,
        "reviewers_per_application": draw(st.integers(1, max_k)),
        "conflicts": conflicts,
        "forced": kept,
        "seed": draw(st.integers(0, 2**31)),
    }
