"""The trials API under `/api/v1/` (routes in trials/api_urls.py)."""

from trials.api.agreements import AgreementViewSet
from trials.api.claims import ClaimLineViewSet, ClaimViewSet
from trials.api.evidence import EvidenceViewSet
from trials.api.money import LedgerEntryViewSet, PayoutViewSet, RecoveryViewSet
from trials.api.trials import ProgressReportViewSet, TrialViewSet

__all__ = [
    "AgreementViewSet",
    "ClaimLineViewSet",
    "ClaimViewSet",
    "EvidenceViewSet",
    "LedgerEntryViewSet",
    "PayoutViewSet",
    "ProgressReportViewSet",
    "RecoveryViewSet",
    "TrialViewSet",
]
