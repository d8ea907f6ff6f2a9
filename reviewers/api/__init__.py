"""The reviewers API under `/api/v1/` (routes in reviewers/api_urls.py)."""

from reviewers.api.officers import (
    ConflictDecisionViewSet,
    ConflictViewSet,
    ConsensusViewSet,
    RelatedPartyViewSet,
    RoundScoresView,
    RunViewSet,
)
from reviewers.api.profiles import AffiliationViewSet, CompetingProjectViewSet, ReviewerProfileViewSet
from reviewers.api.reviewing import AssignmentViewSet, ReviewViewSet

__all__ = [
    "AffiliationViewSet",
    "AssignmentViewSet",
    "CompetingProjectViewSet",
    "ConflictDecisionViewSet",
    "ConflictViewSet",
    "ConsensusViewSet",
    "RelatedPartyViewSet",
    "ReviewViewSet",
    "ReviewerProfileViewSet",
    "RoundScoresView",
    "RunViewSet",
]
