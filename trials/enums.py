"""Choices of the trials domain. Values are stable API strings; labels are translatable."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class AgreementState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SIGNED = "signed", _("Signed")
    ACTIVE = "active", _("Active")
    SUCCESS_VERIFIED = "success_verified", _("Success verified")
    FAILED = "failed", _("Failed")
    CLOSED = "closed", _("Closed")


# States whose commitment still counts against the round budget (closing releases what was not paid).
COMMITTED_STATES = frozenset(
    {AgreementState.SIGNED, AgreementState.ACTIVE, AgreementState.SUCCESS_VERIFIED, AgreementState.FAILED}
)


class TrialStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    RECRUITING = "recruiting", _("Recruiting")
    ACTIVE = "active", _("Active, not recruiting")
    COMPLETED = "completed", _("Completed")
    TERMINATED = "terminated", _("Terminated")


class ReportState(models.TextChoices):
    DUE = "due", _("Due")
    SUBMITTED = "submitted", _("Submitted")


class OutcomeState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")


class EvidenceKind(models.TextChoices):
    # Cost evidence (rule 30): a contract, proof of delivery, proof of payment.
    CONTRACT = "contract", _("Contract")
    ACCEPTANCE_ACT = "acceptance_act", _("Acceptance act")
    UPD = "upd", _("Universal transfer document (UPD)")
    PAYMENT_ORDER = "payment_order", _("Payment order")
    BANK_STATEMENT = "bank_statement", _("Bank statement")
    # Reports.
    PROGRESS_REPORT = "progress_report", _("Progress report")
    OUTCOME_REPORT = "outcome_report", _("Outcome report")
    # Success evidence, uploaded by the officer (rule 29).
    MARKETING_AUTHORISATION = "marketing_authorisation", _("Marketing authorisation")
    ENDPOINT_REPORT = "endpoint_report", _("Primary endpoint result")
    EXPERT_OPINION = "expert_opinion", _("Expert opinion on first/best-in-class status")
    OTHER = "other", _("Other")


COST_EVIDENCE_KINDS = frozenset(
    {
        EvidenceKind.CONTRACT,
        EvidenceKind.ACCEPTANCE_ACT,
        EvidenceKind.UPD,
        EvidenceKind.PAYMENT_ORDER,
        EvidenceKind.BANK_STATEMENT,
        EvidenceKind.OTHER,
    }
)
REPORT_EVIDENCE_KINDS = frozenset(
    {EvidenceKind.PROGRESS_REPORT, EvidenceKind.OUTCOME_REPORT, EvidenceKind.OTHER}
)
DECISION_EVIDENCE_KINDS = frozenset(
    {
        EvidenceKind.MARKETING_AUTHORISATION,
        EvidenceKind.ENDPOINT_REPORT,
        EvidenceKind.EXPERT_OPINION,
        EvidenceKind.OTHER,
    }
)
# Rule 30: each line carries one document of every group.
REQUIRED_COST_EVIDENCE = (
    (frozenset({EvidenceKind.CONTRACT}), _("the contract")),
    (frozenset({EvidenceKind.ACCEPTANCE_ACT, EvidenceKind.UPD}), _("an acceptance act or UPD")),
    (
        frozenset({EvidenceKind.PAYMENT_ORDER, EvidenceKind.BANK_STATEMENT}),
        _("a payment order or bank statement"),
    ),
)


class DecisionOutcome(models.TextChoices):
    SUCCESS = "success", _("Success")
    FAILURE = "failure", _("Failure")


class ClaimState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted for verification")
    VERIFIED = "verified", _("Verified")


class LineState(models.TextChoices):
    PENDING = "pending", _("Not verified yet")
    ACCEPTED = "accepted", _("Accepted")
    REDUCED = "reduced", _("Accepted in part")
    REJECTED = "rejected", _("Rejected")


# Lines whose cost document is spent (rule 31): a document backs at most one of these anywhere.
ACCEPTED_LINE_STATES = (LineState.ACCEPTED, LineState.REDUCED)


class PayoutState(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    APPROVED = "approved", _("Approved")
    PAID = "paid", _("Paid")
    CANCELLED = "cancelled", _("Cancelled")


# Payouts that hold part of the cap until they are paid or cancelled.
OUTSTANDING_PAYOUT_STATES = (PayoutState.PROPOSED, PayoutState.APPROVED)


class LedgerKind(models.TextChoices):
    COMMITMENT = "commitment", _("Commitment")
    RELEASE = "release", _("Release")
    PAYOUT = "payout", _("Payout")
    RECOVERY = "recovery", _("Recovery")
