"""Every read a user can trigger, scoped by role and organisation (another firm's object -> 404).

Firms see their own agreements and everything under them; officers, auditors and administrators see
all (rule 37: auditors read everything financial). Lists carry their joins and the ledger-derived
balances as annotations, so a page of any length runs a fixed number of queries.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from accounts.enums import Role
from core.errors import NotFound
from core.money import MoneyField
from grants.models import Application
from trials.balances import with_balances
from trials.enums import OUTSTANDING_PAYOUT_STATES, ClaimState, ReportState
from trials.models import (
    Agreement,
    ClaimLine,
    CostClaim,
    EvidenceFile,
    LedgerEntry,
    OutcomeReport,
    Payout,
    ProgressReport,
    Recovery,
    SuccessDecision,
    Trial,
)
from trials.policy import READ_ALL_ROLES, role_of


def _scope(qs: QuerySet, user: Any, path: str) -> QuerySet:
    """Applicants: their organisation's rows (`path` leads to the organisation id); ministry readers:
    all; anyone else: none."""
    role = role_of(user)
    if role in READ_ALL_ROLES or getattr(user, "is_superuser", False):
        return qs
    if role == Role.APPLICANT and user.organisation_id:
        return qs.filter(**{path: user.organisation_id})
    return qs.none()


def _get(qs: QuerySet, pk: Any, message: Any) -> Any:
    try:
        return qs.get(pk=int(pk))
    except (qs.model.DoesNotExist, ValueError, TypeError):
        raise NotFound("not_found", message) from None


# --- agreements ----------------------------------------------------------------------------------
def agreements_visible_to(user: Any, *, as_of: Any = None) -> QuerySet[Agreement]:
    """Agreements with their firm, round and program, annotated with ledger balances."""
    qs = Agreement.objects.select_related("organisation", "round", "round__program", "application")
    return with_balances(_scope(qs, user, "organisation_id"), as_of)


def agreement_get(user: Any, pk: Any) -> Agreement:
    """One agreement with everything its page shows, in a fixed number of queries."""
    qs = agreements_visible_to(user).prefetch_related(
        "trials",
        Prefetch("progress_reports", queryset=ProgressReport.objects.order_by("number")),
        Prefetch("claims", queryset=claims_annotated(CostClaim.objects.all()).order_by("-number")),
        Prefetch("payouts", queryset=Payout.objects.select_related("claim").order_by("-proposed_at", "-id")),
        Prefetch("recoveries", queryset=Recovery.objects.order_by("-created_at", "-id")),
        Prefetch(
            "evidence",
            queryset=EvidenceFile.objects.filter(
                line__isnull=True, progress_report__isnull=True, outcome_report__isnull=True
            ),
            to_attr="decision_evidence",
        ),
    )
    agreement = _get(qs, pk, _("Agreement not found."))
    agreement.decision_record = (
        SuccessDecision.objects.filter(agreement=agreement)
        .select_related("expert_opinion", "authorisation_document", "endpoint_document", "endpoint_trial")
        .first()
    )
    agreement.outcome = OutcomeReport.objects.filter(agreement=agreement).prefetch_related("evidence").first()
    return agreement


def selected_without_agreement(user: Any) -> QuerySet[Application]:
    """Applications selected in a published decision that have no agreement yet (officers' to-do)."""
    if role_of(user) not in READ_ALL_ROLES:
        return Application.objects.none()
    return (
        Application.objects.filter(
            funding_decision__outcome="selected",
            funding_decision__published_at__isnull=False,
            funding_decision__reopened_at__isnull=True,
        )
        .exclude(Exists(Agreement.objects.filter(application=OuterRef("pk"))))
        .select_related("organisation", "round", "funding_decision")
        .order_by("round_id", "id")
    )


def selected_application_get(user: Any, pk: Any) -> Application:
    return _get(selected_without_agreement(user), pk, _("No selected application without an agreement."))


# --- trials and reports ----------------------------------------------------------------------------
def trial_get(user: Any, pk: Any) -> Trial:
    qs = _scope(
        Trial.objects.select_related("agreement", "agreement__organisation"),
        user,
        "agreement__organisation_id",
    )
    return _get(qs, pk, _("Trial not found."))


def progress_reports_visible_to(user: Any) -> QuerySet[ProgressReport]:
    qs = ProgressReport.objects.select_related("agreement", "agreement__organisation", "submitted_by")
    return _scope(qs, user, "agreement__organisation_id").order_by("due_at", "id")


def progress_report_get(user: Any, pk: Any) -> ProgressReport:
    qs = progress_reports_visible_to(user).prefetch_related("evidence")
    return _get(qs, pk, _("Report not found."))


def overdue_reports(user: Any) -> QuerySet[ProgressReport]:
    return progress_reports_visible_to(user).filter(state=ReportState.DUE, overdue_at__isnull=False)


# --- claims ---------------------------------------------------------------------------------------
def claims_annotated(qs: QuerySet[CostClaim]) -> QuerySet[CostClaim]:
    """Line counts and claimed/accepted totals in SQL."""
    return qs.annotate(
        line_count=Count("lines", distinct=True),
        pending_count=Count("lines", filter=Q(lines__state="pending"), distinct=True),
        claimed_total=Coalesce(Sum("lines__amount"), Value(0), output_field=MoneyField()),
        accepted_total=Coalesce(Sum("lines__accepted_amount"), Value(0), output_field=MoneyField()),
    )


def claims_visible_to(user: Any) -> QuerySet[CostClaim]:
    qs = CostClaim.objects.select_related("agreement", "agreement__organisation", "agreement__round")
    return claims_annotated(_scope(qs, user, "agreement__organisation_id")).order_by("-created_at", "-id")


def claim_lines_visible_to(user: Any) -> QuerySet[ClaimLine]:
    """Cost lines of the claims `user` may read."""
    return (
        ClaimLine.objects.filter(claim__agreement__in=agreements_visible_to(user).values("pk"))
        .select_related("claim", "claim__agreement", "trial", "category")
        .prefetch_related("evidence")
    )


def trials_visible_to(user: Any) -> QuerySet[Trial]:
    """Trials of the agreements `user` may read."""
    return (
        Trial.objects.filter(agreement__in=agreements_visible_to(user).values("pk"))
        .select_related("agreement")
        .order_by("agreement_id", "id")
    )


def claim_get(user: Any, pk: Any) -> CostClaim:
    lines = ClaimLine.objects.select_related("trial", "category", "verified_by").prefetch_related(
        Prefetch("evidence", queryset=EvidenceFile.objects.order_by("kind", "id"))
    )
    qs = (
        claims_visible_to(user)
        .select_related("agreement__round__program")
        .prefetch_related(
            Prefetch("lines", queryset=lines.order_by("id")),
            Prefetch("payouts", queryset=Payout.objects.order_by("-proposed_at", "-id")),
        )
    )
    return _get(qs, pk, _("Claim not found."))


def claim_line_get(user: Any, pk: Any) -> ClaimLine:
    qs = _scope(
        ClaimLine.objects.select_related("claim", "claim__agreement", "trial", "category"),
        user,
        "claim__agreement__organisation_id",
    )
    return _get(qs, pk, _("Line not found."))


def verification_queue(user: Any) -> QuerySet[CostClaim]:
    """Claims waiting for verification, the earliest SLA first (officers, auditors, administrators)."""
    if role_of(user) not in READ_ALL_ROLES:
        return CostClaim.objects.none()
    return claims_visible_to(user).filter(state=ClaimState.SUBMITTED).order_by("verification_due_at", "id")


# --- evidence, payouts, recoveries, ledger ---------------------------------------------------------
def evidence_visible_to(user: Any) -> QuerySet[EvidenceFile]:
    return _scope(EvidenceFile.objects.select_related("agreement"), user, "agreement__organisation_id")


def evidence_get(user: Any, pk: Any) -> EvidenceFile:
    return _get(evidence_visible_to(user), pk, _("File not found."))


def payouts_visible_to(user: Any) -> QuerySet[Payout]:
    qs = Payout.objects.select_related(
        "agreement", "agreement__organisation", "claim", "proposed_by", "approved_by", "paid_by"
    )
    return _scope(qs, user, "agreement__organisation_id").order_by("-proposed_at", "-id")


def payout_get(user: Any, pk: Any) -> Payout:
    return _get(payouts_visible_to(user), pk, _("Payout not found."))


def payouts_awaiting(user: Any) -> QuerySet[Payout]:
    """Payouts proposed or approved, not paid yet (officers' approval queue)."""
    if role_of(user) not in READ_ALL_ROLES:
        return Payout.objects.none()
    return payouts_visible_to(user).filter(state__in=OUTSTANDING_PAYOUT_STATES).order_by("proposed_at", "id")


def recoveries_visible_to(user: Any) -> QuerySet[Recovery]:
    qs = Recovery.objects.select_related("agreement", "agreement__organisation", "payout", "created_by")
    return _scope(qs, user, "agreement__organisation_id").order_by("-created_at", "-id")


def recovery_get(user: Any, pk: Any) -> Recovery:
    return _get(recoveries_visible_to(user), pk, _("Recovery not found."))


def ledger_visible_to(user: Any) -> QuerySet[LedgerEntry]:
    qs = LedgerEntry.objects.select_related("agreement", "agreement__organisation", "round", "created_by")
    return _scope(qs, user, "agreement__organisation_id").order_by("-created_at", "-id")


# --- dashboard panels -----------------------------------------------------------------------------
def firm_panel(user: Any) -> dict:
    agreements = list(agreements_visible_to(user).order_by("-created_at", "-id")[:5])
    due = list(progress_reports_visible_to(user).filter(state=ReportState.DUE).order_by("due_at")[:5])
    return {"agreements": agreements, "due_reports": due}


def officer_panel(user: Any) -> dict:
    return {
        "queue": list(verification_queue(user)[:5]),
        "queue_count": verification_queue(user).count(),
        "awaiting": list(payouts_awaiting(user)[:5]),
        "overdue_reports": overdue_reports(user).count(),
        "to_draw_up": selected_without_agreement(user).count(),
    }
