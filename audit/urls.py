from django.urls import path

from audit import views

app_name = "audit"
urlpatterns = [
    path("", views.events, name="events"),
    path("export.csv", views.export, name="export"),
    path("verify/", views.verify, name="verify"),
    path("verify/<int:pk>/", views.verify_job, name="verify_job"),
    path("verify/<int:pk>/certificate/", views.verify_certificate, name="verify_certificate"),
    path("events/<int:pk>/", views.event_detail, name="event"),
]
