"""Officers' and auditors' round pages: the assignment run and its report, the matrix with loads,
review progress (overdue flagged), the scores table and conflicts. Auditors read; only officers act."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core import policy
from core.errors import DomainError
from core.forms import apply_domain_error
from core.idempotency import form_token, run_once
from grants.models import Application
from reviewers import reports, selectors, services
from reviewers.enums import ConflictSeverity, RunStatus
from reviewers.forms import ConflictDecisionForm, ReasonForm, SwapForm
from reviewers.models import AssignmentRun
from reviewers.services.assignment import RUNNABLE_ROUND_STATES
from reviewers.views._helpers import PAGE_SIZE, act, pages, require

SCORE_ORDERS = {"total": "-total", "calibrated": "-calibrated", "spread": "-spread", "id": "id"}


def _round_context(request: HttpRequest, round_, tab: str) -> dict:
    return {"round": round_, "tab": tab, "can_manage": bool(policy.can(request.user, "reviewers.manage"))}


@login_required
@require_GET
@pages
def rounds(request: HttpRequest) -> HttpResponse:
    require(request, "reviewers.read_all")
    page = Paginator(selectors.rounds_in_review(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "reviewers/rounds.html", {"page_obj": page})


@login_required
@require_GET
@pages
def round_page(request: HttpRequest, pk: int) -> HttpResponse:
    """The run button, the latest run (or its infeasibility report), the matrix and the loads."""
    require(request, "reviewers.read_all")
    round_ = selectors.review_round_get(request.user, pk)
    runs = list(selectors.round_runs(round_)[:10])
    latest = runs[0] if runs else None
    matrix = Paginator(selectors.round_applications(round_), PAGE_SIZE).get_page(request.GET.get("page"))
    loads = Paginator(selectors.reviewer_loads(round_), 50).get_page(request.GET.get("rpage"))
    context = {
        **_round_context(request, round_, "assignment"),
        "runs": runs,
        "latest": latest,
        "blockers": reports.blocker_texts(latest) if latest and latest.status == RunStatus.INFEASIBLE else [],
        "matrix": matrix,
        "loads": loads,
        "can_run": round_.state in RUNNABLE_ROUND_STATES,
        "k": round_.reviewers_per_application,
        "run_token": form_token(),
    }
    return render(request, "reviewers/round.html", context)


@login_required
@require_POST
@pages
def run_assignment(request: HttpRequest, pk: int) -> HttpResponse:
    require(request, "reviewers.manage")
    round_ = selectors.review_round_get(request.user, pk)

    def run() -> HttpResponse:
        try:
            found = services.assignment_run(actor=request.user, round=round_)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            if found.status == RunStatus.OK:
                messages.success(
                    request,
                    _("Reviewers assigned: %(count)d new assignments.") % {"count": found.pairs_added},
                )
            else:
                messages.error(
                    request, _("The assignment is impossible as things stand; nothing was assigned.")
                )
        return redirect("reviewers:round", pk=round_.pk)

    return run_once(request, run)


@login_required
@require_GET
@pages
def run_detail(request: HttpRequest, pk: int, run_id: int) -> HttpResponse:
    require(request, "reviewers.read_all")
    round_ = selectors.review_round_get(request.user, pk)
    run = get_object_or_404(AssignmentRun.objects.select_related("created_by"), pk=run_id, round=round_)
    context = {
        **_round_context(request, round_, "assignment"),
        "run": run,
        "blockers": reports.blocker_texts(run),
    }
    return render(request, "reviewers/run.html", context)


@login_required
@require_GET
@pages
def progress(request: HttpRequest, pk: int) -> HttpResponse:
    require(request, "reviewers.read_all")
    round_ = selectors.review_round_get(request.user, pk)
    only = "overdue" if request.GET.get("only") == "overdue" else ""
    page = Paginator(selectors.round_progress(round_, only=only), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        **_round_context(request, round_, "progress"),
        "page_obj": page,
        "only": only,
        "now": timezone.now(),
    }
    return render(request, "reviewers/progress.html", context)


@login_required
@require_GET
@pages
def scores(request: HttpRequest, pk: int) -> HttpResponse:
    """Raw and calibrated totals, spread, flags and consensus per application (rule 21)."""
    require(request, "reviewers.read_all")
    round_ = selectors.review_round_get(request.user, pk)
    table = services.round_score_table(round_)
    order = request.GET.get("order", "total")
    order = order if order in SCORE_ORDERS else "total"
    key = {
        "total": lambda r: (r.total is None, -(r.total or 0), r.application_id),
        "calibrated": lambda r: (r.calibrated_total is None, -(r.calibrated_total or 0), r.application_id),
        "spread": lambda r: (r.spread is None, -(r.spread or 0), r.application_id),
        "id": lambda r: r.application_id,
    }[order]
    page = Paginator(sorted(table.rows, key=key), PAGE_SIZE).get_page(request.GET.get("page"))
    titles = Application.objects.select_related("organisation").in_bulk(
        [r.application_id for r in page.object_list]
    )
    rows = [(row, titles[row.application_id]) for row in page.object_list]
    criteria = list(round_.criteria.order_by("position", "id"))
    context = {
        **_round_context(request, round_, "scores"),
        "page_obj": page,
        "rows": rows,
        "criteria": criteria,
        "calibration": table.calibration,
        "order": order,
    }
    return render(request, "reviewers/scores.html", context)


@login_required
@require_GET
@pages
def conflicts(request: HttpRequest, pk: int) -> HttpResponse:
    require(request, "reviewers.read_all")
    round_ = selectors.review_round_get(request.user, pk)
    page = Paginator(selectors.round_conflicts(round_), PAGE_SIZE).get_page(request.GET.get("page"))
    decisions = selectors.round_decisions(round_)[:50]
    context = {
        **_round_context(request, round_, "conflicts"),
        "page_obj": page,
        "decisions": decisions,
        "potential": ConflictSeverity.POTENTIAL,
    }
    return render(request, "reviewers/conflicts.html", context)


@login_required
@require_POST
@pages
def decide_conflict(request: HttpRequest, pk: int) -> HttpResponse:
    require(request, "reviewers.manage")
    round_ = selectors.review_round_get(request.user, pk)
    form = ConflictDecisionForm(request.POST)
    fallback = reverse("reviewers:conflicts", args=[round_.pk])
    if not form.is_valid():
        messages.error(request, _("Choose a decision and give its reason."))
        return redirect(fallback)
    data = form.cleaned_data
    conflict = (
        selectors.round_conflicts(round_)
        .filter(reviewer_id=data["reviewer"], application_id=data["application"])
        .select_related("reviewer", "application")
        .first()
    )
    if conflict is None:
        messages.error(request, _("That conflict is not in this round."))
        return redirect(fallback)
    return act(
        request,
        lambda: services.conflict_decide(
            actor=request.user,
            reviewer=conflict.reviewer,
            application=conflict.application,
            outcome=data["outcome"],
            reason=data["reason"],
        ),
        _("The decision is recorded."),
        fallback,
    )


@login_required
@require_http_methods(["GET", "POST"])
@pages
def swap(request: HttpRequest, pk: int) -> HttpResponse:
    """Replace an assignment's reviewer by hand; the candidates exclude conflicted and past pairs."""
    require(request, "reviewers.manage")
    assignment = selectors.assignment_get(request.user, pk)
    candidates = selectors.reviewer_candidates(assignment.round, assignment.application)
    form = SwapForm(request.POST or None, candidates=candidates)
    if request.method == "POST" and form.is_valid():

        def do_swap() -> HttpResponse:
            services.assignment_swap(
                actor=request.user,
                assignment=assignment,
                reviewer=form.cleaned_data["reviewer"],
                reason=form.cleaned_data["reason"],
            )
            messages.success(request, _("The reviewer is replaced."))
            return redirect("reviewers:progress", pk=assignment.round_id)

        try:
            return run_once(request, do_swap)
        except DomainError as exc:
            apply_domain_error(form, exc)
    context = {
        **_round_context(request, assignment.round, "progress"),
        "assignment": assignment,
        "form": form,
    }
    return render(request, "reviewers/swap.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
@pages
def reassign(request: HttpRequest, pk: int) -> HttpResponse:
    require(request, "reviewers.manage")
    assignment = selectors.assignment_get(request.user, pk)
    form = ReasonForm(request.POST)
    fallback = reverse("reviewers:progress", args=[assignment.round_id])
    if not form.is_valid():
        messages.error(request, _("Give the reason for the reassignment."))
        return redirect(fallback)
    return act(
        request,
        lambda: services.assignment_reassign(
            actor=request.user, assignment=assignment, reason=form.cleaned_data["reason"]
        ),
        _("The review is reassigned; the assignment picked a replacement if one was available."),
        fallback,
    )
