"""The reviewer's pages: assignments, the declaration gate, the frozen application, the scoring form."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.errors import DomainError, Forbidden, ValidationFailed
from core.forms import apply_domain_error
from core.idempotency import run_once
from grants.downloads import document_response
from grants.enums import ClaimKind, DevelopmentStage, DocumentKind, Modality, TrialPhase
from grants.models import CostCategory, Document, PriorityArea
from reviewers import selectors, services
from reviewers.enums import AssignmentState, ReviewState
from reviewers.forms import ConflictForm, DeclarationForm, ReasonForm, ScoringForm
from reviewers.views._helpers import PAGE_SIZE, pages, require

SHOWS = ("open", "submitted", "all")


@login_required
@require_GET
@pages
def my_assignments(request: HttpRequest) -> HttpResponse:
    require(request, "reviewers.review")
    show = request.GET.get("show", "open")
    show = show if show in SHOWS else "open"
    page = Paginator(selectors.my_assignments(request.user, show=show), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request, "reviewers/my_assignments.html", {"page_obj": page, "show": show, "now": timezone.now()}
    )


@login_required
@require_http_methods(["GET", "POST"])
@pages
def declare(request: HttpRequest, application_id: int) -> HttpResponse:
    """The gate: only the title, the applicant and its related organisations are shown until the
    reviewer declares no conflict and confidentiality, or declares a conflict (rule 15)."""
    require(request, "reviewers.review")  # other roles: 403 (rule 37), never a hint about the application
    assignment = selectors.reviewer_assignment_for(request.user, application_id)
    if assignment.state == AssignmentState.DECLARED:
        return redirect("reviewers:application", application_id=assignment.application_id)
    form = DeclarationForm(request.POST if "declare" in request.POST else None)
    conflict_form = ConflictForm(request.POST if "declare_conflict" in request.POST else None)
    if request.method == "POST" and "declare_conflict" in request.POST and conflict_form.is_valid():

        def declare_conflict() -> HttpResponse:
            services.assignment_declare_conflict(
                actor=request.user,
                assignment=assignment,
                description=conflict_form.cleaned_data["description"],
            )
            messages.success(
                request, _("Your conflict of interest is recorded; the application is no longer yours.")
            )
            return redirect("reviewers:my_assignments")

        try:
            return run_once(request, declare_conflict)
        except DomainError as exc:
            apply_domain_error(conflict_form, exc)
    elif request.method == "POST" and "declare" in request.POST and form.is_valid():

        def declare_none() -> HttpResponse:
            services.assignment_declare(
                actor=request.user,
                assignment=assignment,
                no_conflict=form.cleaned_data["no_conflict"],
                confidentiality=form.cleaned_data["confidentiality"],
            )
            messages.success(request, _("Declaration recorded. The application is open for your review."))
            return redirect("reviewers:application", application_id=assignment.application_id)

        try:
            return run_once(request, declare_none)
        except DomainError as exc:
            apply_domain_error(form, exc)
    context = {
        "assignment": assignment,
        "application": assignment.application,
        "parties": selectors.related_parties_of(assignment.application),
        "form": form,
        "conflict_form": conflict_form,
        "decline_form": ReasonForm(),
    }
    return render(request, "reviewers/declare.html", context, status=400 if request.method == "POST" else 200)


def _view_or_gate(request: HttpRequest, application_id: int):
    require(request, "reviewers.review")
    try:
        return selectors.reviewer_view(request.user, application_id), None
    except Forbidden as exc:
        if exc.code == "declaration_required":
            return None, redirect("reviewers:declare", application_id=application_id)
        raise


@login_required
@require_GET
@pages
def application(request: HttpRequest, application_id: int) -> HttpResponse:
    """The frozen version the reviewer scores (rule 11), with its documents."""
    view, gate = _view_or_gate(request, application_id)
    if gate:
        return gate
    snapshot = view.version.snapshot
    return render(
        request,
        "reviewers/application.html",
        {
            "view": view,
            "snapshot": snapshot,
            "shown": _shown(snapshot),
            "assignment": view.assignment,
            "review": view.review,
        },
    )


def _shown(snapshot: dict) -> dict:
    """The frozen snapshot stores codes and decimal strings; the page shows names and money."""
    choices = {
        "modality": dict(Modality.choices),
        "claim_kind": dict(ClaimKind.choices),
        "development_stage": dict(DevelopmentStage.choices),
    }
    shown = {
        name: labels.get(snapshot.get(name) or "", snapshot.get(name) or "")
        for name, labels in choices.items()
    }
    area = snapshot.get("priority_area") or ""
    shown["priority_area"] = (
        next((a.name for a in PriorityArea.objects.filter(code=area)), area) if area else ""
    )
    lines = snapshot.get("budget_lines", [])
    categories = {
        c.code: c.name for c in CostCategory.objects.filter(code__in={x["category"] for x in lines})
    }
    shown["budget_lines"] = [
        {**x, "category_name": categories.get(x["category"], x["category"]), "amount": Decimal(x["amount"])}
        for x in lines
    ]
    shown["requested_amount"] = Decimal(snapshot.get("requested_amount") or "0")
    phases, kinds = dict(TrialPhase.choices), dict(DocumentKind.choices)
    shown["trials"] = [
        {**t, "phase_name": phases.get(t.get("phase"), t.get("phase"))} for t in snapshot.get("trials", [])
    ]
    shown["documents"] = [
        {**d, "kind_name": kinds.get(d.get("kind"), d.get("kind"))} for d in snapshot.get("documents", [])
    ]
    return shown


@login_required
@require_GET
@pages
def document(request: HttpRequest, application_id: int, document_id: int) -> HttpResponse:
    """A file of the frozen version, for the declared reviewer only."""
    view, gate = _view_or_gate(request, application_id)
    if gate:
        return gate
    if int(document_id) not in selectors.version_document_ids(view.version):
        raise Http404
    found = Document.objects.filter(pk=document_id, application_id=view.assignment.application_id).first()
    if found is None:
        raise Http404
    return document_response(found)


@login_required
@require_http_methods(["GET", "POST"])
@pages
def review(request: HttpRequest, application_id: int) -> HttpResponse:
    """The scoring form: save a draft (htmx, in place) or submit; after submission, the review as
    submitted and the other reviews (rule 17)."""
    view, gate = _view_or_gate(request, application_id)
    if gate:
        return gate
    rubric = [s.criterion for s in view.review.scores.all()]
    editable = view.review.state in (ReviewState.DRAFT, ReviewState.REOPENED)
    form = ScoringForm.for_review(view.review, rubric, request.POST if request.method == "POST" else None)
    saved_at = None
    if request.method == "POST" and editable and form.is_valid():
        submit = "submit" in request.POST
        try:
            if submit:
                services.review_submit(
                    actor=request.user,
                    review=view.review,
                    scores=form.scores(),
                    overall_comment=form.cleaned_data["overall_comment"],
                )
                messages.success(request, _("Your review is submitted."))
                return redirect("reviewers:review", application_id=application_id)
            services.review_save_draft(
                actor=request.user,
                review=view.review,
                scores=form.scores(),
                overall_comment=form.cleaned_data["overall_comment"],
            )
            saved_at = timezone.now()
        except ValidationFailed as exc:
            if submit:
                form.add_error(None, exc.message)
            form.apply_details(exc.details)
        except DomainError as exc:
            apply_domain_error(form, exc)
        if request.htmx:
            return render(request, "reviewers/_draft_status.html", {"form": form, "saved_at": saved_at})
        if saved_at and not form.errors:
            messages.success(request, _("Draft saved."))
            return redirect("reviewers:review", application_id=application_id)
    others = (
        selectors.other_reviews(request.user, view.assignment) if view.review.first_submitted_at else None
    )
    return render(
        request,
        "reviewers/review_form.html",
        {
            "view": view,
            "form": form,
            "editable": editable,
            "others": others,
            "saved_at": saved_at,
            "decline_form": ReasonForm(),
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
@pages
def decline(request: HttpRequest, application_id: int) -> HttpResponse:
    require(request, "reviewers.review")
    assignment = selectors.reviewer_assignment_for(request.user, application_id)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the reason you decline."))
        return redirect(reverse("reviewers:declare", args=[application_id]))
    try:
        services.assignment_decline(
            actor=request.user, assignment=assignment, reason=form.cleaned_data["reason"]
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("reviewers:my_assignments")
    messages.success(request, _("You declined the review; the application goes to another reviewer."))
    return redirect("reviewers:my_assignments")
