from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from core import health

api_v1 = [
    path("", include("accounts.api_urls")),
    path("", include("audit.api_urls")),
    path("", include("grants.api_urls")),
    path("", include("reviewers.api_urls")),
    path("", include("trials.api_urls")),
]

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("api/v1/", include(api_v1)),
    path("admin/", admin.site.urls),
    path("accounts/", include("accounts.urls")),
    path("audit/", include("audit.urls")),
    path("grants/", include("grants.urls")),
    path("reviews/", include("reviewers.urls")),
    path("reports/", include("trials.reports.urls")),
    path("trials/", include("trials.urls")),
    path("", include("deadlines.urls")),
    path("", include("core.urls")),
]

handler403 = "core.views.error_403"
handler404 = "core.views.error_404"
handler500 = "core.views.error_500"
