from django.urls import include, path
from rest_framework.routers import SimpleRouter

from reviewers import api

router = SimpleRouter()
router.register("reviewer-profiles", api.ReviewerProfileViewSet, basename="reviewer-profile")
router.register("affiliations", api.AffiliationViewSet, basename="affiliation")
router.register("competing-projects", api.CompetingProjectViewSet, basename="competing-project")
router.register("assignments", api.AssignmentViewSet, basename="assignment")
router.register("reviews", api.ReviewViewSet, basename="review")
router.register("assignment-runs", api.RunViewSet, basename="assignment-run")
router.register("conflicts", api.ConflictViewSet, basename="conflict")
router.register("conflict-decisions", api.ConflictDecisionViewSet, basename="conflict-decision")
router.register("related-parties", api.RelatedPartyViewSet, basename="related-party")
router.register("consensus-scores", api.ConsensusViewSet, basename="consensus-score")

# Namespaced so names never collide with other apps' routers ("api-reviewers:assignment-detail").
urlpatterns = [
    path("", include((router.urls, "api-reviewers"))),
    path("round-scores/<int:round_id>/", api.RoundScoresView.as_view(), name="api-reviewers-round-scores"),
]
