"""Officers' selection pages (auditors and administrators read them): rounds, ranking, decision."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from core.errors import DomainError
from core.forms import apply_domain_error
from core.idempotency import form_token, run_once
from grants import selectors_selection as sel
from grants.enums import DecisionOutcome, RoundState
from grants.services.decisions import DecisionInput, decisions_record, minutes_upload, selection_publish
from grants.services.selection import selection_run
from grants.views_selection._common import allowed, found, raise_page_error, require
from grants.views_selection.forms import MinutesForm, PublishForm, RunForm

PAGE_SIZE = 25


@login_required
@require_GET
def selection_rounds(request: HttpRequest) -> HttpResponse:
    require(request, "selection.read")
    page = Paginator(sel.selection_rounds_visible_to(request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "grants/selection/rounds.html", {"page_obj": page})


def _progress(round_, proposal, rows: list) -> dict:
    """Review progress for the summary card. Once the committee has decided, the applications have
    left the review states and the proposal it decided on is final: its frozen count tells."""
    if proposal is None or not any(row.decision for row in rows):
        return sel.review_progress(round_)
    eligible, short = len(rows), min(proposal.incomplete_count, len(rows))
    return {
        "eligible": eligible,
        "complete": eligible - short,
        "short": short,
        "k": round_.reviewers_per_application,
    }


def _round_context(request: HttpRequest, round_) -> dict:
    proposal = sel.latest_proposal(round_)
    rows = sel.ranking_rows(round_, proposal)
    criteria = list(round_.criteria.all())
    for row in rows:
        means = row.scores.criterion_means if row.scores else {}
        row.means = [means.get(c.code) for c in criteria]
    can_manage = allowed(request, "selection.manage")
    in_selection = round_.state == RoundState.SELECTION
    return {
        "round": round_,
        "proposal": proposal,
        "rows": rows,
        "line_index": sel.budget_line_index(rows),
        "quotas": sel.quota_usage(round_, proposal),
        "progress": _progress(round_, proposal, rows),
        "ledger": sel.round_selection_of(round_),
        "criteria": criteria,
        "can_run": can_manage and in_selection and not any(row.decision for row in rows),
    }


@login_required
@require_GET
def selection_round(request: HttpRequest, pk: int) -> HttpResponse:
    """The ranking with the budget line, quota usage and every score (raw, calibrated, spread, flags)."""
    require(request, "selection.read")
    round_ = found(sel.selection_round_get, request.user, pk)
    return render(
        request, "grants/selection/round.html", {**_round_context(request, round_), "run_form": RunForm()}
    )


@login_required
@require_POST
def selection_run_view(request: HttpRequest, pk: int) -> HttpResponse:
    require(request, "selection.manage")
    round_ = found(sel.selection_round_get, request.user, pk)
    form = RunForm(request.POST)
    if form.is_valid():

        def handle() -> HttpResponse:
            proposal = selection_run(
                actor=request.user, round=round_, exception_reason=form.cleaned_data["exception_reason"]
            )
            messages.success(
                request, _("Selection run %(n)s is stored; its inputs are frozen.") % {"n": proposal.number}
            )
            return redirect("grants:selection_round", pk=round_.pk)

        try:
            return run_once(request, handle)
        except DomainError as exc:
            raise_page_error(exc)
            apply_domain_error(form, exc)
    context = {**_round_context(request, round_), "run_form": form}
    return render(request, "grants/selection/round.html", context, status=400)


# --- the committee's decision ---------------------------------------------------------------------
def _decision_rows(rows: list, posted=None, errors=None) -> list[dict]:
    """Each ranking row with the values its form line shows: posted, else recorded, else proposed."""
    lines = []
    for row in rows:
        pk = row.application.pk
        if posted is not None:
            outcome = posted.get(f"outcome-{pk}", "")
            amount = posted.get(f"amount-{pk}", "")
            reason = posted.get(f"reason-{pk}", "")
        elif row.decision is not None:
            outcome, reason = row.decision.outcome, row.decision.reason
            amount = row.decision.approved_amount if outcome == DecisionOutcome.SELECTED else ""
        else:
            outcome = row.proposed.outcome if row.proposed else ""
            amount = row.proposed.amount if row.proposed and outcome == DecisionOutcome.SELECTED else ""
            reason = ""
        lines.append(
            {
                "row": row,
                "outcome": outcome,
                "amount": amount,
                "reason": reason,
                "errors": (errors or {}).get(pk, []),
            }
        )
    return lines


def _decision_context(request: HttpRequest, round_, posted=None, errors=None, top_error: str = "") -> dict:
    proposal = sel.latest_proposal(round_)
    rows = sel.ranking_rows(round_, proposal) if proposal else []
    ledger = sel.round_selection_of(round_)
    committed = ledger.committed if ledger else Decimal("0.00")
    return {
        "round": round_,
        "proposal": proposal,
        "lines": _decision_rows(rows, posted, errors),
        "outcomes": DecisionOutcome.choices,
        "ledger": ledger,
        "progress": _progress(round_, proposal, rows),
        "committed": committed,
        "remaining": round_.budget - committed,
        "can_manage": allowed(request, "selection.manage") and round_.state == RoundState.SELECTION,
        "minutes_form": MinutesForm(),
        "publish_form": PublishForm(),
        "decision_token": form_token(),
        "top_error": top_error,
        "undecided": sum(1 for row in rows if row.decision is None),
    }


def _errors_by_application(exc: DomainError, lines: list[DecisionInput]) -> dict[int, list[str]]:
    errors: dict[int, list[str]] = {}
    details = dict(exc.details or {})
    if exc.field and exc.field not in details:
        details[exc.field] = [exc.message]
    for key, texts in details.items():
        parts = str(key).split(".")
        if len(parts) >= 2 and parts[0] == "decisions" and parts[1].isdigit() and int(parts[1]) < len(lines):
            pk = lines[int(parts[1])].application_id
            errors.setdefault(pk, []).extend(str(t) for t in (texts if isinstance(texts, list) else [texts]))
    return errors


@login_required
def selection_decision(request: HttpRequest, pk: int) -> HttpResponse:
    """Proposal beside decision per application, with a reason field for each difference."""
    require(request, "selection.read")
    round_ = found(sel.selection_round_get, request.user, pk)
    if request.method != "POST":
        return render(request, "grants/selection/decision.html", _decision_context(request, round_))
    require(request, "selection.manage")
    ids = [
        int(key.split("-", 1)[1]) for key in request.POST if key.startswith("outcome-") and key[8:].isdigit()
    ]
    lines = [
        DecisionInput(
            application_id=app_id,
            outcome=request.POST.get(f"outcome-{app_id}", ""),
            approved_amount=request.POST.get(f"amount-{app_id}", "").strip() or None,
            reason=request.POST.get(f"reason-{app_id}", ""),
        )
        for app_id in sorted(ids)
        if request.POST.get(f"outcome-{app_id}", "")
    ]

    def handle() -> HttpResponse:
        decisions = decisions_record(actor=request.user, round=round_, decisions=lines)
        messages.success(
            request, _("%(n)s decisions recorded; the money is committed.") % {"n": len(decisions)}
        )
        return redirect("grants:selection_decision", pk=round_.pk)

    try:
        return run_once(request, handle)
    except DomainError as exc:
        raise_page_error(exc)
        errors = _errors_by_application(exc, lines)
        context = _decision_context(request, round_, request.POST, errors, top_error=exc.message)
        return render(request, "grants/selection/decision.html", context, status=400)


@login_required
@require_POST
def selection_minutes(request: HttpRequest, pk: int) -> HttpResponse:
    require(request, "selection.manage")
    round_ = found(sel.selection_round_get, request.user, pk)
    form = MinutesForm(request.POST, request.FILES)
    if form.is_valid():

        def handle() -> HttpResponse:
            minutes_upload(actor=request.user, round=round_, upload=form.cleaned_data["file"])
            messages.success(request, _("The minutes are attached."))
            return redirect("grants:selection_decision", pk=round_.pk)

        try:
            return run_once(request, handle)
        except DomainError as exc:
            raise_page_error(exc)
            apply_domain_error(form, exc)
    context = {**_decision_context(request, round_), "minutes_form": form}
    return render(request, "grants/selection/decision.html", context, status=400)


@login_required
@require_POST
def selection_publish_view(request: HttpRequest, pk: int) -> HttpResponse:
    require(request, "selection.manage")
    round_ = found(sel.selection_round_get, request.user, pk)

    def handle() -> HttpResponse:
        selection_publish(actor=request.user, round=round_)
        messages.success(
            request, _("The results are published; every firm is notified and the appeal window is open.")
        )
        return redirect("grants:selection_decision", pk=round_.pk)

    try:
        return run_once(request, handle)
    except DomainError as exc:
        raise_page_error(exc)
        context = _decision_context(request, round_, top_error=exc.message)
        return render(request, "grants/selection/decision.html", context, status=400)
