"""The auditor's reports, drill-downs, dossier and exports (included at /reports/ by config/urls.py)."""

from django.urls import path

from trials.exports import views as exports
from trials.reports import views

app_name = "reports"
urlpatterns = [
    path("", views.report, name="report"),
    path("agreements/", views.agreements, name="agreements"),
    path("agreements/<int:pk>/", views.agreement, name="agreement"),
    path("agreements/<int:pk>/dossier/", views.agreement_dossier, name="dossier"),
    path("claims/<int:pk>/", views.claim, name="claim"),
    path("export/ledger.csv", exports.export_csv, {"table": "ledger"}, name="ledger_csv"),
    path("export/report.csv", exports.export_csv, {"table": "report"}, name="report_csv"),
    path("export/xlsx/", exports.xlsx_request, name="xlsx_request"),
    path("exports/", exports.job_list, name="jobs"),
    path("exports/<int:pk>/", exports.job_detail, name="job"),
    path("exports/<int:pk>/download/", exports.job_download, name="job_download"),
    path("exports/<int:pk>/manifest.json", exports.job_manifest, name="job_manifest"),
]
