"""Grants models, split by aggregate; import them from here."""

from grants.models.application import (
    Application,
    ApplicationVersion,
    BudgetLine,
    CoveredTrial,
    TrialIdentifier,
)
from grants.models.document import Clarification, Document, ScreeningDecision
from grants.models.program import DEFAULT_PROJECT_CAP, CostCategory, PriorityArea, Program
from grants.models.round import Criterion, Round, RoundPriorityArea
from grants.models.selection import (
    Appeal,
    FundingDecision,
    RoundSelection,
    SelectionDocument,
    SelectionProposal,
)

__all__ = [
    "DEFAULT_PROJECT_CAP",
    "Appeal",
    "Application",
    "ApplicationVersion",
    "BudgetLine",
    "Clarification",
    "CostCategory",
    "CoveredTrial",
    "Criterion",
    "Document",
    "FundingDecision",
    "PriorityArea",
    "Program",
    "Round",
    "RoundPriorityArea",
    "RoundSelection",
    "ScreeningDecision",
    "SelectionDocument",
    "SelectionProposal",
    "TrialIdentifier",
]
