"""Rounds: list, create and edit, the round page (actions, dates, counts, application table),
the rubric editor and the admitted priority areas with quotas."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from core import policy
from core.errors import DomainError
from core.idempotency import run_once
from core.pagination import DeferredJoinPaginator
from core.workflow import available_actions
from grants import selectors, selectors_pages, services
from grants.enums import RoundState
from grants.forms.applications import ApplicationFilterForm
from grants.forms.rounds import (
    AreasForm,
    ExtendDatesForm,
    ReasonForm,
    RoundFilterForm,
    RoundForm,
    RubricFormSet,
)
from grants.models import Round
from grants.selectors_pages import sort_key
from grants.services.rounds import EXTENDABLE
from grants.views._common import MANAGE, READ_ALL, found, refused, require, show_refusal
from grants.workflow import ROUND_WORKFLOW

PAGE_SIZE = 25


def _round(request: HttpRequest, pk: int) -> Round:
    return found(selectors.round_get, request.user, pk)


@login_required
@require_GET
def round_list(request: HttpRequest) -> HttpResponse:
    form = RoundFilterForm(request.GET or None)
    state = form.cleaned_data.get("state", "") if form.is_valid() else ""
    program = request.GET.get("program", "")
    rounds = selectors_pages.rounds_page_list(
        request.user, state=state, program_id=int(program) if program.isdigit() else None
    )
    page = Paginator(rounds, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "grants/round_list.html",
        {
            "form": form,
            "page_obj": page,
            "can_manage": bool(policy.can(request.user, MANAGE)),
            "read_all": bool(policy.can(request.user, READ_ALL)),
            "can_apply": bool(policy.can(request.user, "grants.application.create")),
        },
    )


def _round_form_page(request: HttpRequest, form: RoundForm, round_: Round | None) -> HttpResponse:
    return render(
        request,
        "grants/round_form.html",
        {"form": form, "round": round_},
        status=400 if form.is_bound and form.errors else 200,
    )


@login_required
def round_create(request: HttpRequest) -> HttpResponse:
    require(request, MANAGE)
    programs = selectors.programs_visible_to(request.user)
    initial = {"program": request.GET.get("program")} if request.GET.get("program", "").isdigit() else {}
    form = RoundForm(request.POST or None, programs=programs, initial=initial)
    if request.method == "POST" and form.is_valid():

        def create() -> HttpResponse:
            round_ = services.round_create(
                actor=request.user,
                program=form.cleaned_data["program"],
                **form.service_values(changed_only=False),
            )
            messages.success(
                request,
                _("The round is created as a draft. Admit priority areas, check the rubric, then open it."),
            )
            return redirect("grants:round_detail", pk=round_.pk)

        try:
            return run_once(request, create)
        except DomainError as exc:
            refused(exc)
            show_refusal(form, exc)
    return _round_form_page(request, form, None)


@login_required
def round_edit(request: HttpRequest, pk: int) -> HttpResponse:
    round_ = _round(request, pk)
    require(request, MANAGE, round_)
    form = RoundForm(request.POST or None, round_=round_, initial=RoundForm.initial_from(round_))
    if request.method == "POST" and form.is_valid():
        values = form.service_values(changed_only=True)
        try:
            if values:
                services.round_update(actor=request.user, round=round_, **values)
        except DomainError as exc:
            refused(exc)
            show_refusal(form, exc)
        else:
            messages.success(request, _("The round is saved.") if values else _("Nothing was changed."))
            return redirect("grants:round_detail", pk=round_.pk)
    return _round_form_page(request, form, round_)


@login_required
@require_GET
def round_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Ministry staff: settings, actions, counts per status and the application table. Firms: the call
    itself and a button to apply while it is open."""
    round_ = _round(request, pk)
    context: dict = {
        "round": round_,
        "can_manage": bool(policy.can(request.user, MANAGE)),
        "read_all": bool(policy.can(request.user, READ_ALL)),
        "can_apply": bool(policy.can(request.user, "grants.application.create"))
        and round_.state == RoundState.OPEN,
    }
    if context["can_manage"]:
        context["actions"] = available_actions(ROUND_WORKFLOW, round_, request.user)
        context["open_blockers"] = _open_blockers(round_, request.user)
        context["reason_form"] = ReasonForm(auto_id="action_%s")
        if round_.state in EXTENDABLE:
            context["extend_form"] = ExtendDatesForm(round_=round_)
    if context["read_all"]:
        areas = [(link.area.code, link.area.name) for link in round_.area_links.all()]
        form = ApplicationFilterForm(request.GET or None, areas=areas)
        sort = sort_key(request.GET.get("sort", ""))
        rows = selectors_pages.round_table(request.user, round_, sort=sort, **form.filters())
        context.update(
            form=form,
            sort=sort,
            filtered=bool(form.filters()),
            page_obj=DeferredJoinPaginator(rows, PAGE_SIZE).get_page(request.GET.get("page")),
            counts=selectors_pages.round_counts(round_),
        )
    return render(request, "grants/round_detail.html", context)


def _open_blockers(round_: Round, user) -> list[str]:
    """Every reason the round cannot open yet (the action's guards one by one), for a setup checklist."""
    transition = ROUND_WORKFLOW.transition(round_.state, "open")
    if transition is None:
        return []
    return [str(reason) for guard in transition.guards if (reason := guard(round_, user, {}))]


@login_required
@require_POST
def round_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Open, close, start review, ... as the round's transition table allows (refusals say why)."""
    round_ = _round(request, pk)
    require(request, MANAGE, round_)
    if action not in ROUND_WORKFLOW.actions:
        raise Http404
    form = ReasonForm(request.POST)
    reason = form.cleaned_data.get("reason", "") if form.is_valid() else ""

    def act() -> HttpResponse:
        moved = services.round_transition(actor=request.user, round=round_, action=action, reason=reason)
        messages.success(request, _("The round is now “%(state)s”.") % {"state": moved.get_state_display()})
        return redirect("grants:round_detail", pk=round_.pk)

    try:
        return run_once(request, act)
    except DomainError as exc:
        refused(exc)
        messages.error(request, _field_messages(exc))
        return redirect("grants:round_detail", pk=round_.pk)


def _field_messages(exc: DomainError) -> str:
    """The refusal with every detail message, for a page that shows it at the top."""
    extra = [
        str(m) for messages_ in (exc.details or {}).values() if isinstance(messages_, list) for m in messages_
    ]
    parts = [exc.message, *(m for m in extra if m != exc.message)]
    return " ".join(parts)


@login_required
@require_POST
def round_extend(request: HttpRequest, pk: int) -> HttpResponse:
    """Later dates with a reason (rule 3); the form comes back with the service's messages if refused."""
    round_ = _round(request, pk)
    require(request, MANAGE, round_)
    form = ExtendDatesForm(request.POST, round_=round_)
    if form.is_valid():

        def extend() -> HttpResponse:
            services.round_extend_dates(
                actor=request.user, round=round_, reason=form.cleaned_data["reason"], **form.dates()
            )
            messages.success(request, _("The dates are extended; the reason is in the audit trail."))
            return redirect("grants:round_detail", pk=round_.pk)

        try:
            return run_once(request, extend)
        except DomainError as exc:
            refused(exc)
            show_refusal(form, exc)
    return render(request, "grants/round_extend.html", {"round": round_, "form": form}, status=400)


@login_required
def round_rubric(request: HttpRequest, pk: int) -> HttpResponse:
    """The rubric's criteria (draft rounds); the default rubric is one click away."""
    round_ = _round(request, pk)
    require(request, MANAGE, round_)
    initial = [
        {f: getattr(c, f) for f in ("code", "name", "weight", "scale_min", "scale_max", "step", "threshold")}
        for c in round_.criteria.all()
    ]
    formset = RubricFormSet(request.POST or None, initial=initial, prefix="criteria")
    error = ""
    if request.method == "POST":
        use_default = "use_default" in request.POST
        if use_default or formset.is_valid():
            criteria = services.default_rubric() if use_default else formset.criteria()
            try:
                services.round_set_rubric(actor=request.user, round=round_, criteria=criteria)
            except DomainError as exc:
                refused(exc)
                error = _field_messages(exc)
            else:
                messages.success(request, _("The rubric is saved."))
                return redirect("grants:round_detail", pk=round_.pk)
    return render(
        request,
        "grants/round_rubric.html",
        {"round": round_, "formset": formset, "error": error, "frozen": round_.state != RoundState.DRAFT},
        status=400 if request.method == "POST" else 200,
    )


@login_required
def round_areas(request: HttpRequest, pk: int) -> HttpResponse:
    """Admitted priority areas with optional quotas (draft rounds; quotas within the budget)."""
    round_ = _round(request, pk)
    require(request, MANAGE, round_)
    form = AreasForm(request.POST or None, round_=round_)
    if request.method == "POST" and form.is_valid():
        try:
            services.round_set_priority_areas(actor=request.user, round=round_, areas=form.selected())
        except DomainError as exc:
            refused(exc)
            form.add_error(None, _field_messages(exc))
        else:
            messages.success(request, _("The priority areas are saved."))
            return redirect("grants:round_detail", pk=round_.pk)
    return render(
        request,
        "grants/round_areas.html",
        {"round": round_, "form": form, "frozen": round_.state != RoundState.DRAFT},
        status=400 if form.is_bound and form.errors else 200,
    )
