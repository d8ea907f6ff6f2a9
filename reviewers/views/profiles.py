"""Reviewer profiles: a reviewer keeps their own expertise, ties and competing projects; officers see
and correct every profile; auditors read."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from core import policy
from core.errors import DomainError
from core.forms import apply_domain_error
from reviewers import selectors, services
from reviewers.forms import AffiliationForm, CompetingProjectForm, ExpertiseForm
from reviewers.models import ReviewerProfile
from reviewers.views._helpers import PAGE_SIZE, act, pages, require


def _page(request: HttpRequest, profile: ReviewerProfile, **forms) -> HttpResponse:
    context = {
        "profile": profile,
        "own": profile.user_id == request.user.pk,
        "can_edit": bool(policy.can(request.user, "reviewers.profile.edit", profile)),
        "expertise_form": forms.get("expertise_form") or ExpertiseForm.for_profile(profile),
        "affiliation_form": forms.get("affiliation_form") or AffiliationForm(),
        "project_form": forms.get("project_form") or CompetingProjectForm(),
    }
    return render(request, "reviewers/profile.html", context, status=400 if forms else 200)


def _url(request: HttpRequest, profile: ReviewerProfile) -> str:
    if profile.user_id == request.user.pk:
        return reverse("reviewers:my_profile")
    return reverse("reviewers:profile", args=[profile.pk])


@login_required
@require_GET
@pages
def my_profile(request: HttpRequest) -> HttpResponse:
    require(request, "reviewers.review")
    profile = services.profile_of(request.user)
    return _page(request, selectors.profile_get(request.user, profile.pk))


@login_required
@require_GET
@pages
def profiles(request: HttpRequest) -> HttpResponse:
    require(request, "reviewers.read_all")
    query = request.GET.get("q", "").strip()
    found = selectors.profiles_visible_to(request.user)
    if query:
        found = found.filter(
            Q(user__last_name__icontains=query)
            | Q(user__first_name__icontains=query)
            | Q(keywords__icontains=query)
        )
    page = Paginator(found.order_by("user__last_name", "user__first_name", "pk"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "reviewers/profiles.html", {"page_obj": page, "query": query})


@login_required
@require_GET
@pages
def profile(request: HttpRequest, pk: int) -> HttpResponse:
    found = selectors.profile_get(request.user, pk)
    if found.user_id == request.user.pk:
        return redirect("reviewers:my_profile")
    return _page(request, found)


@login_required
@require_POST
@pages
def expertise(request: HttpRequest, pk: int) -> HttpResponse:
    found = selectors.profile_get(request.user, pk)
    require(request, "reviewers.profile.edit", found)
    form = ExpertiseForm(request.POST)
    if form.is_valid():
        try:
            services.profile_update(actor=request.user, profile=found, **form.values())
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(request, _("Expertise saved."))
            return redirect(_url(request, found))
    return _page(request, found, expertise_form=form)


def _add_to_profile(
    request: HttpRequest, pk: int, form_class, service, done: str, form_key: str
) -> HttpResponse:
    """Record a tie or a project on a profile; the form comes back with the service's refusal."""
    found = selectors.profile_get(request.user, pk)
    require(request, "reviewers.profile.edit", found)
    form = form_class(request.POST)
    if form.is_valid():
        try:
            service(actor=request.user, profile=found, **form.cleaned_data)
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(request, done)
            return redirect(_url(request, found))
    return _page(request, found, **{form_key: form})


@login_required
@require_POST
@pages
def affiliation_add(request: HttpRequest, pk: int) -> HttpResponse:
    return _add_to_profile(
        request,
        pk,
        AffiliationForm,
        services.affiliation_add,
        _("The tie is recorded; conflicts were checked again."),
        "affiliation_form",
    )


@login_required
@require_POST
@pages
def affiliation_delete(request: HttpRequest, pk: int) -> HttpResponse:
    affiliation = selectors.affiliation_get(request.user, pk)
    require(request, "reviewers.profile.edit", affiliation.profile)
    return act(
        request,
        lambda: services.affiliation_delete(actor=request.user, affiliation=affiliation),
        _("The tie is removed."),
        _url(request, affiliation.profile),
    )


@login_required
@require_POST
@pages
def project_add(request: HttpRequest, pk: int) -> HttpResponse:
    return _add_to_profile(
        request,
        pk,
        CompetingProjectForm,
        services.competing_project_add,
        _("The project is recorded; conflicts were checked again."),
        "project_form",
    )


@login_required
@require_POST
@pages
def project_delete(request: HttpRequest, pk: int) -> HttpResponse:
    project = selectors.competing_project_get(request.user, pk)
    require(request, "reviewers.profile.edit", project.profile)
    return act(
        request,
        lambda: services.competing_project_delete(actor=request.user, project=project),
        _("The project is removed."),
        _url(request, project.profile),
    )
