from django.urls import include, path
from rest_framework.routers import SimpleRouter

from grants import api
from grants.api import selection as selection_api

router = SimpleRouter()
router.register("cost-categories", api.CostCategoryViewSet, basename="cost-category")
router.register("priority-areas", api.PriorityAreaViewSet, basename="priority-area")
router.register("programs", api.ProgramViewSet, basename="program")
router.register("rounds", api.RoundViewSet, basename="round")
router.register("applications", api.ApplicationViewSet, basename="application")
router.register("documents", api.DocumentViewSet, basename="document")
router.register("clarifications", api.ClarificationViewSet, basename="clarification")
# Selection (issue 5)
router.register("selection-rounds", selection_api.SelectionRoundViewSet, basename="selection-round")
router.register("selection-proposals", selection_api.ProposalViewSet, basename="selection-proposal")
router.register("funding-decisions", selection_api.FundingDecisionViewSet, basename="funding-decision")
router.register("appeals", selection_api.AppealViewSet, basename="appeal")
router.register("selection-documents", selection_api.SelectionDocumentViewSet, basename="selection-document")

# Namespaced so names never collide with other apps' routers ("api-grants:application-detail").
urlpatterns = [path("", include((router.urls, "api-grants")))]
