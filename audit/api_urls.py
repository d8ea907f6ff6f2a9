from django.urls import path

from audit import api

events = api.AuditEventViewSet.as_view({"get": "list"})
event = api.AuditEventViewSet.as_view({"get": "retrieve"})
verify = api.AuditEventViewSet.as_view({"get": "verify"})

urlpatterns = [
    path("audit-events/", events, name="audit-event-list"),
    path("audit-events/verify", verify, name="audit-event-verify"),
    path("audit-events/<int:pk>/", event, name="audit-event-detail"),
]
