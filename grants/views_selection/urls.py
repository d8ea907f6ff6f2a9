"""Selection pages under /grants/selection/, added to the grants namespace by grants/urls.py
(names "grants:selection_*")."""

from django.urls import path

from grants.views_selection import appeals, firm, officer

urlpatterns = [
    path("selection/", officer.selection_rounds, name="selection_rounds"),
    path("selection/rounds/<int:pk>/", officer.selection_round, name="selection_round"),
    path("selection/rounds/<int:pk>/run/", officer.selection_run_view, name="selection_run"),
    path("selection/rounds/<int:pk>/decision/", officer.selection_decision, name="selection_decision"),
    path("selection/rounds/<int:pk>/minutes/", officer.selection_minutes, name="selection_minutes"),
    path("selection/rounds/<int:pk>/publish/", officer.selection_publish_view, name="selection_publish"),
    path("selection/appeals/", appeals.appeal_queue, name="selection_appeals"),
    path("selection/appeals/<int:pk>/", appeals.appeal_detail, name="selection_appeal"),
    path("selection/results/", firm.results, name="selection_results"),
    path("selection/results/<int:application_pk>/", firm.result_detail, name="selection_result"),
    path("selection/documents/<int:pk>/", firm.document_download, name="selection_document"),
]
