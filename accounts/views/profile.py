"""The profile page: personal details, interface language, API token and two-factor authentication."""

from __future__ import annotations

from base64 import b32encode
from urllib.parse import urlencode

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import selectors, services
from accounts.forms import LanguageForm, OTPCodeForm, ProfileForm, add_domain_error
from accounts.middleware import forget_second_factor_state, mark_second_factor_done
from accounts.policy import otp_required
from accounts.views._helpers import safe_next, set_language_cookie
from core.errors import DomainError

NEW_TOKEN_SESSION_KEY = "accounts_new_api_token"


def _profile_context(request: HttpRequest, **extra) -> dict:
    user = selectors.user_with_organisation(request.user)
    two_factor = selectors.two_factor_status(user)
    context = {
        "profile_user": user,
        "profile_form": ProfileForm(
            initial={"first_name": user.first_name, "last_name": user.last_name, "email": user.email}
        ),
        "language_form": LanguageForm(initial={"language": user.language}),
        "api_token": selectors.api_token_of(user),
        # Shown once: popped from the session on the first page view after it was created.
        "new_token": request.session.pop(NEW_TOKEN_SESSION_KEY, None),
        "two_factor": two_factor,
        "otp_required": otp_required(user),
    }
    context.update(extra)
    return context


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = ProfileForm(request.POST)
        if form.is_valid():
            services.user_update_profile(user=request.user, **form.cleaned_data)
            messages.success(request, _("Your details are saved."))
            return redirect("accounts:profile")
        return render(
            request, "accounts/profile.html", _profile_context(request, profile_form=form), status=400
        )
    return render(request, "accounts/profile.html", _profile_context(request))


@login_required
@require_POST
def language(request: HttpRequest) -> HttpResponse:
    """Store the preferred language and switch the interface to it now."""
    form = LanguageForm(request.POST)
    if not form.is_valid():
        return render(
            request, "accounts/profile.html", _profile_context(request, language_form=form), status=400
        )
    user = services.user_set_language(user=request.user, language=form.cleaned_data["language"])
    response = redirect("accounts:profile")
    set_language_cookie(response, user.language)
    return response


@login_required
@require_POST
def token_create(request: HttpRequest) -> HttpResponse:
    """Create or rotate the personal API token; its key is shown on the next page view only."""
    token = services.api_token_create(user=request.user)
    request.session[NEW_TOKEN_SESSION_KEY] = token.key
    return redirect("accounts:profile")


@login_required
@require_POST
def token_revoke(request: HttpRequest) -> HttpResponse:
    if services.api_token_revoke(user=request.user):
        messages.success(request, _("Your API token is revoked; programs using it can no longer sign in."))
    return redirect("accounts:profile")


@login_required
@require_POST
def otp_start(request: HttpRequest) -> HttpResponse:
    """Begin (or restart) enrolment with a fresh secret, then show its QR code."""
    services.otp_enrol_start(user=request.user)
    url = reverse("accounts:otp_setup")
    next_url = safe_next(request, "")
    return redirect(f"{url}?{urlencode({'next': next_url})}" if next_url else url)


def _qr_svg(device: TOTPDevice) -> str:
    # segno writes plain SVG elements (no inline style), so the strict CSP allows it.
    return segno.make(device.config_url, error="m").svg_inline(scale=5, dark="#000", light="#fff")


@login_required
@sensitive_post_parameters("code")
def otp_setup(request: HttpRequest) -> HttpResponse:
    """Scan the QR code, then confirm with a code; the backup codes are shown once on success."""
    pending = selectors.otp_pending_device(request.user)
    form = OTPCodeForm(request.POST or None)
    if request.method == "POST" and pending is not None and form.is_valid():
        try:
            device, codes = services.otp_enrol_confirm(user=request.user, code=form.cleaned_data["code"])
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            otp_login(request, device)
            mark_second_factor_done(request)
            return render(
                request,
                "accounts/otp_backup_codes.html",
                {"codes": codes, "next": safe_next(request, ""), "first_time": True},
            )
    context = {
        "pending": pending,
        "form": form,
        "qr_svg": mark_safe(_qr_svg(pending)) if pending else "",  # noqa: S308 - segno output, no user text
        "secret": _base32_secret(pending) if pending else "",
        "otp_required": otp_required(request.user),
        "next": safe_next(request, ""),
    }
    return render(request, "accounts/otp_setup.html", context)


def _base32_secret(device: TOTPDevice) -> str:
    """The secret for typing into an app by hand, in groups of four."""
    secret = b32encode(device.bin_key).decode()
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@login_required
@require_POST
def otp_backup_codes(request: HttpRequest) -> HttpResponse:
    try:
        codes = services.otp_backup_codes_regenerate(user=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("accounts:profile")
    return render(
        request, "accounts/otp_backup_codes.html", {"codes": codes, "next": "", "first_time": False}
    )


@login_required
@require_POST
def otp_disable(request: HttpRequest) -> HttpResponse:
    try:
        services.otp_disable(user=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        forget_second_factor_state(request)
        messages.success(request, _("Two-factor authentication is turned off."))
    return redirect("accounts:profile")
