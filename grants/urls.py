"""Pages of the grants domain (the API lives in grants/api_urls.py)."""

from django.urls import path

from grants.views import applications, editing, programs, rounds, screening, submission
from grants.views_selection.urls import urlpatterns as selection_urlpatterns

app_name = "grants"
urlpatterns = [
    # programs and rounds
    path("programs/", programs.program_list, name="programs"),
    path("programs/new/", programs.program_create, name="program_create"),
    path("programs/<int:pk>/edit/", programs.program_edit, name="program_edit"),
    path("rounds/", rounds.round_list, name="rounds"),
    path("rounds/", rounds.round_list, name="rounds_menu"),  # the ministry's menu entry (grants.views.nav)
    path("rounds/new/", rounds.round_create, name="round_create"),
    path("rounds/<int:pk>/", rounds.round_detail, name="round_detail"),
    path("rounds/<int:pk>/edit/", rounds.round_edit, name="round_edit"),
    path("rounds/<int:pk>/rubric/", rounds.round_rubric, name="round_rubric"),
    path("rounds/<int:pk>/areas/", rounds.round_areas, name="round_areas"),
    path("rounds/<int:pk>/extend/", rounds.round_extend, name="round_extend"),
    path("rounds/<int:pk>/actions/<slug:action>/", rounds.round_action, name="round_action"),
    # applications
    path("applications/", applications.application_list, name="applications"),
    path("applications/", applications.application_list, name="applications_menu"),  # ditto
    path("applications/new/", applications.application_start, name="application_start"),
    path("applications/<int:pk>/", applications.application_detail, name="application_detail"),
    path("applications/<int:pk>/sections/<slug:section>/", editing.section_save, name="section_save"),
    path("applications/<int:pk>/check/<slug:section>/", editing.field_check, name="field_check"),
    path("applications/<int:pk>/problems/", editing.problems_panel, name="application_problems"),
    path("applications/<int:pk>/lines/", editing.line_add, name="line_add"),
    path("applications/<int:pk>/lines/total/", editing.budget_total, name="budget_total"),
    path("applications/<int:pk>/lines/<int:line_pk>/", editing.line_update, name="line_update"),
    path("applications/<int:pk>/lines/<int:line_pk>/delete/", editing.line_delete, name="line_delete"),
    path("applications/<int:pk>/trials/", editing.trial_add, name="trial_add"),
    path("applications/<int:pk>/trials/<int:trial_pk>/", editing.trial_update, name="trial_update"),
    path("applications/<int:pk>/trials/<int:trial_pk>/delete/", editing.trial_delete, name="trial_delete"),
    path("applications/<int:pk>/documents/", editing.document_upload, name="document_upload"),
    path(
        "applications/<int:pk>/documents/<int:document_pk>/delete/",
        editing.document_delete,
        name="document_delete",
    ),
    path("applications/<int:pk>/submit/", submission.application_submit, name="application_submit"),
    path("applications/<int:pk>/withdraw/", submission.application_withdraw, name="application_withdraw"),
    path("applications/<int:pk>/versions/", applications.version_list, name="version_list"),
    path("applications/<int:pk>/versions/<int:number>/", applications.version_detail, name="version_detail"),
    path("applications/<int:pk>/screen/", screening.application_screen, name="application_screen"),
    path("applications/<int:pk>/clarify/", screening.clarification_request, name="clarification_request"),
    # documents and clarification requests
    path("documents/<int:pk>/", applications.document_download, name="document_download"),
    path("clarifications/<int:pk>/", submission.clarification_detail, name="clarification_detail"),
    path("clarifications/<int:pk>/answer/", submission.clarification_answer, name="clarification_answer"),
    path("clarifications/<int:pk>/files/", submission.clarification_upload, name="clarification_upload"),
    path(
        "clarifications/<int:pk>/files/<int:document_pk>/delete/",
        submission.clarification_file_delete,
        name="clarification_file_delete",
    ),
]

# Selection: ranking, decision, publication, appeals and results (issue 5), under selection/.
urlpatterns += selection_urlpatterns
