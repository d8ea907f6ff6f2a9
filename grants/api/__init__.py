"""The grants API under `/api/v1/` (routes in grants/api_urls.py)."""

from grants.api.applications import ApplicationViewSet
from grants.api.documents import ClarificationViewSet, DocumentViewSet
from grants.api.rounds import CostCategoryViewSet, PriorityAreaViewSet, ProgramViewSet, RoundViewSet

__all__ = [
    "ApplicationViewSet",
    "ClarificationViewSet",
    "CostCategoryViewSet",
    "DocumentViewSet",
    "PriorityAreaViewSet",
    "ProgramViewSet",
    "RoundViewSet",
]
