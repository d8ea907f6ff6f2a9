"""Officers' and auditors' view of one application's review: assignments, reviews, consensus and the
organisations tied to the applicant (group, CRO, sites) that conflicts are checked against."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from core import policy
from core.errors import DomainError, ValidationFailed
from grants.models import Application
from reviewers import selectors, services
from reviewers.forms import ConsensusForm, ReasonForm, RelatedPartyForm
from reviewers.models import Assignment, ConsensusScore, RelatedParty
from reviewers.views._helpers import act, pages, require


def _application(request: HttpRequest, application_id: int) -> Application:
    require(request, "reviewers.read_all")
    found = Application.objects.select_related("organisation", "round").filter(pk=application_id).first()
    if found is None:
        raise Http404
    return found


@login_required
@require_GET
@pages
def summary(request: HttpRequest, application_id: int) -> HttpResponse:
    application = _application(request, application_id)
    criteria = list(application.round.criteria.order_by("position", "id"))
    context = {
        "application": application,
        "assignments": Assignment.objects.filter(application=application)
        .select_related("reviewer", "review")
        .order_by("assigned_at", "pk"),
        "reviews": selectors.application_reviews(request.user, application),
        "criteria": criteria,
        "consensus": ConsensusScore.objects.filter(application=application).select_related("recorded_by")[
            :10
        ],
        "parties": selectors.related_parties_of(application),
        "consensus_form": ConsensusForm(criteria=criteria),
        "party_form": RelatedPartyForm(),
        "can_manage": bool(policy.can(request.user, "reviewers.manage")),
    }
    return render(request, "reviewers/summary.html", context)


@login_required
@require_POST
@pages
def consensus(request: HttpRequest, application_id: int) -> HttpResponse:
    require(request, "reviewers.manage")
    application = _application(request, application_id)
    form = ConsensusForm(request.POST, criteria=list(application.round.criteria.order_by("position", "id")))
    fallback = reverse("reviewers:summary", args=[application.pk])
    if not form.is_valid():
        messages.error(request, _("Give a score for every criterion and the reason."))
        return redirect(fallback)
    try:
        services.consensus_record(
            actor=request.user,
            application=application,
            criterion_scores=form.values(),
            reason=form.cleaned_data["reason"],
        )
    except ValidationFailed as exc:
        for problems in exc.details.values():
            for problem in problems:
                messages.error(request, problem)
        return redirect(fallback)
    messages.success(request, _("The consensus score is recorded."))
    return redirect(fallback)


@login_required
@require_POST
@pages
def party_add(request: HttpRequest, application_id: int) -> HttpResponse:
    require(request, "reviewers.manage")
    application = _application(request, application_id)
    form = RelatedPartyForm(request.POST)
    fallback = reverse("reviewers:summary", args=[application.pk])
    if not form.is_valid():
        messages.error(request, _("Give the role, name and INN of the organisation."))
        return redirect(fallback)
    data = form.cleaned_data
    owner = (
        {"organisation": application.organisation}
        if data["role"] == "group"
        else {"application": application}
    )
    return act(
        request,
        lambda: services.related_party_add(actor=request.user, **data, **owner),
        _("The organisation is recorded and conflicts were checked again."),
        fallback,
    )


@login_required
@require_POST
@pages
def party_delete(request: HttpRequest, pk: int) -> HttpResponse:
    require(request, "reviewers.manage")
    party = RelatedParty.objects.filter(pk=pk).first()
    if party is None:
        raise Http404
    return act(
        request,
        lambda: services.related_party_delete(actor=request.user, party=party),
        _("The organisation is removed."),
        reverse("reviewers:rounds"),
    )


@login_required
@require_GET
@pages
def review_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One review as submitted, for officers and auditors (a reviewer uses their scoring page)."""
    require(request, "reviewers.read_all")
    review = selectors.review_get(request.user, pk)
    context = {
        "review": review,
        "reopen_form": ReasonForm(),
        "can_manage": bool(policy.can(request.user, "reviewers.manage")),
    }
    return render(request, "reviewers/review_detail.html", context)


@login_required
@require_POST
@pages
def reopen(request: HttpRequest, pk: int) -> HttpResponse:
    require(request, "reviewers.manage")
    review = selectors.review_get(request.user, pk)
    form = ReasonForm(request.POST)
    fallback = reverse("reviewers:review_detail", args=[review.pk])
    if not form.is_valid():
        messages.error(request, _("Give the reason for reopening."))
        return redirect(fallback)
    try:
        services.review_reopen(actor=request.user, review=review, reason=form.cleaned_data["reason"])
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The review is reopened; the reviewer can change and submit it again."))
    return redirect(fallback)
