"""Signing in and out, the second-factor step, and a firm's self-registration."""

from __future__ import annotations

from urllib.parse import urlencode

import django_otp
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_post_parameters

from accounts import services
from accounts.forms import LoginForm, OTPCodeForm, RegistrationForm, add_domain_error
from accounts.middleware import ENROL, VERIFY, mark_second_factor_done, second_factor_state
from accounts.views._helpers import safe_next, set_language_cookie
from core.errors import DomainError


class LoginView(auth_views.LoginView):
    """Password first (django-axes counts failures); then the second factor if the person has one."""

    template_name = "accounts/login.html"
    form_class = LoginForm
    redirect_authenticated_user = True

    def form_valid(self, form: LoginForm) -> HttpResponse:
        user = form.get_user()
        auth_login(self.request, user)
        next_url = self.get_success_url()
        state = second_factor_state(self.request)
        if state == VERIFY:
            target = reverse("accounts:otp_verify")
            response: HttpResponse = HttpResponseRedirect(f"{target}?{urlencode({'next': next_url})}")
        elif state == ENROL:
            target = reverse("accounts:otp_setup")
            response = HttpResponseRedirect(f"{target}?{urlencode({'next': next_url})}")
        else:
            if user.is_ministry_staff:
                messages.info(
                    self.request,
                    _(
                        "Protect your account: set up two-factor authentication with an authenticator "
                        "app on your profile page."
                    ),
                )
            response = HttpResponseRedirect(next_url)
        set_language_cookie(response, user.language)
        return response


class LogoutView(auth_views.LogoutView):
    """POST only (Django's rule); then back to the sign-in page with a note."""

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        response = super().post(request, *args, **kwargs)
        messages.success(request, _("You have signed out."))
        return response


@sensitive_post_parameters("code")
def otp_verify(request: HttpRequest) -> HttpResponse:
    """Second step of signing in: a code from the authenticator app, or a backup code."""
    if not request.user.is_authenticated:
        return redirect(settings.LOGIN_URL)
    next_url = safe_next(request, reverse(settings.LOGIN_REDIRECT_URL))
    if request.user.is_verified():
        return redirect(next_url)
    form = OTPCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = services.otp_check_code(user=request.user, code=form.cleaned_data["code"])
        if device is not None:
            django_otp.login(request, device)
            mark_second_factor_done(request)
            return redirect(next_url)
        form.add_error(
            "code",
            _("The code is not right. Use the current code from your app or one of your backup codes."),
        )
    return render(request, "accounts/otp_verify.html", {"form": form, "next": next_url})


@sensitive_post_parameters("password", "password2")
def register(request: HttpRequest) -> HttpResponse:
    """A firm registers itself and its first applicant, then is signed in."""
    if request.user.is_authenticated:
        return redirect(settings.LOGIN_REDIRECT_URL)
    form = RegistrationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = services.organisation_register(
                name=data["name"],
                inn=data["inn"],
                ogrn=data["ogrn"],
                kpp=data["kpp"],
                address=data["address"],
                is_individual_entrepreneur=data["is_individual_entrepreneur"],
                username=data["username"],
                password=data["password"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                email=data["email"],
                language=request.LANGUAGE_CODE,
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            auth_login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("Your firm is registered and you are signed in."))
            return redirect(settings.LOGIN_REDIRECT_URL)
    return render(request, "accounts/register.html", {"form": form})
