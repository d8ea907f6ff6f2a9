"""Trials data the firm keeps current, progress reports on the schedule (rule 28), the outcome report."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.services import record_event
from core.workflow import perform
from grants.services._common import Problems
from trials.enums import AgreementState, OutcomeState, TrialStatus
from trials.models import Agreement, OutcomeReport, ProgressReport, Trial
from trials.policy import require_firm_member
from trials.services._common import clean_text, lock_agreement
from trials.workflow import OUTCOME_REPORT_WORKFLOW, PROGRESS_REPORT_WORKFLOW

TRIAL_FIELDS = ("status", "sites", "actual_enrolment", "actual_start", "actual_end")
# The firm keeps its trials' data current from signature until the agreement closes.
TRIAL_EDITABLE_STATES = frozenset(
    {AgreementState.SIGNED, AgreementState.ACTIVE, AgreementState.SUCCESS_VERIFIED}
)
SYSTEM_ACTOR = "system:trials.reports"


def _audit_value(value: Any) -> Any:
    return list(value) if isinstance(value, list | tuple) else value


def trial_update(*, actor: Any, trial: Trial, **values: Any) -> Trial:
    """The firm reports a trial's status, sites, actual enrolment and dates."""
    unknown = set(values) - set(TRIAL_FIELDS)
    if unknown:
        raise TypeError(f"Unknown trial fields: {sorted(unknown)}")
    require_firm_member(actor, trial)
    problems = Problems()
    clean = dict(values)
    if "status" in values and values["status"] not in TrialStatus.values:
        problems.add("status", _("Choose the trial's status."))
    if "sites" in values:
        sites = values["sites"] or []
        if isinstance(sites, str):
            sites = sites.splitlines()
        clean["sites"] = [s for s in (clean_text(site, limit=300) for site in sites) if s]
    if "actual_enrolment" in values:
        enrolled = values["actual_enrolment"]
        if enrolled is not None and (
            not isinstance(enrolled, int) or isinstance(enrolled, bool) or enrolled < 0
        ):
            problems.add("actual_enrolment", _("Enter the number of participants enrolled."))
    today = timezone.localdate()
    for name in ("actual_start", "actual_end"):
        when = values.get(name)
        if when is not None and (not isinstance(when, dt.date) or when > today):
            problems.add(name, _("Enter a date that is not in the future."))
    problems.raise_if_any()
    with transaction.atomic():
        agreement = lock_agreement(trial.agreement_id)
        if agreement.state not in TRIAL_EDITABLE_STATES:
            raise_not_editable()
        trial = Trial.objects.select_for_update().get(pk=trial.pk, agreement=agreement)
        before = {name: _audit_value(getattr(trial, name)) for name in clean}
        for name, value in clean.items():
            setattr(trial, name, value)
        if trial.actual_start and trial.actual_end and trial.actual_start > trial.actual_end:
            problems.add("actual_end", _("The trial cannot end before it starts."))
        if trial.status in (TrialStatus.COMPLETED, TrialStatus.TERMINATED) and trial.actual_end is None:
            problems.add("actual_end", _("A completed or terminated trial needs its end date."))
        problems.raise_if_any()
        trial.save(update_fields=[*clean, "updated_at"])
        record_event(
            actor=actor,
            action="trial.update",
            obj=trial,
            before=before,
            after={name: _audit_value(getattr(trial, name)) for name in clean},
        )
    return trial


def raise_not_editable() -> None:
    from core.errors import Conflict

    raise Conflict("not_editable", _("The agreement is not in a state where this can change."))


# --- progress reports ------------------------------------------------------------------------------
def progress_report_submit(
    *, actor: Any, report: ProgressReport, summary: str, enrolled: int | None = None
) -> ProgressReport:
    """The firm files a due report (late ones too: the overdue flag stays in the record)."""
    from trials.deadlines import report_reminders_cancel

    require_firm_member(actor, report)
    problems = Problems()
    summary = clean_text(summary)
    if not summary:
        problems.add("summary", _("Describe the progress in the period."))
    if enrolled is not None and (not isinstance(enrolled, int) or isinstance(enrolled, bool) or enrolled < 0):
        problems.add("enrolled", _("Enter the number of participants enrolled."))
    problems.raise_if_any()
    with transaction.atomic():
        lock_agreement(report.agreement_id)
        report = ProgressReport.objects.select_for_update().select_related("agreement").get(pk=report.pk)
        report = perform(
            PROGRESS_REPORT_WORKFLOW,
            report,
            "submit",
            actor=actor,
            changes={
                "summary": summary,
                "enrolled": enrolled,
                "submitted_at": timezone.now(),
                "submitted_by": actor,
            },
        )
        report_reminders_cancel(report)
    return report


def progress_report_schedule_next(*, report: ProgressReport) -> ProgressReport:
    """The schedule goes on: the report after `report` (idempotent; the due handler calls it)."""
    from trials.deadlines import report_deadlines_schedule
    from trials.services.agreements import add_months

    agreement = report.agreement
    following, created = ProgressReport.objects.get_or_create(
        agreement=agreement,
        number=report.number + 1,
        defaults={
            "period_start": report.due_at,
            "due_at": add_months(report.due_at, agreement.reporting_interval_months),
        },
    )
    if created:
        report_deadlines_schedule(following)
        record_event(
            actor=SYSTEM_ACTOR,
            action="progressreport.schedule",
            obj=following,
            after={"agreement": agreement.pk, "number": following.number, "due_at": following.due_at},
        )
    return following


def progress_report_flag_overdue(*, report: ProgressReport) -> ProgressReport:
    """Flag a report whose due time passed unsubmitted (once)."""
    if report.overdue_at is None:
        report.overdue_at = timezone.now()
        report.save(update_fields=["overdue_at"])
        record_event(
            actor=SYSTEM_ACTOR,
            action="progressreport.overdue",
            obj=report,
            after={"overdue_at": report.overdue_at, "due_at": report.due_at},
        )
    return report


# --- outcome report --------------------------------------------------------------------------------
def outcome_report_save(
    *,
    actor: Any,
    agreement: Agreement,
    summary: str = "",
    primary_endpoint_met: bool | None = None,
    submit: bool = False,
) -> OutcomeReport:
    """Start or edit the firm's outcome report (a draft until submitted); `submit` files it too."""
    require_firm_member(actor, agreement)
    if primary_endpoint_met not in (None, True, False):
        raise TypeError("primary_endpoint_met is a bool or None.")
    with transaction.atomic():
        agreement = lock_agreement(agreement)
        if agreement.state in (AgreementState.DRAFT, AgreementState.CLOSED):
            raise_not_editable()
        report, _created = OutcomeReport.objects.select_for_update().get_or_create(agreement=agreement)
        if report.state != OutcomeState.DRAFT:
            raise_not_editable()
        before = {"summary": report.summary, "primary_endpoint_met": report.primary_endpoint_met}
        report.summary = clean_text(summary)
        report.primary_endpoint_met = primary_endpoint_met
        report.save(update_fields=["summary", "primary_endpoint_met"])
        record_event(
            actor=actor,
            action="outcomereport.save",
            obj=report,
            before=before,
            after={"summary": report.summary, "primary_endpoint_met": report.primary_endpoint_met},
        )
        if submit:
            report = _outcome_submit_locked(actor, report)
    return report


def outcome_report_submit(*, actor: Any, report: OutcomeReport) -> OutcomeReport:
    """File the outcome report: it needs a summary and at least one document."""
    require_firm_member(actor, report)
    with transaction.atomic():
        lock_agreement(report.agreement_id)
        report = OutcomeReport.objects.select_for_update().select_related("agreement").get(pk=report.pk)
        return _outcome_submit_locked(actor, report)


def _outcome_submit_locked(actor: Any, report: OutcomeReport) -> OutcomeReport:
    problems = Problems()
    if not report.summary:
        problems.add("summary", _("Describe the outcome of the trials."))
    if not report.evidence.exists():
        problems.add("file", _("Attach the outcome report document."))
    problems.raise_if_any()
    return perform(
        OUTCOME_REPORT_WORKFLOW,
        report,
        "submit",
        actor=actor,
        changes={"submitted_at": timezone.now(), "submitted_by": actor},
    )
