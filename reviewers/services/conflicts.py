"""Conflicts of interest (rules 13-15): detection, declarations, officers' decisions, related parties.

Detected conflicts are a materialised table, recomputed for the affected scope whenever an input
changes (an affiliation, a competing project, a related party, an assignment run), so that every list
and page can exclude conflicted applications in SQL. A blocking conflict on an active assignment ends
it at once and voids its unsubmitted scores; the application is then refilled from the other reviewers.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.enums import Role
from accounts.models import Organisation, User
from audit.services import record_event
from core.errors import Conflict as ConflictError
from core.errors import DomainError
from grants.enums import ApplicationState
from grants.models import Application
from reviewers import detection
from reviewers.enums import (
    ACTIVE_ASSIGNMENT_STATES,
    DETECTED_SOURCES,
    ConflictOutcome,
    ConflictSeverity,
    ConflictSource,
    DeclarationKind,
    PartyRole,
)
from reviewers.models import (
    Affiliation,
    Assignment,
    CompetingProject,
    Conflict,
    ConflictDecision,
    ConflictDeclaration,
    RelatedParty,
    ReviewSettings,
)
from reviewers.models.assignment import default_window_months
from reviewers.policy import require_officer
from reviewers.services._common import Problems, clean_identifiers, clean_text
from reviewers.services._ending import end_assignment

# Applications that can still be reviewed: conflicts are kept current for these only.
OPEN_STATES = (ApplicationState.SUBMITTED, ApplicationState.ELIGIBLE, ApplicationState.UNDER_REVIEW)
DETECTION_ACTOR = "system:reviewers.conflicts"


@dataclass(frozen=True)
class RefreshResult:
    added: int
    removed: int
    ended_assignments: list[int]


def _window_by_round(round_ids: Iterable[int]) -> dict[int, int]:
    rows = ReviewSettings.objects.filter(round_id__in=set(round_ids)).values_list(
        "round_id", "conflict_window_months"
    )
    windows = dict(rows)
    default = default_window_months()
    return {rid: windows.get(rid, default) for rid in set(round_ids)}


def find_conflicts(
    *, application_ids: Iterable[int] | None = None, reviewer_ids: Iterable[int] | None = None
):
    """Detected conflicts for open applications and reviewers in scope (None: all), per round's window."""
    apps = Application.objects.filter(state__in=OPEN_STATES)
    if application_ids is not None:
        apps = apps.filter(pk__in=list(application_ids))
    app_rows = list(
        apps.values(
            "pk", "round_id", "organisation_id", "organisation__name", "organisation__inn", "organisation__ogrn",
            "icd10_code", "atc_code", "title", "drug_name", "mechanism", "indication",
        )
    )  # fmt: skip
    affiliations = Affiliation.objects.all()
    projects = CompetingProject.objects.all()
    if reviewer_ids is not None:
        reviewer_ids = list(reviewer_ids)
        affiliations = affiliations.filter(profile__user_id__in=reviewer_ids)
        projects = projects.filter(profile__user_id__in=reviewer_ids)
    affiliation_rows = [
        detection.AffiliationRow(a["pk"], a["profile__user_id"], a["kind"], a["organisation_name"], a["inn"],
                                 a["ogrn"], a["ended_on"])
        for a in affiliations.values("pk", "profile__user_id", "kind", "organisation_name", "inn", "ogrn", "ended_on")
    ]  # fmt: skip
    project_rows = [
        detection.ProjectRow(
            p["profile__user_id"], p["target"], p["icd10_code"], p["atc_code"], p["ended_on"]
        )
        for p in projects.values("profile__user_id", "target", "icd10_code", "atc_code", "ended_on")
    ]
    app_ids = [a["pk"] for a in app_rows]
    org_ids = {a["organisation_id"] for a in app_rows}
    group: dict[int, list[RelatedParty]] = defaultdict(list)
    own: dict[int, list[RelatedParty]] = defaultdict(list)
    for party in RelatedParty.objects.filter(Q(organisation_id__in=org_ids) | Q(application_id__in=app_ids)):
        (group[party.organisation_id] if party.role == PartyRole.GROUP else own[party.application_id]).append(
            party
        )

    by_round: dict[int, list[dict]] = defaultdict(list)
    for row in app_rows:
        by_round[row["round_id"]].append(row)
    windows = _window_by_round(by_round)
    today = timezone.localdate()
    findings: list[detection.Finding] = []
    for round_id, rows in by_round.items():
        parties = []
        for a in rows:
            parties.append(
                detection.PartyRow(a["pk"], detection.APPLICANT, a["organisation__name"], a["organisation__inn"],
                                   a["organisation__ogrn"])
            )  # fmt: skip
            for p in group[a["organisation_id"]] + own[a["pk"]]:
                parties.append(detection.PartyRow(a["pk"], p.role, p.name, p.inn, p.ogrn))
        applications = [
            detection.ApplicationRow(
                a["pk"], a["icd10_code"], a["atc_code"],
                " ".join((a["title"], a["drug_name"], a["mechanism"], a["indication"])),
            )
            for a in rows
        ]  # fmt: skip
        findings += detection.detect(
            affiliations=affiliation_rows,
            parties=parties,
            projects=project_rows,
            applications=applications,
            today=today,
            window_months=windows[round_id],
        )
    return findings, app_ids


def conflicts_refresh(
    *,
    actor: Any,
    application_ids: Iterable[int] | None = None,
    reviewer_ids: Iterable[int] | None = None,
    refill: bool = True,
) -> RefreshResult:
    """Recompute detected conflicts in scope; end active assignments that now have a blocking conflict.

    With `refill`, each round that lost an assignment is refilled from the other reviewers.
    """
    reviewer_ids = list(reviewer_ids) if reviewer_ids is not None else None
    with transaction.atomic():
        findings, app_ids = find_conflicts(application_ids=application_ids, reviewer_ids=reviewer_ids)
        existing = Conflict.objects.filter(source__in=DETECTED_SOURCES, application_id__in=app_ids)
        if reviewer_ids is not None:
            existing = existing.filter(reviewer_id__in=reviewer_ids)
        current = {(c.reviewer_id, c.application_id, c.source, c.inn): c for c in existing}
        wanted = {f.key: f for f in findings}
        stale = [
            c.pk for key, c in current.items() if key not in wanted or c.severity != wanted[key].severity
        ]
        if stale:
            Conflict.objects.filter(pk__in=stale).delete()
        now = timezone.now()
        new = [
            Conflict(
                reviewer_id=f.reviewer_id,
                application_id=f.application_id,
                severity=f.severity,
                source=f.source,
                inn=f.inn,
                organisation_name=f.organisation_name[:300],
                affiliation_id=f.affiliation_id,
                note=f.note,
                detected_at=now,
            )
            for key, f in wanted.items()
            if key not in current or current[key].pk in stale
        ]
        Conflict.objects.bulk_create(new, batch_size=2000)
        removed = len(stale)
        ended = end_conflicted_assignments(application_ids=app_ids, reviewer_ids=reviewer_ids, refill=refill)
        if new or stale:
            record_event(
                actor=actor,
                action="conflicts.refresh",
                object_type="reviewers.conflict",
                after={
                    "added": len(new),
                    "removed": removed,
                    "ended_assignments": ended,
                    "applications": len(app_ids),
                    "reviewers": "all" if reviewer_ids is None else reviewer_ids,
                },
            )
    return RefreshResult(added=len(new), removed=removed, ended_assignments=ended)


def blocking_exists(reviewer_ref: Any = None, application_ref: Any = None) -> Exists:
    """EXISTS a blocking conflict for the outer row's reviewer and application (for filters)."""
    return Exists(
        Conflict.objects.filter(
            reviewer_id=reviewer_ref or OuterRef("reviewer_id"),
            application_id=application_ref or OuterRef("application_id"),
            severity=ConflictSeverity.BLOCKING,
        )
    )


def end_conflicted_assignments(
    *,
    application_ids: Iterable[int] | None = None,
    reviewer_ids: Iterable[int] | None = None,
    refill: bool = True,
) -> list[int]:
    """End every active assignment in scope whose pair has a blocking conflict; returns their ids."""
    active = Assignment.objects.filter(state__in=ACTIVE_ASSIGNMENT_STATES).filter(blocking_exists())
    if application_ids is not None:
        active = active.filter(application_id__in=list(application_ids))
    if reviewer_ids is not None:
        active = active.filter(reviewer_id__in=list(reviewer_ids))
    ended, rounds = [], set()
    for assignment in active.order_by("pk"):
        end_assignment(
            assignment,
            action="exclude",
            actor=DETECTION_ACTOR,
            reason=gettext(
                "A blocking conflict of interest was found; access ended and unsubmitted scores were voided."
            ),
        )
        ended.append(assignment.pk)
        rounds.add(assignment.round_id)
    if refill and rounds:
        from reviewers.services.assignment import round_refill  # the assignment service imports this one

        for round_id in sorted(rounds):
            round_refill(actor=DETECTION_ACTOR, round_id=round_id)
    return ended


def assignment_declare_conflict(*, actor: User, assignment: Assignment, description: str) -> Assignment:
    """The reviewer declares a conflict (e.g. involvement in preparing the application): the pair is
    blocked for good, access ends at once, unsubmitted scores are voided (rule 15), and the
    application is refilled from the other reviewers."""
    description = (description or "").strip()
    if not description:
        raise DomainError("reason_required", _("Describe the conflict of interest."), "description")
    with transaction.atomic():
        assignment = Assignment.objects.select_for_update().get(pk=assignment.pk)
        now = timezone.now()
        ended = end_assignment(assignment, action="declare_conflict", actor=actor, reason=description)
        ConflictDeclaration.objects.create(
            assignment=assignment,
            reviewer_id=assignment.reviewer_id,
            application_id=assignment.application_id,
            kind=DeclarationKind.CONFLICT,
            description=description,
            declared_at=now,
        )
        Conflict.objects.get_or_create(
            reviewer_id=assignment.reviewer_id,
            application_id=assignment.application_id,
            source=ConflictSource.DECLARED,
            inn="",
            defaults={"severity": ConflictSeverity.BLOCKING, "note": description, "detected_at": now},
        )
        from reviewers.services.assignment import round_refill

        round_refill(actor=actor, round_id=assignment.round_id)
    return ended


def conflict_decide(
    *, actor: User, reviewer: User, application: Application, outcome: str, reason: str
) -> ConflictDecision:
    """An officer's recorded decision on a potential conflict (rule 14): cleared lets the solver assign
    the pair; excluded blocks it like a blocking conflict (and ends an active assignment)."""
    require_officer(actor)
    reason = (reason or "").strip()
    problems = Problems()
    if outcome not in ConflictOutcome.values:
        problems.add("outcome", _("Choose whether the reviewer may review."))
    if not reason:
        problems.add("reason", _("Give the reason for the decision."))
    problems.raise_if_any()
    with transaction.atomic():
        potential = Conflict.objects.filter(
            reviewer=reviewer, application=application, severity=ConflictSeverity.POTENTIAL
        ).exists()
        blocking = Conflict.objects.filter(
            reviewer=reviewer, application=application, severity=ConflictSeverity.BLOCKING
        ).exists()
        if outcome == ConflictOutcome.CLEARED and blocking:
            raise DomainError(
                "conflict_blocking",
                _("This reviewer has a blocking conflict with the application; it cannot be cleared."),
                "outcome",
            )
        if outcome == ConflictOutcome.CLEARED and not potential:
            raise DomainError(
                "no_potential_conflict", _("There is no potential conflict to decide."), "outcome"
            )
        if ConflictDecision.objects.filter(reviewer=reviewer, application=application).exists():
            raise ConflictError("already_decided", _("A decision on this conflict is already recorded."))
        now = timezone.now()
        decision = ConflictDecision.objects.create(
            reviewer=reviewer,
            application=application,
            outcome=outcome,
            reason=reason,
            decided_by=actor,
            decided_at=now,
        )
        if outcome == ConflictOutcome.EXCLUDED:
            Conflict.objects.create(
                reviewer=reviewer,
                application=application,
                severity=ConflictSeverity.BLOCKING,
                source=ConflictSource.OFFICER,
                note=reason,
                detected_at=now,
            )
        record_event(
            actor=actor,
            action="conflict.decide",
            obj=decision,
            after={"reviewer": reviewer.pk, "application": application.pk, "outcome": outcome},
            reason=reason,
        )
        if outcome == ConflictOutcome.EXCLUDED:
            end_conflicted_assignments(application_ids=[application.pk], reviewer_ids=[reviewer.pk])
    return decision


def related_party_add(
    *,
    actor: User,
    role: str,
    name: str,
    inn: str,
    ogrn: str = "",
    application: Application | None = None,
    organisation: Organisation | None = None,
) -> RelatedParty:
    """Record a company of the applicant's group (on the organisation) or an application's CRO or trial
    site, by INN/OGRN; conflicts with those organisations are found at once (rule 13)."""
    require_officer(actor)
    problems = Problems()
    if role not in PartyRole.values:
        problems.add("role", _("Choose the organisation's role."))
    elif role == PartyRole.GROUP and organisation is None:
        problems.add("organisation", _("A group company belongs to the applicant organisation."))
    elif role != PartyRole.GROUP and application is None:
        problems.add("application", _("A CRO or trial site belongs to an application."))
    name = clean_text(name, "name", problems, required=True)[:300]
    inn, ogrn = clean_identifiers(inn, ogrn, problems)
    problems.raise_if_any()
    owner = {"organisation": organisation} if role == PartyRole.GROUP else {"application": application}
    with transaction.atomic():
        if RelatedParty.objects.filter(role=role, inn=inn, **owner).exists():
            raise DomainError("duplicate", _("This organisation is already recorded in this role."), "inn")
        party = RelatedParty.objects.create(role=role, name=name, inn=inn, ogrn=ogrn, added_by=actor, **owner)
        record_event(
            actor=actor, action="related_party.add", obj=party, after={"role": role, "inn": inn, "ogrn": ogrn}
        )
        conflicts_refresh(actor=actor, application_ids=_party_applications(party))
    return party


def related_party_delete(*, actor: User, party: RelatedParty) -> None:
    require_officer(actor)
    with transaction.atomic():
        application_ids = _party_applications(party)
        record_event(
            actor=actor,
            action="related_party.delete",
            obj=party,
            before={"role": party.role, "inn": party.inn},
        )
        party.delete()
        conflicts_refresh(actor=actor, application_ids=application_ids)


def _party_applications(party: RelatedParty) -> list[int]:
    if party.application_id:
        return [party.application_id]
    return list(
        Application.objects.filter(organisation_id=party.organisation_id, state__in=OPEN_STATES).values_list(
            "pk", flat=True
        )
    )


def reviewers_in_scope() -> list[int]:
    """Reviewers who can be assigned: active users with the reviewer role and a profile."""
    return list(
        User.objects.filter(role=Role.REVIEWER, is_active=True, reviewer_profile__isnull=False)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
