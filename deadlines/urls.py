from django.urls import path

from deadlines import views

app_name = "deadlines"
urlpatterns = [
    path("notifications/", views.inbox, name="inbox"),
    path("notifications/<int:notification_id>/read/", views.notification_read, name="notification_read"),
    path("notifications/read-all/", views.notifications_read_all, name="notifications_read_all"),
    path("deadlines/", views.deadline_list, name="list"),
    path("deadlines/<int:deadline_id>/retry/", views.deadline_retry, name="retry"),
]
