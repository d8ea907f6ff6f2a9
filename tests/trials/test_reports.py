"""Rule 28: progress reports on the schedule [every 6 months], reminded before they are due,
flagged overdue and told to the firm and the officers when missed; the schedule goes on."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from accounts.models import User
from core.errors import Conflict, DomainError, Forbidden
from deadlines.models import Deadline, DeadlineState, Notification
from deadlines.sweeper import sweep
from tests.trials.conftest import pdf
from trials import services
from trials.enums import EvidenceKind, ReportState, TrialStatus
from trials.models import ProgressReport

pytestmark = pytest.mark.django_db


def kinds_for(report):
    return sorted(Deadline.objects.for_target(report).live().values_list("kind", flat=True))


@pytest.mark.rule(28)
def test_starting_the_agreement_schedules_the_first_report_with_reminders(active_agreement):
    report = ProgressReport.objects.get(agreement=active_agreement)
    assert report.number == 1
    assert report.period_start == active_agreement.activated_at
    due = report.due_at.astimezone(timezone.get_current_timezone())
    started = active_agreement.activated_at.astimezone(timezone.get_current_timezone())
    assert (due.year * 12 + due.month) - (started.year * 12 + started.month) == 6
    assert kinds_for(report) == ["trials.report.due", "trials.report.reminder:14", "trials.report.reminder:3"]


@pytest.mark.rule(28)
def test_a_missed_report_is_reminded_then_flagged_overdue_and_the_schedule_goes_on(
    active_agreement, applicant, officer
):
    report = ProgressReport.objects.get(agreement=active_agreement)
    User.objects.update(language="en")  # notifications are written in each recipient's language
    with time_machine.travel(report.due_at - dt.timedelta(days=13), tick=False):
        sweep()
    reminders = Notification.objects.filter(kind="trials.report.reminder")
    firm_people = set(applicant.organisation.members.values_list("pk", flat=True))
    assert {n.recipient_id for n in reminders} == firm_people and applicant.pk in firm_people
    reminder = reminders.first()
    assert "Progress report due in 14 days" in reminder.subject
    report.refresh_from_db()
    assert report.overdue_at is None

    with time_machine.travel(report.due_at + dt.timedelta(minutes=1), tick=False):
        sweep()
    report.refresh_from_db()
    assert report.is_overdue and report.state == ReportState.DUE
    firm_notes = Notification.objects.filter(kind="trials.report.overdue")
    officer_note = Notification.objects.get(kind="trials.report.overdue.officer")
    assert {n.recipient_id for n in firm_notes} == firm_people
    assert officer_note.recipient == officer
    assert active_agreement.number in officer_note.subject
    following = ProgressReport.objects.get(agreement=active_agreement, number=2)
    assert following.period_start == report.due_at
    assert kinds_for(following)[0] == "trials.report.due"

    # Running the sweep again notifies nobody twice and creates nothing more.
    with time_machine.travel(report.due_at + dt.timedelta(minutes=2), tick=False):
        sweep()
    assert (
        Notification.objects.filter(kind__startswith="trials.report.overdue").count() == len(firm_people) + 1
    )
    assert ProgressReport.objects.filter(agreement=active_agreement).count() == 2

    # A late report can still be filed; the flag stays in the record.
    filed = services.progress_report_submit(
        actor=applicant, report=report, summary="Enrolment at 40%", enrolled=120
    )
    assert (filed.state, filed.enrolled, filed.overdue_at is not None) == ("submitted", 120, True)


@pytest.mark.rule(28)
def test_a_report_filed_in_time_is_not_flagged(active_agreement, applicant):
    report = ProgressReport.objects.get(agreement=active_agreement)
    services.evidence_upload(
        actor=applicant,
        agreement=active_agreement,
        upload=pdf("progress.pdf"),
        kind=EvidenceKind.PROGRESS_REPORT,
        progress_report=report,
    )
    services.progress_report_submit(actor=applicant, report=report, summary="First sites opened", enrolled=12)
    assert kinds_for(report) == ["trials.report.due"]  # reminders cancelled, the due row starts the next
    with time_machine.travel(report.due_at + dt.timedelta(minutes=1), tick=False):
        sweep()
    report.refresh_from_db()
    assert report.overdue_at is None
    assert not Notification.objects.filter(kind__startswith="trials.report").exists()
    assert ProgressReport.objects.filter(agreement=active_agreement, number=2).exists()
    with pytest.raises(Conflict):
        services.progress_report_submit(actor=applicant, report=report, summary="again")


@pytest.mark.rule(28)
def test_report_needs_a_summary_and_the_firm(active_agreement, applicant, other_applicant, officer):
    report = ProgressReport.objects.get(agreement=active_agreement)
    with pytest.raises(DomainError) as refused:
        services.progress_report_submit(actor=applicant, report=report, summary="  ")
    assert refused.value.field == "summary"
    for user in (other_applicant, officer):
        with pytest.raises(Forbidden):
            services.progress_report_submit(actor=user, report=report, summary="x")


@pytest.mark.rule(28)
def test_closing_stops_the_schedule(active_agreement, officer):
    report = ProgressReport.objects.get(agreement=active_agreement)
    services.agreement_close(
        actor=officer, agreement=active_agreement, reason="Sponsor stopped the programme"
    )
    assert kinds_for(report) == []
    assert Deadline.objects.for_target(report).filter(state=DeadlineState.CANCELLED).count() == 3


def test_the_firm_reports_trial_progress(active_agreement, applicant, other_applicant):
    trial = active_agreement.trials.get()
    updated = services.trial_update(
        actor=applicant,
        trial=trial,
        status=TrialStatus.RECRUITING,
        sites="Moscow, City Hospital 1\nKazan, Republican Clinical Hospital\n",
        actual_enrolment=35,
        actual_start=dt.date(2025, 2, 1),
    )
    assert updated.sites == ["Moscow, City Hospital 1", "Kazan, Republican Clinical Hospital"]
    assert (updated.status, updated.actual_enrolment) == ("recruiting", 35)
    with pytest.raises(DomainError) as refused:
        services.trial_update(actor=applicant, trial=trial, status=TrialStatus.COMPLETED)
    assert refused.value.field == "actual_end"
    with pytest.raises(DomainError) as refused:
        services.trial_update(actor=applicant, trial=trial, actual_end=dt.date(2025, 1, 1))
    assert refused.value.message == "The trial cannot end before it starts."
    with pytest.raises(Forbidden):
        services.trial_update(actor=other_applicant, trial=trial, actual_enrolment=1)


def test_outcome_report_with_its_document(active_agreement, applicant):
    report = services.outcome_report_save(
        actor=applicant, agreement=active_agreement, summary="Primary endpoint met", primary_endpoint_met=True
    )
    with pytest.raises(DomainError) as refused:
        services.outcome_report_submit(actor=applicant, report=report)
    assert refused.value.field == "file"
    services.evidence_upload(
        actor=applicant,
        agreement=active_agreement,
        upload=pdf("outcome.pdf"),
        kind=EvidenceKind.OUTCOME_REPORT,
        outcome_report=report,
    )
    submitted = services.outcome_report_submit(actor=applicant, report=report)
    assert submitted.state == "submitted"
    with pytest.raises(Conflict):
        services.outcome_report_save(actor=applicant, agreement=active_agreement, summary="changed")
