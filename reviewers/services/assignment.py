"""The assignment of reviewers (rule 16): inputs from profiles, applications and conflicts; the
min-cost-flow solve (`reviewers.matching`); the stored run; refills after a decline, a conflict or
a reassignment (existing pairs kept); and the officer's manual swap (conflicts still enforced)."""

from __future__ import annotations

import itertools
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.enums import Role
from accounts.models import User
from audit.services import EventSpec, record_event, record_events
from core.errors import Conflict as StateConflict
from core.errors import DomainError
from core.workflow import perform
from grants.enums import ApplicationState, RoundState
from grants.models import Application, Round
from grants.workflow import APPLICATION_WORKFLOW, ROUND_WORKFLOW
from reviewers import matching
from reviewers.enums import (
    ACTIVE_ASSIGNMENT_STATES,
    AssignmentSource,
    ConflictOutcome,
    ConflictSeverity,
    RunKind,
    RunStatus,
)
from reviewers.models import (
    Assignment,
    AssignmentRun,
    Conflict,
    ConflictDecision,
    ReviewerProfile,
    ReviewSettings,
)
from reviewers.policy import require_officer
from reviewers.services.conflicts import conflicts_refresh

ASSIGNABLE_STATES = (ApplicationState.ELIGIBLE, ApplicationState.UNDER_REVIEW)
RUNNABLE_ROUND_STATES = (RoundState.CLOSED, RoundState.IN_REVIEW)
_WORD = re.compile(r"\w{3,}", re.UNICODE)


def review_settings(round_: Round) -> ReviewSettings:
    """The round's review settings, or the defaults (unsaved) when the officer kept them."""
    found = ReviewSettings.objects.filter(round=round_).first()
    return found or ReviewSettings(round=round_)


def application_keywords(*texts: str) -> tuple[str, ...]:
    """Words (3+ letters) and pairs of consecutive words, to meet a reviewer's keywords ("gene therapy")."""
    words = _WORD.findall(" ".join(texts).casefold())
    return tuple(sorted(set(words) | {f"{a} {b}" for a, b in itertools.pairwise(words)}))


@dataclass
class Inputs:
    """Everything the solver sees, built from the database (in id order: the same rows, the same inputs)."""

    round: Round
    applications: list[matching.ApplicationProfile]
    reviewers: list[matching.ReviewerProfile]
    conflicts: set[tuple[int, int]]
    forced: set[tuple[int, int]]
    k: int
    seed: int
    max_candidates: int | None
    refill: bool
    undecided: set[tuple[int, int]] = field(default_factory=set)


def assignment_inputs(round_: Round, *, refill: bool) -> Inputs:
    """The matching problem of a round: eligible applications, reviewers with their load limits, the
    excluded pairs (blocking or undecided potential conflicts, and pairs that already ended) and the
    kept pairs (active assignments). A refill relaxes load floors: it only fills holes."""
    config = review_settings(round_)
    apps = list(
        Application.objects.filter(round=round_, state__in=ASSIGNABLE_STATES)
        .order_by("pk")
        .values("pk", "priority_area__code", "atc_code", "icd10_code", "modality", "title", "drug_name",
                "mechanism", "indication")
    )  # fmt: skip
    app_ids = {a["pk"] for a in apps}
    pairs = Assignment.objects.filter(round=round_, application_id__in=app_ids).values_list(
        "application_id", "reviewer_id", "state"
    )
    forced, ended = set(), set()
    for aid, rid, state in pairs:
        (forced if state in ACTIVE_ASSIGNMENT_STATES else ended).add((aid, rid))
    kept_per_reviewer = Counter(rid for _a, rid in forced)

    profiles = list(
        ReviewerProfile.objects.filter(
            Q(user__role=Role.REVIEWER, user__is_active=True) | Q(user_id__in=set(kept_per_reviewer))
        )
        .order_by("user_id")
        .values("pk", "user_id", "user__is_active", "modalities", "icd10_chapters", "icd10_codes", "atc_groups",
                "keywords", "max_load")
    )  # fmt: skip
    areas: dict[int, list[str]] = defaultdict(list)
    through = ReviewerProfile.priority_areas.through
    for profile_id, code in through.objects.filter(
        reviewerprofile_id__in=[p["pk"] for p in profiles]
    ).values_list("reviewerprofile_id", "priorityarea__code"):
        areas[profile_id].append(code)
    reviewers = []
    for p in profiles:
        kept = kept_per_reviewer[p["user_id"]]
        high = p["max_load"] if p["max_load"] is not None else round_.max_load
        if not p["user__is_active"]:
            high = 0  # a deactivated reviewer keeps what they have and takes nothing new
        high = max(high, kept)
        low = 0 if refill else min(round_.min_load, high)
        reviewers.append(
            matching.ReviewerProfile(
                reviewer_id=p["user_id"],
                min_load=low,
                max_load=high,
                priority_areas=tuple(sorted(areas[p["pk"]])),
                atc_codes=tuple(p["atc_groups"]),
                icd10_chapters=tuple(p["icd10_chapters"]),
                icd10_codes=tuple(p["icd10_codes"]),
                modalities=tuple(p["modalities"]),
                keywords=tuple(p["keywords"]),
            )
        )
    applications = [
        matching.ApplicationProfile(
            application_id=a["pk"],
            priority_area=a["priority_area__code"],
            atc_codes=(a["atc_code"],) if a["atc_code"] else (),
            icd10_codes=(a["icd10_code"],) if a["icd10_code"] else (),
            modalities=(a["modality"],) if a["modality"] else (),
            keywords=application_keywords(a["title"], a["drug_name"], a["mechanism"], a["indication"]),
        )
        for a in apps
    ]
    cleared = set(
        ConflictDecision.objects.filter(
            application_id__in=app_ids, outcome=ConflictOutcome.CLEARED
        ).values_list("application_id", "reviewer_id")
    )
    blocked, undecided = set(), set()
    for aid, rid, severity in Conflict.objects.filter(application_id__in=app_ids).values_list(
        "application_id", "reviewer_id", "severity"
    ):
        if severity == ConflictSeverity.BLOCKING:
            blocked.add((aid, rid))
        elif (aid, rid) not in cleared:
            undecided.add((aid, rid))
    # An active pair with a new potential conflict stays (access is ended only by a blocking one);
    # the officer sees it among the conflicts awaiting a decision.
    conflicts = blocked | ended | (undecided - forced)
    return Inputs(
        round=round_,
        applications=applications,
        reviewers=reviewers,
        conflicts=conflicts,
        forced=forced,
        k=round_.reviewers_per_application,
        seed=config.seed,
        max_candidates=config.max_candidates,
        refill=refill,
        undecided=undecided,
    )


def assignment_plan(inputs: Inputs) -> matching.AssignmentResult:
    """Solve without writing anything (the same inputs always give the same result)."""
    return matching.assign_reviewers(
        inputs.applications,
        inputs.reviewers,
        reviewers_per_application=inputs.k,
        conflicts=inputs.conflicts,
        forced=inputs.forced,
        seed=inputs.seed,
        max_candidates=inputs.max_candidates,
    )


def due_for_new_assignment(round_: Round, now: datetime | None = None) -> datetime:
    """The round's review due time, or REVIEW_REFILL_DAYS [14] from now if that leaves less time."""
    now = now or timezone.now()
    days = int(getattr(settings, "REVIEW_REFILL_DAYS", 14))
    return max(round_.review_due_at, now + timedelta(days=days))


def _report(inputs: Inputs, result: matching.AssignmentResult, added: int) -> dict:
    return {
        "applications": len(inputs.applications),
        "reviewers": len(inputs.reviewers),
        "k": inputs.k,
        "min_load": 0 if inputs.refill else inputs.round.min_load,
        "max_load": inputs.round.max_load,
        "kept": len(inputs.forced),
        "added": added,
        "excluded_pairs": len(inputs.conflicts),
        "undecided_conflicts": len(inputs.undecided),
        "max_candidates": inputs.max_candidates,
        "blockers": [
            {
                "code": b.code,
                "application_ids": list(b.application_ids),
                "reviewer_ids": list(b.reviewer_ids),
                "required": b.required,
                "available": b.available,
            }
            for b in result.blockers
        ],
        "loads": {str(rid): n for rid, n in sorted(result.loads().items())},
    }


def _solve_and_store(round_: Round, *, actor: Any, kind: str) -> AssignmentRun:
    """Solve the round's problem and store the run; assign the new pairs only if it is feasible."""
    inputs = assignment_inputs(round_, refill=kind == RunKind.REFILL)
    result = assignment_plan(inputs)
    now = timezone.now()
    new_pairs = [p for p in result.pairs if not p.kept]
    run = AssignmentRun.objects.create(
        round=round_,
        kind=kind,
        status=RunStatus.OK if result.feasible else RunStatus.INFEASIBLE,
        inputs_hash=result.input_hash,
        objective=result.objective,
        seed=result.seed,
        algorithm=result.algorithm,
        solver=result.solver,
        solver_version=result.solver_version,
        report=_report(inputs, result, len(new_pairs) if result.feasible else 0),
        pairs_added=len(new_pairs) if result.feasible else 0,
        created_by=actor if isinstance(actor, User) else None,
        created_at=now,
    )
    if result.feasible and new_pairs:
        due = due_for_new_assignment(round_, now)
        Assignment.objects.bulk_create(
            (
                Assignment(
                    round=round_,
                    application_id=p.application_id,
                    reviewer_id=p.reviewer_id,
                    run=run,
                    source=AssignmentSource.SOLVER,
                    affinity=p.affinity,
                    due_at=due,
                    assigned_at=now,
                )
                for p in new_pairs
            ),
            batch_size=2000,
        )
    record_event(
        actor=actor,
        action=f"assignment_run.{run.status}",
        obj=run,
        after={
            "kind": kind,
            "inputs_hash": run.inputs_hash,
            "objective": run.objective,
            "added": [[p.application_id, p.reviewer_id] for p in new_pairs] if result.feasible else [],
            "blockers": [b.code for b in result.blockers],
        },
    )
    if result.feasible:
        send_to_review(round_, actor=actor)
        from reviewers.deadlines import review_deadlines_sync

        review_deadlines_sync(round_, actor=actor)
    return run


def send_to_review(round_: Round, *, actor: Any) -> int:
    """Move the round's eligible applications to "under review" at once: the workflow's "start_review"
    checks (role, object rule, guards) for each, one conditional UPDATE of them all, their audit events
    in one batch (the same events `perform` writes one by one) and the transition's effects after commit.
    An application that left "eligible" meanwhile refuses the whole move (Conflict "stale_state"), and
    the caller's transaction rolls back. Returns how many moved."""
    workflow, action, source = APPLICATION_WORKFLOW, "start_review", ApplicationState.ELIGIBLE
    transition = workflow.transition(source, action)
    if transition is None:  # the table no longer allows it: refuse as `perform` would
        raise workflow.invalid_transition(source, action)
    rows = list(
        Application.objects.filter(round=round_, state=source)
        .only("pk", "title", "state", "organisation", "round")
        .order_by("pk")
    )
    if not rows:
        return 0
    for row in rows:
        row.round = round_  # guards read the round: the locked one, not 2,000 fetches
    refusal = workflow.role_refusal(actor, transition)
    for row in rows:
        refusal = (
            refusal
            or workflow.object_refusal(row, actor)
            or workflow.guard_refusal(row, actor, transition, {})
        )
        if refusal is not None:
            raise refusal
    with transaction.atomic():
        moved = Application._base_manager.filter(pk__in=[row.pk for row in rows], state=source).update(
            state=transition.target
        )
        if moved != len(rows):
            # Someone moved one of them between our read and our UPDATE: they won, we refuse (and roll back).
            raise StateConflict(
                "stale_state",
                _("Someone else changed this item a moment ago. Reload the page and try again."),
                details={"state": str(source), "expected": len(rows), "moved": moved},
            )
        for row in rows:
            row.state = transition.target
        record_events(
            actor=actor,
            events=(
                EventSpec(
                    action=f"{workflow.name}.{action}",
                    obj=row,
                    before={"state": str(source)},
                    after={"state": str(transition.target)},
                )
                for row in rows
            ),
        )
        for effect in transition.effects:
            for row in rows:
                transaction.on_commit(partial(effect, row, actor, {}), robust=True)
    return moved


def lock_round(round_id: int) -> Round:
    return Round.objects.select_for_update().get(pk=round_id)


def assignment_run(*, actor: User, round: Round) -> AssignmentRun:
    """Assign k reviewers to every eligible application of the round (rule 16), or store an infeasible
    run whose report names the applications and limits that block it, assigning nothing. Existing
    active assignments are kept. The first successful run moves the round and its applications into review.
    """
    require_officer(actor)
    with transaction.atomic():
        round_ = lock_round(round.pk)
        if round_.state not in RUNNABLE_ROUND_STATES:
            raise DomainError(
                "round_not_in_review",
                _("Reviewers are assigned after the round closes and before selection."),
            )
        unscreened = Application.objects.filter(round=round_, state=ApplicationState.SUBMITTED).count()
        if unscreened:
            raise DomainError(
                "screening_unfinished",
                _("Screen every submitted application first: %(count)d still wait for screening.")
                % {"count": unscreened},
            )
        if not Application.objects.filter(round=round_, state__in=ASSIGNABLE_STATES).exists():
            raise DomainError("nothing_to_assign", _("The round has no eligible application to assign."))
        conflicts_refresh(
            actor=actor,
            application_ids=Application.objects.filter(round=round_, state__in=ASSIGNABLE_STATES).values_list(
                "pk", flat=True
            ),
            refill=False,
        )
        has_active = Assignment.objects.filter(round=round_, state__in=ACTIVE_ASSIGNMENT_STATES).exists()
        run = _solve_and_store(round_, actor=actor, kind=RunKind.REFILL if has_active else RunKind.INITIAL)
        if run.status == RunStatus.OK and round_.state == RoundState.CLOSED:
            perform(ROUND_WORKFLOW, round_, "start_review", actor=actor)
    return run


def missing_reviews(round_: Round) -> int:
    """Places still open among the round's assignable applications (k minus active assignments each)."""
    k = round_.reviewers_per_application
    counts = (
        Application.objects.filter(round=round_, state__in=ASSIGNABLE_STATES)
        .annotate(n=Count("assignments", filter=Q(assignments__state__in=ACTIVE_ASSIGNMENT_STATES)))
        .values_list("n", flat=True)
    )
    return sum(max(0, k - n) for n in counts)


def round_refill(*, actor: Any, round_id: int) -> AssignmentRun | None:
    """Re-solve for the holes left by declines, conflicts and reassignments, keeping every active pair.

    Runs only once the round has had a successful run and only when a place is open. An infeasible
    refill is stored and the officers are told; the holes stay until an officer swaps someone in.
    """
    with transaction.atomic():
        round_ = lock_round(round_id)
        if not AssignmentRun.objects.filter(round=round_, status=RunStatus.OK).exists():
            return None
        if missing_reviews(round_) == 0:
            return None
        run = _solve_and_store(round_, actor=actor, kind=RunKind.REFILL)
        if run.status == RunStatus.INFEASIBLE:
            from reviewers.deadlines import tell_officers_refill_failed

            tell_officers_refill_failed(run)
    return run
