from django.urls import path

from audit import api

events = api.AuditEventViewSet.as_view({"get": "list"})
event = api.AuditEventViewSet.as_view({"get": "retrieve"})
verify = api.AuditEventViewSet.as_view({"get": "verify"})
verifications = api.ChainVerificationViewSet.as_view({"post": "create"})
verification = api.ChainVerificationViewSet.as_view({"get": "retrieve"})
certificate = api.ChainVerificationViewSet.as_view({"get": "certificate"})

urlpatterns = [
    path("audit-events/", events, name="audit-event-list"),
    path("audit-events/verify", verify, name="audit-event-verify"),
    path("audit-events/<int:pk>/", event, name="audit-event-detail"),
    path("audit-verifications/", verifications, name="audit-verification-list"),
    path("audit-verifications/<int:pk>/", verification, name="audit-verification-detail"),
    path("audit-verifications/<int:pk>/certificate", certificate, name="audit-verification-certificate"),
]
