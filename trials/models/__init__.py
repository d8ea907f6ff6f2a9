"""Trials models, split by aggregate; import them from here."""

from trials.models.agreement import Agreement, Trial
from trials.models.claims import ClaimLine, CostClaim
from trials.models.decision import SuccessDecision
from trials.models.evidence import EvidenceFile
from trials.models.ledger import LedgerEntry
from trials.models.payouts import Payout, Recovery
from trials.models.reports import OutcomeReport, ProgressReport
from trials.models.rollups import MoneyMonth, MoneyRollup

__all__ = [
    "Agreement",
    "ClaimLine",
    "CostClaim",
    "EvidenceFile",
    "LedgerEntry",
    "MoneyMonth",
    "MoneyRollup",
    "OutcomeReport",
    "Payout",
    "ProgressReport",
    "Recovery",
    "SuccessDecision",
    "Trial",
]
