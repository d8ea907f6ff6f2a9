"""Conflict-of-interest detection (rules 13-14; domain-rules §2.2-2.3). Pure: no ORM import.

Organisations are matched by identity, never by name: an affiliation meets a party when the INNs are
equal, or when both OGRNs are given and equal.

- Blocking: employment, contract or financial interest with the applicant firm, a company of its
  group, its contract research organisation or a trial site, current or ended within the window.
- Potential (an officer decides): any other tie with those organisations within the window, and a
  competing project of the reviewer on the same target or indication (same ICD-10 category, same ATC
  group at level 3 or finer, or the project's target named in the application).

The same reviewer, application, source and INN give one finding; a blocking finding wins over a
potential one for the same cause.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

BLOCKING = "blocking"
POTENTIAL = "potential"
BLOCKING_KINDS = frozenset({"employment", "contract", "financial_interest"})
APPLICANT, GROUP, CRO, SITE, COMPETITOR = "applicant", "group", "cro", "site", "competitor"
_WORD = re.compile(r"\w+", re.UNICODE)
MAX_TARGET_WORDS = 4


@dataclass(frozen=True)
class AffiliationRow:
    affiliation_id: int
    reviewer_id: int
    kind: str
    organisation_name: str
    inn: str
    ogrn: str = ""
    ended_on: date | None = None


@dataclass(frozen=True)
class PartyRow:
    """An organisation tied to an application: the applicant itself, a group company, a CRO or a site."""

    application_id: int
    role: str  # APPLICANT, GROUP, CRO or SITE
    name: str
    inn: str
    ogrn: str = ""


@dataclass(frozen=True)
class ProjectRow:
    reviewer_id: int
    target: str = ""
    icd10_code: str = ""
    atc_code: str = ""
    ended_on: date | None = None
    organisation_name: str = ""


@dataclass(frozen=True)
class ApplicationRow:
    application_id: int
    icd10_code: str = ""
    atc_code: str = ""
    text: str = ""  # title, drug name, mechanism and indication: where a target would be named


@dataclass(frozen=True)
class Finding:
    reviewer_id: int
    application_id: int
    severity: str
    source: str
    inn: str = ""
    organisation_name: str = ""
    affiliation_id: int | None = None
    note: str = ""

    @property
    def key(self) -> tuple[int, int, str, str]:
        return (self.reviewer_id, self.application_id, self.source, self.inn)


def window_start(today: date, months: int) -> date:
    """The first day a tie still counts: `months` calendar months before `today` (day clipped)."""
    year, month = divmod(today.year * 12 + today.month - 1 - months, 12)
    month += 1
    for day in (today.day, 30, 29, 28):
        try:
            return date(year, month, day)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def _within(ended_on: date | None, start: date) -> bool:
    return ended_on is None or ended_on >= start


def _words(text: str) -> list[str]:
    return _WORD.findall(text.casefold())


def _phrases(text: str) -> set[str]:
    """Every run of 1..MAX_TARGET_WORDS consecutive words, joined by single spaces."""
    words = _words(text)
    return {
        " ".join(words[i : i + n]) for n in range(1, MAX_TARGET_WORDS + 1) for i in range(len(words) - n + 1)
    }


def _atc_match(a: str, b: str) -> bool:
    a, b = a.strip().upper(), b.strip().upper()
    shorter = min(len(a), len(b))
    return shorter >= 4 and a[:shorter] == b[:shorter]


def detect(
    *,
    affiliations: Iterable[AffiliationRow],
    parties: Iterable[PartyRow],
    projects: Iterable[ProjectRow],
    applications: Iterable[ApplicationRow],
    today: date,
    window_months: int,
) -> list[Finding]:
    """Every conflict between the given reviewers and applications, sorted by (application, reviewer)."""
    start = window_start(today, window_months)
    by_inn: dict[str, list[AffiliationRow]] = defaultdict(list)
    by_ogrn: dict[str, list[AffiliationRow]] = defaultdict(list)
    for row in affiliations:
        if not _within(row.ended_on, start):
            continue
        by_inn[row.inn].append(row)
        if row.ogrn:
            by_ogrn[row.ogrn].append(row)

    found: dict[tuple, Finding] = {}

    def add(finding: Finding) -> None:
        current = found.get(finding.key)
        if current is None or (current.severity == POTENTIAL and finding.severity == BLOCKING):
            found[finding.key] = finding

    for party in parties:
        matches = {id(a): a for a in by_inn.get(party.inn, [])}
        if party.ogrn:
            matches.update((id(a), a) for a in by_ogrn.get(party.ogrn, []))
        for aff in matches.values():
            add(
                Finding(
                    reviewer_id=aff.reviewer_id,
                    application_id=party.application_id,
                    severity=BLOCKING if aff.kind in BLOCKING_KINDS else POTENTIAL,
                    source=party.role,
                    inn=party.inn,
                    organisation_name=party.name,
                    affiliation_id=aff.affiliation_id,
                )
            )

    live = [p for p in projects if _within(p.ended_on, start)]
    by_category: dict[str, set[int]] = defaultdict(set)
    by_target: dict[str, list[ProjectRow]] = defaultdict(list)
    atc_projects = [p for p in live if len(p.atc_code.strip()) >= 4]
    for project in live:
        if project.icd10_code.strip():
            by_category[project.icd10_code.strip().upper()[:3]].add(project.reviewer_id)
        target = " ".join(_words(project.target)[:MAX_TARGET_WORDS])
        if target:
            by_target[target].append(project)
    for app in applications:
        hits: dict[int, str] = {}
        category = app.icd10_code.strip().upper()[:3]
        for rid in by_category.get(category, set()) if category else ():
            hits.setdefault(rid, f"ICD-10 {category}")
        if app.atc_code.strip():
            for project in atc_projects:
                if _atc_match(project.atc_code, app.atc_code):
                    hits.setdefault(project.reviewer_id, f"ATC {project.atc_code.strip().upper()}")
        if by_target:
            for phrase in _phrases(app.text) & by_target.keys():
                for project in by_target[phrase]:
                    hits.setdefault(project.reviewer_id, project.target.strip())
        for rid, note in hits.items():
            add(Finding(rid, app.application_id, POTENTIAL, COMPETITOR, note=note))
    return sorted(found.values(), key=lambda f: (f.application_id, f.reviewer_id, f.source, f.inn))
