"""Cost claims: the firm's claim page (lines, evidence, submission) and the officer's verification
queue and line-by-line verification."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from audit.selectors import reads_trail
from core import policy
from core.errors import DomainError
from core.idempotency import run_once
from core.workflow import available_actions
from trials import selectors, services
from trials.enums import COST_EVIDENCE_KINDS, ClaimState
from trials.forms import ActionForm, ClaimLineForm, EvidenceForm, LineVerifyForm
from trials.services.claims import missing_evidence
from trials.views._common import FIRM, MANAGE, READ_ALL, button, found, paginate, refused, require, submit
from trials.workflow import CLAIM_WORKFLOW

LINE_FIELDS = (
    "trial",
    "category",
    "description",
    "document_date",
    "counterparty_inn",
    "counterparty_name",
    "document_number",
    "amount",
)


def _claim_url(claim: Any) -> str:
    return reverse("trials:claim", args=[claim.pk])


def _verify_url(claim: Any) -> str:
    return reverse("trials:claim_verify", args=[claim.pk])


@login_required
@require_POST
def claim_create(request: HttpRequest, pk: int) -> HttpResponse:
    """The firm opens a draft claim on its agreement."""
    agreement = found(selectors.agreement_get, request, pk)
    require(request, FIRM, agreement)
    back = reverse("trials:agreement", args=[pk])

    def handle() -> HttpResponse:
        try:
            claim = services.claim_create(actor=request.user, agreement=agreement)
        except DomainError as exc:
            refused(exc)
            messages.error(request, exc.message)
            return redirect(back)
        messages.success(request, _("A draft claim is open: add its cost lines."))
        return redirect(_claim_url(claim))

    try:
        return run_once(request, handle)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect(back)


def claim_page(request: HttpRequest, claim: Any, status: int = 200, **forms: Any) -> HttpResponse:
    user = request.user
    is_firm = bool(policy.can(user, FIRM, claim))
    editing = is_firm and claim.state == ClaimState.DRAFT
    # Rule 30's missing evidence ("lines.<id>" -> messages) on each line, for the draft's editor.
    missing = missing_evidence(claim) if editing else {}
    for line in claim.lines.all():
        line.missing = missing.get(f"lines.{line.pk}", [])
    context = {
        "claim": claim,
        "agreement": claim.agreement,
        "is_firm": is_firm,
        "editing": editing,
        "can_manage": bool(policy.can(user, MANAGE)),
        "reads_all": bool(policy.can(user, READ_ALL)),
        "actions": available_actions(CLAIM_WORKFLOW, claim, user),
        "missing": [line for line in claim.lines.all() if line.missing],
        "action_form": ActionForm(),
        "trail_link": reads_trail(user),
    }
    if editing:
        context["line_form"] = forms.get("line_form") or ClaimLineForm(claim=claim)
        context["evidence_form"] = forms.get("evidence_form") or EvidenceForm(kinds=COST_EVIDENCE_KINDS)
        context["evidence_line"] = forms.get("evidence_line")
    return render(request, "trials/claim_detail.html", context, status=status)


@login_required
@require_GET
def claim_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return claim_page(request, found(selectors.claim_get, request, pk))


@login_required
@require_POST
def claim_line_add(request: HttpRequest, pk: int) -> HttpResponse:
    claim = found(selectors.claim_get, request, pk)
    require(request, FIRM, claim)
    form = ClaimLineForm(request.POST, claim=claim)
    return submit(
        request,
        form,
        lambda data: services.claim_line_add(
            actor=request.user, claim=claim, **{name: data[name] for name in LINE_FIELDS}
        ),
        success=_("The line is added. Attach its contract, acceptance act or UPD, and payment order."),
        to=lambda line: _claim_url(claim) + f"#line-{line.pk}",
        page=lambda: claim_page(request, found(selectors.claim_get, request, pk), line_form=form),
    )


@login_required
@require_POST
def claim_line_delete(request: HttpRequest, pk: int) -> HttpResponse:
    line = found(selectors.claim_line_get, request, pk)
    require(request, FIRM, line)
    return button(
        request,
        lambda: services.claim_line_delete(actor=request.user, line=line),
        success=_("The line and its files are removed."),
        back=_claim_url(line.claim),
    )


@login_required
@require_POST
def line_evidence(request: HttpRequest, pk: int) -> HttpResponse:
    line = found(selectors.claim_line_get, request, pk)
    require(request, FIRM, line)
    form = EvidenceForm(request.POST, request.FILES, kinds=COST_EVIDENCE_KINDS)
    return submit(
        request,
        form,
        lambda data: services.evidence_upload(
            actor=request.user,
            agreement=line.claim.agreement,
            upload=data["file"],
            kind=data["kind"],
            line=line,
        ),
        success=_("The file is attached."),
        to=lambda _result: _claim_url(line.claim) + f"#line-{line.pk}",
        page=lambda: claim_page(
            request,
            found(selectors.claim_get, request, line.claim_id),
            evidence_form=form,
            evidence_line=line.pk,
        ),
    )


@login_required
@require_POST
def claim_submit(request: HttpRequest, pk: int) -> HttpResponse:
    claim = found(selectors.claim_get, request, pk)
    require(request, FIRM, claim)
    return button(
        request,
        lambda: services.claim_submit(actor=request.user, claim=claim),
        success=_("The claim is submitted for verification."),
        back=_claim_url(claim),
    )


# --- the officer's side -----------------------------------------------------------------------------
@login_required
@require_GET
def verification_queue(request: HttpRequest) -> HttpResponse:
    require(request, READ_ALL)
    page = paginate(request, selectors.verification_queue(request.user))
    return render(request, "trials/verification_queue.html", {"page_obj": page})


def verify_page(request: HttpRequest, claim: Any, status: int = 200, **forms: Any) -> HttpResponse:
    bound = forms.get("line_form")
    line_forms = []
    for line in claim.lines.all():
        if bound is not None and forms.get("line_pk") == line.pk:
            line_forms.append((line, bound))
        else:
            initial = {
                "decision": {"pending": "accept", "accepted": "accept", "reduced": "reduce"}.get(
                    line.state, "reject"
                )
            }
            if line.accepted_amount is not None and line.state == "reduced":
                initial["accepted_amount"] = line.accepted_amount
            line_forms.append((line, LineVerifyForm(initial=initial, prefix=f"line{line.pk}")))
    context = {
        "claim": claim,
        "agreement": claim.agreement,
        "line_forms": line_forms,
        "can_manage": bool(policy.can(request.user, MANAGE)),
        "actions": available_actions(CLAIM_WORKFLOW, claim, request.user),
        "action_form": ActionForm(),
        "payout": next(iter(p for p in claim.payouts.all() if p.state != "cancelled"), None),
    }
    return render(request, "trials/claim_verify.html", context, status=status)


@login_required
@require_GET
def claim_verify(request: HttpRequest, pk: int) -> HttpResponse:
    claim = found(selectors.claim_get, request, pk)
    require(request, READ_ALL)
    return verify_page(request, claim)


@login_required
@require_POST
def line_verify(request: HttpRequest, pk: int) -> HttpResponse:
    line = found(selectors.claim_line_get, request, pk)
    require(request, MANAGE)
    form = LineVerifyForm(request.POST, prefix=f"line{line.pk}")
    return submit(
        request,
        form,
        lambda data: services.line_verify(
            actor=request.user,
            line=line,
            decision=data["decision"],
            accepted_amount=data["accepted_amount"],
            reason=data["reason"],
        ),
        success=_("The line's verification is recorded."),
        to=lambda _result: _verify_url(line.claim) + f"#line-{line.pk}",
        page=lambda: verify_page(
            request, found(selectors.claim_get, request, line.claim_id), line_form=form, line_pk=line.pk
        ),
    )


@login_required
@require_POST
def claim_complete(request: HttpRequest, pk: int) -> HttpResponse:
    claim = found(selectors.claim_get, request, pk)
    require(request, MANAGE)
    return button(
        request,
        lambda: services.claim_complete_verification(actor=request.user, claim=claim),
        success=_("The claim is verified. Propose its payout."),
        back=_verify_url(claim),
    )
