from django.urls import path

from reviewers.views import applications, profiles, reviewer, rounds

app_name = "reviewers"
urlpatterns = [
    # the reviewer's own work
    path("", reviewer.my_assignments, name="my_assignments"),
    path("applications/<int:application_id>/", reviewer.application, name="application"),
    path("applications/<int:application_id>/declare/", reviewer.declare, name="declare"),
    path("applications/<int:application_id>/review/", reviewer.review, name="review"),
    path("applications/<int:application_id>/decline/", reviewer.decline, name="decline"),
    path(
        "applications/<int:application_id>/documents/<int:document_id>/", reviewer.document, name="document"
    ),
    # profiles
    path("profile/", profiles.my_profile, name="my_profile"),
    path("reviewers/", profiles.profiles, name="profiles"),
    path("reviewers/<int:pk>/", profiles.profile, name="profile"),
    path("reviewers/<int:pk>/expertise/", profiles.expertise, name="expertise"),
    path("reviewers/<int:pk>/affiliations/", profiles.affiliation_add, name="affiliation_add"),
    path("reviewers/<int:pk>/projects/", profiles.project_add, name="project_add"),
    path("affiliations/<int:pk>/delete/", profiles.affiliation_delete, name="affiliation_delete"),
    path("projects/<int:pk>/delete/", profiles.project_delete, name="project_delete"),
    # officers and auditors
    path("rounds/", rounds.rounds, name="rounds"),
    path("rounds/<int:pk>/", rounds.round_page, name="round"),
    path("rounds/<int:pk>/run/", rounds.run_assignment, name="run"),
    path("rounds/<int:pk>/runs/<int:run_id>/", rounds.run_detail, name="run_detail"),
    path("rounds/<int:pk>/progress/", rounds.progress, name="progress"),
    path("rounds/<int:pk>/scores/", rounds.scores, name="scores"),
    path("rounds/<int:pk>/conflicts/", rounds.conflicts, name="conflicts"),
    path("rounds/<int:pk>/conflicts/decide/", rounds.decide_conflict, name="decide_conflict"),
    path("assignments/<int:pk>/swap/", rounds.swap, name="swap"),
    path("assignments/<int:pk>/reassign/", rounds.reassign, name="reassign"),
    path("applications/<int:application_id>/summary/", applications.summary, name="summary"),
    path("applications/<int:application_id>/consensus/", applications.consensus, name="consensus"),
    path("applications/<int:application_id>/parties/", applications.party_add, name="party_add"),
    path("parties/<int:pk>/delete/", applications.party_delete, name="party_delete"),
    path("reviews/<int:pk>/", applications.review_detail, name="review_detail"),
    path("reviews/<int:pk>/reopen/", applications.reopen, name="reopen"),
]
