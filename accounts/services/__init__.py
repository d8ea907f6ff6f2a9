"""Every write about organisations, people, API tokens and two-factor devices.

Split by subject; import from here: `from accounts.services import organisation_register`.
"""

from accounts.services.organisations import organisation_create, organisation_register, organisation_update
from accounts.services.tokens import api_token_create, api_token_revoke
from accounts.services.two_factor import (
    otp_backup_codes_regenerate,
    otp_check_code,
    otp_disable,
    otp_enrol_confirm,
    otp_enrol_start,
)
from accounts.services.users import (
    user_create,
    user_set_language,
    user_set_password,
    user_update,
    user_update_profile,
)

__all__ = [
    "api_token_create",
    "api_token_revoke",
    "organisation_create",
    "organisation_register",
    "organisation_update",
    "otp_backup_codes_regenerate",
    "otp_check_code",
    "otp_disable",
    "otp_enrol_confirm",
    "otp_enrol_start",
    "user_create",
    "user_set_language",
    "user_set_password",
    "user_update",
    "user_update_profile",
]
