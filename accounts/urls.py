from django.urls import path

from accounts.views import auth, organisations, profile

app_name = "accounts"
urlpatterns = [
    path("login/", auth.LoginView.as_view(), name="login"),
    path("logout/", auth.LogoutView.as_view(), name="logout"),
    path("register/", auth.register, name="register"),
    path("2fa/verify/", auth.otp_verify, name="otp_verify"),
    path("2fa/start/", profile.otp_start, name="otp_start"),
    path("2fa/setup/", profile.otp_setup, name="otp_setup"),
    path("2fa/backup-codes/", profile.otp_backup_codes, name="otp_backup_codes"),
    path("2fa/disable/", profile.otp_disable, name="otp_disable"),
    path("profile/", profile.profile, name="profile"),
    path("profile/language/", profile.language, name="language"),
    path("profile/token/", profile.token_create, name="token_create"),
    path("profile/token/revoke/", profile.token_revoke, name="token_revoke"),
    path("organisations/", organisations.organisation_list, name="organisations"),
    path("organisations/new/", organisations.organisation_create, name="organisation_create"),
    path("organisations/<int:pk>/", organisations.organisation_detail, name="organisation_detail"),
    path("organisations/<int:pk>/edit/", organisations.organisation_edit, name="organisation_edit"),
    path("organisations/<int:pk>/people/new/", organisations.member_create, name="member_create"),
]
