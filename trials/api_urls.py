from django.urls import include, path
from rest_framework.routers import SimpleRouter

from trials import api

router = SimpleRouter()
router.register("agreements", api.AgreementViewSet, basename="agreement")
router.register("trials", api.TrialViewSet, basename="trial")
router.register("progress-reports", api.ProgressReportViewSet, basename="progress-report")
router.register("claims", api.ClaimViewSet, basename="claim")
router.register("claim-lines", api.ClaimLineViewSet, basename="claim-line")
router.register("evidence", api.EvidenceViewSet, basename="evidence")
router.register("payouts", api.PayoutViewSet, basename="payout")
router.register("recoveries", api.RecoveryViewSet, basename="recovery")
router.register("ledger-entries", api.LedgerEntryViewSet, basename="ledger-entry")

# Namespaced so names never collide with other apps' routers ("api-trials:agreement-detail").
urlpatterns = [path("", include((router.urls, "api-trials")))]
