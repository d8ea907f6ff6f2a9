"""The trials domain's dated obligations and what happens when each falls due.

Registered from `TrialsConfig.ready()`. Kinds (target in brackets):
- "trials.report.reminder:<days>" [progress report] `days` before it is due: the firm is reminded.
- "trials.report.due" [progress report] at its due time: an unsubmitted report is flagged overdue
  and the firm and the officers are told; the next report of the schedule is created (rule 28).
- "trials.claim.reminder:<days>" [cost claim] before its verification is due: officers reminded.
- "trials.claim.verification_due" [cost claim] at the verification SLA: a claim still unverified
  is flagged late and the officers are told.

Defaults are settings, never constants in the rules: TRIALS_REPORT_REMINDER_DAYS [14, 3],
TRIALS_VERIFICATION_SLA_DAYS [30], TRIALS_VERIFICATION_REMINDER_DAYS [5, 1]. Handlers run inside the
sweeper's transaction and are idempotent (notifications are unique per deadline, flags are set once).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.enums import Role
from deadlines.models import Deadline
from deadlines.registry import register_handler
from deadlines.services import deadline_schedule, deadlines_cancel_for, notify
from trials.enums import AgreementState, ClaimState, ReportState
from trials.models import CostClaim, ProgressReport

REPORT_DUE = "trials.report.due"
REPORT_REMINDER = "trials.report.reminder"
CLAIM_DUE = "trials.claim.verification_due"
CLAIM_REMINDER = "trials.claim.reminder"
# Agreements in these states still owe progress reports.
REPORTING_STATES = frozenset({AgreementState.ACTIVE})


def _days_setting(name: str, default: tuple[int, ...]) -> list[int]:
    days = getattr(settings, name, default)
    return sorted({int(d) for d in days if int(d) > 0}, reverse=True)


def verification_sla_days() -> int:
    return int(getattr(settings, "TRIALS_VERIFICATION_SLA_DAYS", 30))


def _url(name: str, *args: Any) -> str:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


def _officers():
    return get_user_model().objects.filter(role=Role.OFFICER, is_active=True).order_by("pk")


def _firm_people(organisation_id: int):
    return (
        get_user_model()
        .objects.filter(organisation_id=organisation_id, role=Role.APPLICANT, is_active=True)
        .order_by("pk")
    )


# --- scheduling -----------------------------------------------------------------------------------
def _schedule_with_reminders(*, target: Any, due_kind: str, reminder_kind: str, due_at: Any, days: list[int]):
    now = timezone.now()
    deadline_schedule(kind=due_kind, target=target, due_at=due_at)
    for before in days:
        when = due_at - timedelta(days=before)
        if when > now:
            deadline_schedule(
                kind=f"{reminder_kind}:{before}", target=target, due_at=when, payload={"days_before": before}
            )


def report_deadlines_schedule(report: ProgressReport) -> None:
    """The due time and the reminders of one progress report (call inside the service's transaction)."""
    _schedule_with_reminders(
        target=report,
        due_kind=REPORT_DUE,
        reminder_kind=REPORT_REMINDER,
        due_at=report.due_at,
        days=_days_setting("TRIALS_REPORT_REMINDER_DAYS", (14, 3)),
    )


def report_reminders_cancel(report: ProgressReport) -> None:
    """A submitted report needs no reminder; its due deadline stays, to start the next period."""
    deadlines_cancel_for(report, prefix=f"{REPORT_REMINDER}:")


def claim_deadlines_schedule(claim: CostClaim) -> None:
    _schedule_with_reminders(
        target=claim,
        due_kind=CLAIM_DUE,
        reminder_kind=CLAIM_REMINDER,
        due_at=claim.verification_due_at,
        days=_days_setting("TRIALS_VERIFICATION_REMINDER_DAYS", (5, 1)),
    )


def claim_deadlines_cancel(claim: CostClaim) -> None:
    deadlines_cancel_for(claim)


# --- handlers -------------------------------------------------------------------------------------
def _report(deadline: Deadline) -> ProgressReport | None:
    return (
        ProgressReport.objects.select_for_update(of=("self",))
        .select_related("agreement")
        .filter(pk=deadline.target_id)
        .first()
    )


def handle_report_reminder(deadline: Deadline) -> None:
    report = _report(deadline)
    if report is None or report.state != ReportState.DUE or report.agreement.state not in REPORTING_STATES:
        return
    notify(
        recipients=_firm_people(report.agreement.organisation_id),
        kind=REPORT_REMINDER,
        template="trials_report_reminder",
        context={
            "report": report,
            "agreement": report.agreement,
            "days": deadline.payload.get("days_before"),
        },
        deadline=deadline,
        url=_url("trials:report", report.pk),
    )


def handle_report_due(deadline: Deadline) -> None:
    from trials.services.reports import progress_report_flag_overdue, progress_report_schedule_next

    report = _report(deadline)
    if report is None:
        return
    if timezone.now() < report.due_at:
        deadline_schedule(kind=REPORT_DUE, target=report, due_at=report.due_at)
        return
    agreement = report.agreement
    if agreement.state not in REPORTING_STATES:
        return
    progress_report_schedule_next(report=report)
    if report.state != ReportState.DUE:
        return  # submitted in time
    progress_report_flag_overdue(report=report)
    context = {"report": report, "agreement": agreement}
    url = _url("trials:report", report.pk)
    notify(
        recipients=_firm_people(agreement.organisation_id),
        kind="trials.report.overdue",
        template="trials_report_overdue",
        context=context,
        deadline=deadline,
        url=url,
    )
    notify(
        recipients=_officers(),
        kind="trials.report.overdue.officer",
        template="trials_report_overdue_officer",
        context=context,
        deadline=deadline,
        url=url,
    )


def _claim(deadline: Deadline) -> CostClaim | None:
    return (
        CostClaim.objects.select_for_update(of=("self",))
        .select_related("agreement")
        .filter(pk=deadline.target_id)
        .first()
    )


def handle_claim_reminder(deadline: Deadline) -> None:
    claim = _claim(deadline)
    if claim is None or claim.state != ClaimState.SUBMITTED:
        return
    notify(
        recipients=_officers(),
        kind=CLAIM_REMINDER,
        template="trials_claim_reminder",
        context={"claim": claim, "agreement": claim.agreement, "days": deadline.payload.get("days_before")},
        deadline=deadline,
        url=_url("trials:claim_verify", claim.pk),
    )


def handle_claim_due(deadline: Deadline) -> None:
    from trials.services.claims import claim_flag_verification_late

    claim = _claim(deadline)
    if claim is None or claim.state != ClaimState.SUBMITTED:
        return
    if timezone.now() < claim.verification_due_at:
        deadline_schedule(kind=CLAIM_DUE, target=claim, due_at=claim.verification_due_at)
        return
    claim_flag_verification_late(claim=claim)
    notify(
        recipients=_officers(),
        kind="trials.claim.late",
        template="trials_claim_late",
        context={"claim": claim, "agreement": claim.agreement},
        deadline=deadline,
        url=_url("trials:claim_verify", claim.pk),
    )


def register() -> None:
    """Called from TrialsConfig.ready()."""
    register_handler(REPORT_REMINDER, handle_report_reminder, label=_("Progress report reminder"))
    register_handler(REPORT_DUE, handle_report_due, label=_("Progress report due"))
    register_handler(CLAIM_REMINDER, handle_claim_reminder, label=_("Claim verification reminder"))
    register_handler(CLAIM_DUE, handle_claim_due, label=_("Claim verification due"))
