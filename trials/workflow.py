"""Transition tables of agreements, reports, claims, claim lines and payouts (core.workflow engine).

Money moves (commitment, release, payout) are written by the services in the same transaction as the
transition; the tables say who may move what, from where, and why not. Guards that check typed input
pass when the input is absent (available_actions calls them with {}).
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from accounts.enums import Role
from core.errors import Forbidden
from core.workflow import SYSTEM_ROLE, Transition, Workflow
from trials.enums import ACCEPTED_LINE_STATES, OUTSTANDING_PAYOUT_STATES, LineState
from trials.enums import AgreementState as AS
from trials.enums import ClaimState as CS
from trials.enums import OutcomeState as OS
from trials.enums import PayoutState as PS
from trials.enums import ReportState as RS
from trials.models import Agreement, ClaimLine, CostClaim, OutcomeReport, Payout, ProgressReport
from trials.policy import firm_object_check

OFFICER = frozenset({Role.OFFICER})
APPLICANT = frozenset({Role.APPLICANT})
OFFICER_OR_SYSTEM = frozenset({Role.OFFICER, SYSTEM_ROLE})


# --- agreement guards -----------------------------------------------------------------------------
def agreement_has_trials(agreement: Agreement, actor: Any, data: dict) -> str | None:
    if not agreement.trials.exists():
        return str(_("The agreement covers no trial."))
    return None


def nothing_in_flight(agreement: Agreement, actor: Any, data: dict) -> str | None:
    """Closing releases what was not paid: no payout or claim may still be on its way."""
    if agreement.payouts.filter(state__in=OUTSTANDING_PAYOUT_STATES).exists():
        return str(_("A payout is still proposed or approved: pay or cancel it first."))
    if agreement.claims.filter(state=CS.SUBMITTED).exists():
        return str(_("A cost claim is still being verified: finish its verification first."))
    return None


AGREEMENT_WORKFLOW = Workflow(
    Agreement,
    [
        Transition(
            "sign", (AS.DRAFT,), AS.SIGNED, OFFICER, _("Record signature"), guards=(agreement_has_trials,)
        ),
        Transition("activate", (AS.SIGNED,), AS.ACTIVE, OFFICER, _("Start the agreement")),
        Transition("verify_success", (AS.ACTIVE,), AS.SUCCESS_VERIFIED, OFFICER, _("Record success")),
        Transition(
            "record_failure", (AS.ACTIVE,), AS.FAILED, OFFICER, _("Record failure"), needs_reason=True
        ),
        Transition(
            "close",
            (AS.DRAFT, AS.SIGNED, AS.ACTIVE, AS.SUCCESS_VERIFIED, AS.FAILED),
            AS.CLOSED,
            OFFICER,
            _("Close"),
            guards=(nothing_in_flight,),
            needs_reason=True,
        ),
    ],
    object_check=firm_object_check,
)


# --- reports --------------------------------------------------------------------------------------
def agreement_reporting(obj: Any, actor: Any, data: dict) -> str | None:
    if obj.agreement.state == AS.CLOSED:
        return str(_("The agreement is closed."))
    return None


PROGRESS_REPORT_WORKFLOW = Workflow(
    ProgressReport,
    [
        Transition(
            "submit", (RS.DUE,), RS.SUBMITTED, APPLICANT, _("Submit report"), guards=(agreement_reporting,)
        )
    ],
    object_check=firm_object_check,
)

OUTCOME_REPORT_WORKFLOW = Workflow(
    OutcomeReport,
    [
        Transition(
            "submit", (OS.DRAFT,), OS.SUBMITTED, APPLICANT, _("Submit report"), guards=(agreement_reporting,)
        )
    ],
    object_check=firm_object_check,
)


# --- claims ---------------------------------------------------------------------------------------
def claim_has_lines(claim: CostClaim, actor: Any, data: dict) -> str | None:
    if not claim.lines.exists():
        return str(_("Add at least one cost line."))
    return None


def claim_agreement_open(claim: CostClaim, actor: Any, data: dict) -> str | None:
    if claim.agreement.state != AS.SUCCESS_VERIFIED:
        return str(_("Claims are filed only after success is verified and before the agreement closes."))
    return None


def claim_lines_decided(claim: CostClaim, actor: Any, data: dict) -> str | None:
    if claim.lines.filter(state=LineState.PENDING).exists():
        return str(_("Verify every line first."))
    return None


CLAIM_WORKFLOW = Workflow(
    CostClaim,
    [
        Transition(
            "submit",
            (CS.DRAFT,),
            CS.SUBMITTED,
            APPLICANT,
            _("Submit for verification"),
            guards=(claim_agreement_open, claim_has_lines),
        ),
        Transition(
            "complete_verification",
            (CS.SUBMITTED,),
            CS.VERIFIED,
            OFFICER,
            _("Complete verification"),
            guards=(claim_lines_decided,),
        ),
    ],
    object_check=firm_object_check,
)


def line_claim_submitted(line: ClaimLine, actor: Any, data: dict) -> str | None:
    if line.claim.state != CS.SUBMITTED:
        return str(_("Lines are verified while their claim is submitted for verification."))
    return None


DECIDABLE = (LineState.PENDING, *ACCEPTED_LINE_STATES, LineState.REJECTED)
LINE_WORKFLOW = Workflow(
    ClaimLine,
    [
        Transition(
            "accept", DECIDABLE, LineState.ACCEPTED, OFFICER, _("Accept"), guards=(line_claim_submitted,)
        ),
        Transition(
            "reduce",
            DECIDABLE,
            LineState.REDUCED,
            OFFICER,
            _("Accept in part"),
            guards=(line_claim_submitted,),
            needs_reason=True,
        ),
        Transition(
            "reject",
            DECIDABLE,
            LineState.REJECTED,
            OFFICER,
            _("Reject"),
            guards=(line_claim_submitted,),
            needs_reason=True,
        ),
    ],
)


# --- payouts --------------------------------------------------------------------------------------
def not_the_verifier(payout: Payout, actor: Any, data: dict) -> str | None:
    """Rule 34: the approver is a second officer — neither who proposed nor who verified the claim.
    It refuses the person, not the payout's state: Forbidden (403), where other guards say 400."""
    actor_id = getattr(actor, "pk", None)
    if actor_id is None:
        return None
    if payout.proposed_by_id == actor_id:
        raise Forbidden("second_officer_required", _("A second officer approves: you proposed this payout."))
    claim = payout.claim
    if claim.verified_by_id == actor_id or claim.lines.filter(verified_by_id=actor_id).exists():
        raise Forbidden("second_officer_required", _("A second officer approves: you verified this claim."))
    return None


def agreement_payable(payout: Payout, actor: Any, data: dict) -> str | None:
    if payout.agreement.state != AS.SUCCESS_VERIFIED:
        return str(_("Payouts are made only on an agreement whose success is verified."))
    return None


PAYOUT_WORKFLOW = Workflow(
    Payout,
    [
        Transition(
            "approve",
            (PS.PROPOSED,),
            PS.APPROVED,
            OFFICER,
            _("Approve"),
            guards=(agreement_payable, not_the_verifier),
        ),
        Transition(
            "mark_paid", (PS.APPROVED,), PS.PAID, OFFICER, _("Mark paid"), guards=(agreement_payable,)
        ),
        Transition(
            "cancel", (PS.PROPOSED, PS.APPROVED), PS.CANCELLED, OFFICER, _("Cancel"), needs_reason=True
        ),
    ],
)

WORKFLOWS = (
    AGREEMENT_WORKFLOW,
    PROGRESS_REPORT_WORKFLOW,
    OUTCOME_REPORT_WORKFLOW,
    CLAIM_WORKFLOW,
    LINE_WORKFLOW,
    PAYOUT_WORKFLOW,
)
