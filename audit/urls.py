from django.urls import path

from audit import views

app_name = "audit"
urlpatterns = [
    path("", views.events, name="events"),
    path("export.csv", views.export, name="export"),
    path("verify/", views.verify, name="verify"),
    path("events/<int:pk>/", views.event_detail, name="event"),
]
