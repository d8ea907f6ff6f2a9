"""The firm's trial updates, progress reports and outcome report."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from core import policy
from trials import selectors, services
from trials.enums import OutcomeState, ReportState
from trials.forms import EvidenceForm, OutcomeForm, ProgressReportForm, TrialForm
from trials.models import OutcomeReport
from trials.views._common import FIRM, found, require, submit

REPORT_KINDS = ("progress_report", "other")
OUTCOME_KINDS = ("outcome_report", "other")


@login_required
def trial_edit(request: HttpRequest, pk: int) -> HttpResponse:
    trial = found(selectors.trial_get, request, pk)
    require(request, FIRM, trial)
    initial = {
        "status": trial.status,
        "sites": "\n".join(trial.sites or []),
        "actual_enrolment": trial.actual_enrolment,
        "actual_start": trial.actual_start,
        "actual_end": trial.actual_end,
    }
    form = TrialForm(request.POST or None, initial=initial)

    def page() -> HttpResponse:
        return render(
            request, "trials/trial_form.html", {"form": form, "trial": trial, "agreement": trial.agreement}
        )

    if request.method != "POST":
        return page()
    return submit(
        request,
        form,
        lambda data: services.trial_update(actor=request.user, trial=trial, **data),
        success=_("The trial's data are saved."),
        to=lambda _result: reverse("trials:agreement", args=[trial.agreement_id]) + "#trials",
        page=page,
    )


def report_page(request: HttpRequest, report: Any, status: int = 200, **forms: Any) -> HttpResponse:
    editing = bool(policy.can(request.user, FIRM, report)) and report.state == ReportState.DUE
    context = {"report": report, "agreement": report.agreement, "editing": editing}
    if editing:
        context["form"] = forms.get("form") or ProgressReportForm(initial={"summary": report.summary})
        context["evidence_form"] = forms.get("evidence_form") or EvidenceForm(kinds=REPORT_KINDS)
    return render(request, "trials/report_detail.html", context, status=status)


@login_required
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    report = found(selectors.progress_report_get, request, pk)
    if request.method != "POST":
        return report_page(request, report)
    require(request, FIRM, report)
    form = ProgressReportForm(request.POST)
    return submit(
        request,
        form,
        lambda data: services.progress_report_submit(
            actor=request.user, report=report, summary=data["summary"], enrolled=data["enrolled"]
        ),
        success=_("The progress report is filed."),
        to=lambda _result: reverse("trials:report", args=[report.pk]),
        page=lambda: report_page(request, report, form=form),
    )


@login_required
@require_POST
def report_evidence(request: HttpRequest, pk: int) -> HttpResponse:
    report = found(selectors.progress_report_get, request, pk)
    require(request, FIRM, report)
    form = EvidenceForm(request.POST, request.FILES, kinds=REPORT_KINDS)
    return submit(
        request,
        form,
        lambda data: services.evidence_upload(
            actor=request.user,
            agreement=report.agreement,
            upload=data["file"],
            kind=data["kind"],
            progress_report=report,
        ),
        success=_("The file is attached."),
        to=lambda _result: reverse("trials:report", args=[report.pk]),
        page=lambda: report_page(request, report, evidence_form=form),
    )


def outcome_page(request: HttpRequest, agreement: Any, status: int = 200, **forms: Any) -> HttpResponse:
    report = OutcomeReport.objects.filter(agreement=agreement).prefetch_related("evidence").first()
    editing = bool(policy.can(request.user, FIRM, agreement)) and (
        report is None or report.state == OutcomeState.DRAFT
    )
    initial = (
        {"summary": report.summary, "primary_endpoint_met": report.primary_endpoint_met} if report else {}
    )
    context = {
        "agreement": agreement,
        "report": report,
        "editing": editing,
        "form": forms.get("form") or OutcomeForm(initial=initial),
        "evidence_form": forms.get("evidence_form") or EvidenceForm(kinds=OUTCOME_KINDS),
    }
    return render(request, "trials/outcome.html", context, status=status)


@login_required
def outcome(request: HttpRequest, pk: int) -> HttpResponse:
    """Read by everyone who sees the agreement; the firm saves a draft, attaches files, submits."""
    agreement = found(selectors.agreement_get, request, pk)
    if request.method != "POST":
        return outcome_page(request, agreement)
    require(request, FIRM, agreement)
    back = reverse("trials:outcome", args=[agreement.pk])
    step = request.POST.get("step", "save")
    report = OutcomeReport.objects.filter(agreement=agreement).first()
    if step == "evidence" and report is None:
        messages.error(request, _("Save a draft first; then attach the documents."))
        return redirect(back)
    if step == "evidence":
        evidence_form = EvidenceForm(request.POST, request.FILES, kinds=OUTCOME_KINDS)
        return submit(
            request,
            evidence_form,
            lambda data: services.evidence_upload(
                actor=request.user,
                agreement=agreement,
                upload=data["file"],
                kind=data["kind"],
                outcome_report=report,
            ),
            success=_("The file is attached."),
            to=lambda _r: back,
            page=lambda: outcome_page(request, agreement, evidence_form=evidence_form),
        )
    form = OutcomeForm(request.POST)
    return submit(
        request,
        form,
        lambda data: services.outcome_report_save(
            actor=request.user,
            agreement=agreement,
            summary=data["summary"],
            primary_endpoint_met=data["primary_endpoint_met"],
            submit=step == "submit",
        ),
        success=_("The outcome report is submitted.") if step == "submit" else _("The draft is saved."),
        to=lambda _r: back,
        page=lambda: outcome_page(request, agreement, form=form),
    )
