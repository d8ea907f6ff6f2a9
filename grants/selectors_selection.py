"""Reads of the selection: scores, proposals, decisions, results and appeals, scoped by role.

Ministry staff (officers, auditors, administrators) read every round's selection; a firm reads only
its own applications' published results and its own appeals (another firm's -> 404); reviewers
read none of it. Lists carry their joins, so a page of any length runs a fixed number of queries.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils.translation import gettext_lazy as _

from accounts.enums import Role
from core.errors import NotFound
from core.money import MoneyField, from_kopecks
from grants import scoring
from grants.enums import (
    DECIDABLE_APPLICATION_STATES,
    AppealState,
    DecisionOutcome,
    RoundState,
    SelectionDocumentKind,
)
from grants.models import (
    Appeal,
    Application,
    ApplicationVersion,
    FundingDecision,
    Round,
    RoundSelection,
    SelectionDocument,
    SelectionProposal,
)
from grants.selectors import READ_ALL_ROLES

SELECTION_STATES = (RoundState.IN_REVIEW, RoundState.SELECTION, RoundState.PUBLISHED, RoundState.ARCHIVED)
PANEL_SIZE = 5


def _role(user: Any) -> str:
    return str(getattr(user, "role", "")) if getattr(user, "is_authenticated", False) else ""


def is_ministry(user: Any) -> bool:
    return _role(user) in READ_ALL_ROLES


def _not_found(what: Any) -> NotFound:
    return NotFound("not_found", what)


# --- rounds -------------------------------------------------------------------------------------
def selection_rounds_visible_to(user: Any) -> QuerySet[Round]:
    """Rounds in review or later, for ministry staff, with the selection ledger and the latest run."""
    if not is_ministry(user):
        return Round.objects.none()
    latest = SelectionProposal.objects.filter(round=OuterRef("pk")).order_by("-number")
    return (
        Round.objects.filter(state__in=SELECTION_STATES)
        .select_related("program", "selection")
        .annotate(
            latest_proposal_number=Subquery(latest.values("number")[:1]),
            latest_funded_amount=Subquery(latest.values("funded_amount")[:1], output_field=MoneyField()),
            decision_count=Count("funding_decisions", distinct=True),
            open_appeal_count=Count(
                "applications__appeals",
                filter=Q(applications__appeals__state=AppealState.SUBMITTED),
                distinct=True,
            ),
        )
        .order_by("-decision_at", "-id")
    )


def selection_round_get(user: Any, pk: int | str) -> Round:
    try:
        return (
            selection_rounds_visible_to(user).prefetch_related("criteria", "area_links__area").get(pk=int(pk))
        )
    except (Round.DoesNotExist, ValueError, TypeError):
        raise _not_found(_("Round not found.")) from None


def round_selection_of(round_: Round) -> RoundSelection | None:
    try:
        return round_.selection
    except RoundSelection.DoesNotExist:
        return None


# --- proposals ----------------------------------------------------------------------------------
def proposals_visible_to(user: Any) -> QuerySet[SelectionProposal]:
    if not is_ministry(user):
        return SelectionProposal.objects.none()
    return SelectionProposal.objects.select_related("round", "created_by").defer("snapshot")


def proposal_get(user: Any, pk: int | str) -> SelectionProposal:
    if not is_ministry(user):
        raise _not_found(_("Proposal not found."))
    try:
        return SelectionProposal.objects.select_related("round", "created_by").get(pk=int(pk))
    except (SelectionProposal.DoesNotExist, ValueError, TypeError):
        raise _not_found(_("Proposal not found.")) from None


def latest_proposal(round_: Round) -> SelectionProposal | None:
    return round_.selection_proposals.select_related("created_by").order_by("-number").first()


@dataclass(frozen=True)
class Proposed:
    """What the frozen proposal says about one application."""

    outcome: str
    amount: Decimal
    rank: int | None
    status: str  # funded, reserve, below_threshold, not_scored

    @property
    def outcome_label(self) -> str:
        return str(DecisionOutcome(self.outcome).label)


def proposed_outcomes(proposal: SelectionProposal) -> dict[int, Proposed]:
    """Application id -> the proposal's outcome and amount, read from the stored snapshot."""
    result = proposal.snapshot["result"]
    ranks = {row["application_id"]: row["rank"] for row in result["ranking"]}
    proposed: dict[int, Proposed] = {}
    for row in result["funded"]:
        amount = from_kopecks(row["amount_kopecks"])
        proposed[row["application_id"]] = Proposed(DecisionOutcome.SELECTED, amount, row["rank"], "funded")
    for app_id in result["reserve"]:
        proposed[app_id] = Proposed(DecisionOutcome.RESERVE, Decimal("0.00"), ranks.get(app_id), "reserve")
    for row in result["below_threshold"]:
        proposed[row["application_id"]] = Proposed(
            DecisionOutcome.REJECTED, Decimal("0.00"), None, "below_threshold"
        )
    for app_id in proposal.snapshot["inputs"]["not_scored"]:
        proposed[app_id] = Proposed(DecisionOutcome.REJECTED, Decimal("0.00"), None, "not_scored")
    return proposed


@dataclass
class RankingRow:
    """One line of the ranking page: the application, its scores and what the proposal did with it."""

    application: Application
    scores: scoring.ApplicationScores | None
    proposed: Proposed | None
    decision: FundingDecision | None = None
    cumulative: Decimal = Decimal(0)  # money allotted down to and including this row
    misses: list = field(default_factory=list)
    skipped: bool = False


def _applications_by_id(ids: list[int]) -> dict[int, Application]:
    requested = ApplicationVersion.objects.filter(
        application=OuterRef("pk"), number=OuterRef("current_version")
    ).values("requested_amount")[:1]
    rows = (
        Application.objects.filter(pk__in=ids)
        .select_related("organisation", "priority_area")
        .annotate(frozen_amount=Subquery(requested, output_field=MoneyField()))
    )
    return {a.pk: a for a in rows}


def ranking_rows(round_: Round, proposal: SelectionProposal | None) -> list[RankingRow]:
    """The proposal's ranking, then below-threshold and unscored applications, each with its decision.

    Without a proposal: every eligible application with its current scores, best raw total first.
    Scores are the provider's current ones (what the officer sees now); the proposal's own inputs
    are in its snapshot.
    """
    scores = scoring.round_scores(round_).applications
    decisions = {d.application_id: d for d in FundingDecision.objects.filter(round=round_)}
    if proposal is None:
        ids = list(
            Application.objects.filter(round=round_, state__in=DECIDABLE_APPLICATION_STATES).values_list(
                "pk", flat=True
            )
        )
        apps = _applications_by_id(ids)
        order = sorted(ids, key=lambda pk: (-(scores[pk].total if pk in scores else Decimal(-1)), pk))
        return [RankingRow(apps[pk], scores.get(pk), None, decisions.get(pk)) for pk in order]
    result = proposal.snapshot["result"]
    proposed = proposed_outcomes(proposal)
    skipped = {row["application_id"] for row in result["skipped"]}
    misses = {row["application_id"]: row["misses"] for row in result["below_threshold"]}
    order = [row["application_id"] for row in result["ranking"]]
    order += sorted(misses) + list(proposal.snapshot["inputs"]["not_scored"])
    apps = _applications_by_id(order)
    rows, cumulative = [], Decimal(0)
    for pk in order:
        if pk not in apps:
            continue
        p = proposed.get(pk)
        if p is not None and p.outcome == DecisionOutcome.SELECTED:
            cumulative += p.amount
        rows.append(
            RankingRow(
                application=apps[pk],
                scores=scores.get(pk),
                proposed=p,
                decision=decisions.get(pk),
                cumulative=cumulative,
                misses=misses.get(pk, []),
                skipped=pk in skipped,
            )
        )
    return rows


def budget_line_index(rows: list[RankingRow]) -> int | None:
    """Index of the last row the proposal funds: the budget line is drawn under it."""
    last = None
    for index, row in enumerate(rows):
        if row.proposed is not None and row.proposed.status == "funded":
            last = index
    return last


def quota_usage(round_: Round, proposal: SelectionProposal | None) -> list[dict]:
    """Per area with a quota: the quota, what the proposal's quota pass used and what returned."""
    if proposal is None:
        return []
    names = {link.area.code: link.area for link in round_.area_links.all()}
    rows = []
    for usage in proposal.snapshot["result"]["quota_usage"]:
        rows.append(
            {
                "area": names.get(usage["area"], usage["area"]),
                "quota": from_kopecks(usage["quota_kopecks"]),
                "used": from_kopecks(usage["used_kopecks"]),
                "returned": from_kopecks(usage["returned_kopecks"]),
                "share": round(100 * usage["used_kopecks"] / usage["quota_kopecks"])
                if usage["quota_kopecks"]
                else 0,
            }
        )
    return rows


def review_progress(round_: Round) -> dict:
    """Eligible applications and how many have their k submitted reviews (rule 23)."""
    ids = list(
        Application.objects.filter(round=round_, state__in=DECIDABLE_APPLICATION_STATES).values_list(
            "pk", flat=True
        )
    )
    scores = scoring.round_scores(round_)
    k = round_.reviewers_per_application
    complete = sum(
        1 for pk in ids if pk in scores.applications and scores.applications[pk].submitted_reviews >= k
    )
    return {"eligible": len(ids), "complete": complete, "short": len(ids) - complete, "k": k}


# --- decisions and results ----------------------------------------------------------------------
def decisions_visible_to(user: Any) -> QuerySet[FundingDecision]:
    """Ministry staff: every decision. A firm: its own, once published. Reviewers: none."""
    qs = FundingDecision.objects.select_related(
        "application", "application__organisation", "application__priority_area", "round", "round__program"
    )
    role = _role(user)
    if role in READ_ALL_ROLES:
        return qs
    if role == Role.APPLICANT and user.organisation_id:
        return qs.filter(application__organisation_id=user.organisation_id, published_at__isnull=False)
    return qs.none()


def decision_get(user: Any, pk: int | str) -> FundingDecision:
    try:
        return decisions_visible_to(user).get(pk=int(pk))
    except (FundingDecision.DoesNotExist, ValueError, TypeError):
        raise _not_found(_("Decision not found.")) from None


def result_get(user: Any, application_pk: int | str) -> FundingDecision:
    """The published result of one application, by the application's id (a firm's result page)."""
    try:
        return (
            decisions_visible_to(user)
            .select_related("round__selection")
            .prefetch_related(
                Prefetch("application__appeals", queryset=Appeal.objects.prefetch_related("documents"))
            )
            .get(application_id=int(application_pk))
        )
    except (FundingDecision.DoesNotExist, ValueError, TypeError):
        raise _not_found(_("Result not found.")) from None


def results_list(user: Any) -> QuerySet[FundingDecision]:
    """Published results the user may see, newest first (a firm: its own)."""
    return decisions_visible_to(user).filter(published_at__isnull=False).order_by("-published_at", "-id")


def reviewer_comments(decision: FundingDecision) -> list[scoring.ReviewerComment]:
    """Anonymised comments, only once the result is published (and not while it is re-reviewed)."""
    if decision.published_at is None or decision.reopened_at is not None:
        return []
    return scoring.application_comments(decision.application)


# --- appeals ------------------------------------------------------------------------------------
def appeals_visible_to(user: Any) -> QuerySet[Appeal]:
    qs = Appeal.objects.select_related(
        "application", "application__organisation", "application__round", "decision", "submitted_by"
    ).prefetch_related("documents")
    role = _role(user)
    if role in READ_ALL_ROLES:
        return qs
    if role == Role.APPLICANT and user.organisation_id:
        return qs.filter(application__organisation_id=user.organisation_id)
    return qs.none()


def appeal_get(user: Any, pk: int | str) -> Appeal:
    try:
        return appeals_visible_to(user).get(pk=int(pk))
    except (Appeal.DoesNotExist, ValueError, TypeError):
        raise _not_found(_("Appeal not found.")) from None


def appeal_queue(user: Any, *, state: str = "") -> QuerySet[Appeal]:
    qs = appeals_visible_to(user)
    if state in AppealState.values:
        qs = qs.filter(state=state)
    return qs.order_by("submitted_at", "id") if state == AppealState.SUBMITTED else qs


# --- documents ----------------------------------------------------------------------------------
def selection_document_get(user: Any, pk: int | str) -> SelectionDocument:
    """Minutes: ministry staff. An appeal's files: ministry staff and the appealing firm."""
    qs = SelectionDocument.objects.select_related("appeal__application", "round")
    try:
        document = qs.get(pk=int(pk))
    except (SelectionDocument.DoesNotExist, ValueError, TypeError):
        raise _not_found(_("Document not found.")) from None
    if is_ministry(user):
        return document
    if (
        document.kind == SelectionDocumentKind.APPEAL
        and _role(user) == Role.APPLICANT
        and document.appeal.application.organisation_id == user.organisation_id
    ):
        return document
    raise _not_found(_("Document not found."))


# --- dashboard panels ---------------------------------------------------------------------------
def officer_selection_panel(user: Any) -> dict:
    rounds = list(
        selection_rounds_visible_to(user).filter(state__in=(RoundState.SELECTION, RoundState.PUBLISHED))[
            :PANEL_SIZE
        ]
    )
    waiting = appeals_visible_to(user).filter(state=AppealState.SUBMITTED).count() if is_ministry(user) else 0
    return {"rounds": rounds, "appeals_waiting": waiting}


def firm_results_panel(user: Any) -> dict:
    return {"results": list(results_list(user)[:PANEL_SIZE])}
