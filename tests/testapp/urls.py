"""URLs used only by tests: `@pytest.mark.urls("tests.testapp.urls")`."""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from tests.testapp.api import GadgetViewSet
from tests.testapp.views import gadget_new

router = SimpleRouter()
router.register("gadgets", GadgetViewSet, basename="gadget")

urlpatterns = [
    path("api/", include(router.urls)),
    path("gadgets/new/", gadget_new, name="gadget-new"),
]
