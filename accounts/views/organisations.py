"""Officers' organisation register: list with search, add, edit, and people of an organisation."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET

from accounts import selectors, services
from accounts.enums import OrganisationKind
from accounts.forms import MemberForm, OrganisationForm, add_domain_error
from core import policy
from core.errors import DomainError

PAGE_SIZE = 25


def _require(request: HttpRequest, name: str, obj=None) -> None:
    """403 with the policy's reason, which the error page shows."""
    decision = policy.can(request.user, name, obj)
    if not decision:
        raise PermissionDenied(decision.reason)


@login_required
@require_GET
def organisation_list(request: HttpRequest) -> HttpResponse:
    _require(request, "organisation.view_register")
    query = request.GET.get("q", "").strip()
    kind = request.GET.get("kind", "")
    if kind not in OrganisationKind.values:
        kind = ""
    organisations = selectors.organisations_search(request.user, query=query, kind=kind)
    page = Paginator(organisations, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "accounts/organisation_list.html",
        {
            "page_obj": page,
            "query": query,
            "kind": kind,
            "kinds": OrganisationKind.choices,
            "can_manage": bool(policy.can(request.user, "organisation.manage")),
        },
    )


@login_required
@require_GET
def organisation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, "organisation.view_register")
    organisation = selectors.organisation_get(request.user, pk)
    return render(
        request,
        "accounts/organisation_detail.html",
        {
            "organisation": organisation,
            "members": selectors.organisation_members(request.user, organisation),
            "can_manage": bool(policy.can(request.user, "organisation.manage")),
        },
    )


def _organisation_form_page(request: HttpRequest, form: OrganisationForm, organisation=None) -> HttpResponse:
    return render(
        request,
        "accounts/organisation_form.html",
        {"form": form, "organisation": organisation},
        status=400 if form.is_bound and form.errors else 200,
    )


@login_required
def organisation_create(request: HttpRequest) -> HttpResponse:
    _require(request, "organisation.manage")
    form = OrganisationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            organisation = services.organisation_create(actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("The organisation is added."))
            return redirect("accounts:organisation_detail", pk=organisation.pk)
    return _organisation_form_page(request, form)


@login_required
def organisation_edit(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = selectors.organisation_get(request.user, pk)
    _require(request, "organisation.manage", organisation)
    form = OrganisationForm(request.POST or None, instance=organisation)
    if request.method == "POST" and form.is_valid():
        try:
            services.organisation_update(actor=request.user, organisation=organisation, **form.cleaned_data)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("The organisation's details are saved."))
            return redirect("accounts:organisation_detail", pk=organisation.pk)
    return _organisation_form_page(request, form, organisation)


@login_required
@sensitive_post_parameters("password")
def member_create(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = selectors.organisation_get(request.user, pk)
    _require(request, "organisation.manage", organisation)
    form = MemberForm(request.POST or None, actor=request.user, organisation=organisation)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.user_create(
                actor=request.user,
                organisation=organisation,
                username=data["username"],
                role=data["role"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                email=data["email"],
                password=data["password"] or None,
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("The person is added to the organisation."))
            return redirect("accounts:organisation_detail", pk=organisation.pk)
    return render(
        request,
        "accounts/member_form.html",
        {"form": form, "organisation": organisation},
        status=400 if form.is_bound and form.errors else 200,
    )
