"""Second-factor gate: a signed-in person with an authenticator must enter a code before using the
site, and ministry staff must enrol when `OTP_REQUIRED_FOR_MINISTRY` is on.

Runs after django-otp's OTPMiddleware. The decision is cached in the session so a person without a
device costs no query per request; signing in again starts a new session and decides afresh. API
requests authenticated by token carry no session user here and pass: a token can only be issued
from a verified session.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django_otp import user_has_device

from accounts.policy import otp_required

SESSION_KEY = "accounts_second_factor"
OK, VERIFY, ENROL = "ok", "verify", "enrol"


def second_factor_state(request: HttpRequest) -> str:
    """ "ok", "verify" (has a device, session not verified) or "enrol" (must set one up first)."""
    user = request.user
    # Right after auth.login() request.user is the plain user, without django-otp's is_verified().
    is_verified = getattr(user, "is_verified", None)
    if not user.is_authenticated or (is_verified is not None and is_verified()):
        return OK
    cached = request.session.get(SESSION_KEY)
    if cached and cached.get("uid") == user.pk:
        return cached["state"]
    if user_has_device(user, confirmed=True):
        state = VERIFY
    elif otp_required(user):
        state = ENROL
    else:
        state = OK
    request.session[SESSION_KEY] = {"uid": user.pk, "state": state}
    return state


def mark_second_factor_done(request: HttpRequest) -> None:
    """Call after django_otp.login(): this session has passed its second factor."""
    request.session[SESSION_KEY] = {"uid": request.user.pk, "state": OK}


def forget_second_factor_state(request: HttpRequest) -> None:
    """Call when the person's devices change so the next request decides again."""
    request.session.pop(SESSION_KEY, None)


class SecondFactorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        state = second_factor_state(request)
        if state == OK or self._exempt(request.path_info, state):
            return self.get_response(request)
        if request.path_info.startswith("/api/"):
            return JsonResponse(
                {
                    "code": "otp_required",
                    "message": _("Enter your two-factor code on the website before using the API."),
                    "field": None,
                },
                status=403,
            )
        target = reverse("accounts:otp_verify" if state == VERIFY else "accounts:otp_setup")
        return HttpResponseRedirect(f"{target}?{urlencode({'next': request.get_full_path()})}")

    @staticmethod
    def _exempt(path: str, state: str) -> bool:
        allowed = [reverse("accounts:logout"), reverse("set_language"), settings.STATIC_URL, "/healthz"]
        if state == VERIFY:
            allowed.append(reverse("accounts:otp_verify"))
        else:
            allowed += [reverse("accounts:otp_setup"), reverse("accounts:otp_start")]
        return any(path.startswith(prefix) for prefix in allowed)
