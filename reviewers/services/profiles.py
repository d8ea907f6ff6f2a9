"""Reviewer profiles: expertise, load override, affiliations and competing projects.

A reviewer keeps their own profile; an officer may correct it. Every change is audited, and a change
to affiliations or projects re-checks conflicts at once (an assignment that now conflicts ends).
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from accounts.enums import Role
from accounts.models import User
from audit.services import record_event
from core import policy
from core.errors import DomainError
from grants.enums import Modality
from grants.models import PriorityArea
from reviewers.enums import AffiliationKind
from reviewers.matching import ICD10_CHAPTERS
from reviewers.models import Affiliation, CompetingProject, ReviewerProfile
from reviewers.services._common import Problems, clean_identifiers, clean_list, clean_text, dates_ordered
from reviewers.services.conflicts import conflicts_refresh

CHAPTERS = frozenset(chapter for chapter, _first, _last in ICD10_CHAPTERS)
ICD10_CATEGORY = re.compile(r"^[A-Z][0-9]{2}$")
ICD10_CODE = re.compile(r"^[A-Z][0-9]{2}(\.[0-9]{1,2})?$")
ATC_GROUP = re.compile(r"^[A-Z]([0-9]{2}([A-Z]([A-Z]([0-9]{2})?)?)?)?$")
MAX_KEYWORDS = 40
PROFILE_FIELDS = ("modalities", "icd10_chapters", "icd10_codes", "atc_groups", "keywords", "max_load")


def profile_of(user: User) -> ReviewerProfile:
    """The reviewer's profile, created empty on first use (only reviewers have one)."""
    if user.role != Role.REVIEWER:
        raise DomainError("not_a_reviewer", _("Only reviewers have a reviewer profile."))
    profile, _created = ReviewerProfile.objects.get_or_create(user=user)
    return profile


def _snapshot(profile: ReviewerProfile) -> dict:
    return {
        **{name: getattr(profile, name) for name in PROFILE_FIELDS},
        "priority_areas": sorted(profile.priority_areas.values_list("code", flat=True)),
    }


def _clean_expertise(values: dict, problems: Problems) -> tuple[dict, list[PriorityArea] | None]:
    clean: dict[str, Any] = {}
    if "modalities" in values:
        clean["modalities"] = clean_list(values["modalities"])
        if any(m not in Modality.values for m in clean["modalities"]):
            problems.add("modalities", _("Choose modalities from the list."))
    if "icd10_chapters" in values:
        clean["icd10_chapters"] = [c.upper() for c in clean_list(values["icd10_chapters"])]
        if any(c not in CHAPTERS for c in clean["icd10_chapters"]):
            problems.add("icd10_chapters", _("ICD-10 chapters are Roman numerals I to XXII."))
    if "icd10_codes" in values:
        clean["icd10_codes"] = [c.upper() for c in clean_list(values["icd10_codes"])]
        if any(not ICD10_CATEGORY.match(c) for c in clean["icd10_codes"]):
            problems.add("icd10_codes", _("ICD-10 categories are a letter and two digits, e.g. C92."))
    if "atc_groups" in values:
        clean["atc_groups"] = [c.upper() for c in clean_list(values["atc_groups"])]
        if any(not ATC_GROUP.match(c) for c in clean["atc_groups"]):
            problems.add("atc_groups", _("ATC groups look like L, L01, L01F, L01FX or L01FX01."))
    if "keywords" in values:
        clean["keywords"] = [k[:60] for k in clean_list(values["keywords"])]
        if len(clean["keywords"]) > MAX_KEYWORDS:
            problems.add("keywords", _("Give at most 40 keywords."))
    if "max_load" in values:
        load = values["max_load"]
        if load in ("", None):
            clean["max_load"] = None
        else:
            try:
                clean["max_load"] = int(load)
            except (TypeError, ValueError):
                clean["max_load"] = -1
            if not 0 <= clean["max_load"] <= 200:
                problems.add("max_load", _("The maximum load is a whole number from 0 to 200, or empty."))
    areas = None
    if "priority_areas" in values:
        codes = clean_list(values["priority_areas"])
        areas = list(PriorityArea.objects.filter(code__in=codes))
        if len(areas) != len(codes):
            problems.add("priority_areas", _("Unknown priority area."))
    return clean, areas


def profile_update(*, actor: User, profile: ReviewerProfile, **values: Any) -> ReviewerProfile:
    """Change expertise (priority areas, modalities, ICD-10, ATC, keywords) and the load override."""
    policy.require(actor, "reviewers.profile.edit", profile)
    problems = Problems()
    clean, areas = _clean_expertise(values, problems)
    problems.raise_if_any()
    with transaction.atomic():
        profile = ReviewerProfile.objects.select_for_update().get(pk=profile.pk)
        before = _snapshot(profile)
        for name, value in clean.items():
            setattr(profile, name, value)
        profile.save(update_fields=[*clean, "updated_at"])
        if areas is not None:
            profile.priority_areas.set(areas)
        record_event(
            actor=actor,
            action="reviewer_profile.update",
            obj=profile,
            before=before,
            after=_snapshot(profile),
        )
    return profile


def _clean_affiliation(values: dict, problems: Problems) -> dict:
    kind = values.get("kind")
    if kind not in AffiliationKind.values:
        problems.add("kind", _("Choose the kind of tie."))
    inn, ogrn = clean_identifiers(values.get("inn"), values.get("ogrn"), problems)
    started, ended = values.get("started_on"), values.get("ended_on")
    for field, value in (("started_on", started), ("ended_on", ended)):
        if value is not None and not isinstance(value, date):
            problems.add(field, _("Enter a valid date."))
    if isinstance(started, date) and isinstance(ended, date):
        dates_ordered(started, ended, problems)
    return {
        "kind": kind,
        "organisation_name": clean_text(
            values.get("organisation_name"), "organisation_name", problems, required=True
        ),
        "inn": inn,
        "ogrn": ogrn,
        "started_on": started,
        "ended_on": ended,
        "note": clean_text(values.get("note"), "note")[:500],
    }


def _affiliation_state(affiliation: Affiliation) -> dict:
    fields = ("kind", "organisation_name", "inn", "ogrn", "started_on", "ended_on", "note")
    return {name: getattr(affiliation, name) for name in fields}


def affiliation_add(*, actor: User, profile: ReviewerProfile, **values: Any) -> Affiliation:
    """Record a tie to an organisation (INN/OGRN, kind, dates); conflicts are re-checked at once."""
    policy.require(actor, "reviewers.profile.edit", profile)
    problems = Problems()
    clean = _clean_affiliation(values, problems)
    problems.raise_if_any()
    with transaction.atomic():
        affiliation = Affiliation.objects.create(profile=profile, **clean)
        record_event(
            actor=actor, action="affiliation.add", obj=affiliation, after=_affiliation_state(affiliation)
        )
        conflicts_refresh(actor=actor, reviewer_ids=[profile.user_id])
    return affiliation


def affiliation_update(*, actor: User, affiliation: Affiliation, **values: Any) -> Affiliation:
    policy.require(actor, "reviewers.profile.edit", affiliation.profile)
    problems = Problems()
    clean = _clean_affiliation({**_affiliation_state(affiliation), **values}, problems)
    problems.raise_if_any()
    with transaction.atomic():
        affiliation = Affiliation.objects.select_for_update().get(pk=affiliation.pk)
        before = _affiliation_state(affiliation)
        for name, value in clean.items():
            setattr(affiliation, name, value)
        affiliation.save(update_fields=list(clean))
        record_event(
            actor=actor,
            action="affiliation.update",
            obj=affiliation,
            before=before,
            after=_affiliation_state(affiliation),
        )
        conflicts_refresh(actor=actor, reviewer_ids=[affiliation.profile.user_id])
    return affiliation


def affiliation_delete(*, actor: User, affiliation: Affiliation) -> None:
    """Remove a tie entered by mistake. An assignment it already ended stays ended."""
    policy.require(actor, "reviewers.profile.edit", affiliation.profile)
    with transaction.atomic():
        user_id = affiliation.profile.user_id
        record_event(
            actor=actor, action="affiliation.delete", obj=affiliation, before=_affiliation_state(affiliation)
        )
        affiliation.delete()
        conflicts_refresh(actor=actor, reviewer_ids=[user_id])


def competing_project_add(*, actor: User, profile: ReviewerProfile, **values: Any) -> CompetingProject:
    """Declare a product the reviewer works on elsewhere (target, indication, ATC): a potential conflict."""
    policy.require(actor, "reviewers.profile.edit", profile)
    problems = Problems()
    target = clean_text(values.get("target"), "target")[:200]
    icd10 = clean_text(values.get("icd10_code"), "icd10_code").upper()
    atc = clean_text(values.get("atc_code"), "atc_code").upper()
    if not (target or icd10 or atc):
        problems.add("target", _("Name the target, the indication's ICD-10 code or the ATC code."))
    if icd10 and not ICD10_CODE.match(icd10):
        problems.add("icd10_code", _("Enter an ICD-10 code such as C92 or C92.0."))
    if atc and not ATC_GROUP.match(atc):
        problems.add("atc_code", _("ATC groups look like L, L01, L01F, L01FX or L01FX01."))
    ended = values.get("ended_on")
    if ended is not None and not isinstance(ended, date):
        problems.add("ended_on", _("Enter a valid date."))
    problems.raise_if_any()
    with transaction.atomic():
        project = CompetingProject.objects.create(
            profile=profile,
            organisation_name=clean_text(values.get("organisation_name"), "organisation_name")[:300],
            target=target,
            icd10_code=icd10,
            atc_code=atc,
            ended_on=ended,
        )
        record_event(
            actor=actor,
            action="competing_project.add",
            obj=project,
            after={"target": target, "icd10_code": icd10, "atc_code": atc, "ended_on": ended},
        )
        conflicts_refresh(actor=actor, reviewer_ids=[profile.user_id])
    return project


def competing_project_delete(*, actor: User, project: CompetingProject) -> None:
    policy.require(actor, "reviewers.profile.edit", project.profile)
    with transaction.atomic():
        user_id = project.profile.user_id
        record_event(
            actor=actor,
            action="competing_project.delete",
            obj=project,
            before={"target": project.target, "icd10_code": project.icd10_code, "atc_code": project.atc_code},
        )
        project.delete()
        conflicts_refresh(actor=actor, reviewer_ids=[user_id])
