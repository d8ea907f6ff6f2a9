from django.urls import path
from rest_framework.routers import SimpleRouter

from accounts import api

router = SimpleRouter()
router.register("organisations", api.OrganisationViewSet, basename="organisation")

urlpatterns = [
    path("me", api.MeView.as_view(), name="me"),
    path("me/token", api.MeTokenView.as_view(), name="me-token"),
    *router.urls,
]
