"""The grants domain's deadlines: rounds open and close by themselves, firms are reminded before
the close, unanswered clarification requests expire; each exactly once, and work already done by
hand is treated as done."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from audit.models import AuditEvent
from core.errors import Conflict
from deadlines.models import Deadline, DeadlineState, Notification
from deadlines.sweeper import sweep
from grants import services
from grants.deadlines import handle_round_close, round_deadlines_cancel
from grants.enums import ClarificationState, RoundState
from grants.models import CostCategory, PriorityArea, Round
from grants.reference import seed_reference_lists
from tests import factories
from tests.grants.conftest import make_complete_application

pytestmark = pytest.mark.django_db

DAY = dt.timedelta(days=1)


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def program(db):
    seed_reference_lists(CostCategory, PriorityArea)
    return factories.ProgramFactory()


def make_round(officer, program, *, closes_in=10 * DAY, opens_in=-DAY, open_it=True):
    now = timezone.now().replace(microsecond=0)
    round_ = services.round_create(
        actor=officer,
        program=program,
        title="Oncology 2027",
        opens_at=now + opens_in,
        closes_at=now + closes_in,
        review_due_at=now + closes_in + 30 * DAY,
        decision_at=now + closes_in + 60 * DAY,
        budget=Decimal("1000000000"),
    )
    services.round_set_priority_areas(actor=officer, round=round_, areas=[("oncology", None)])
    if open_it:
        round_ = services.round_open(actor=officer, round=round_)
    return round_


def live(round_) -> dict[str, dt.datetime]:
    return dict(Deadline.objects.for_target(round_).live().values_list("kind", "due_at"))


def notified(kind: str) -> set[int]:
    return set(Notification.objects.filter(kind=kind).values_list("recipient_id", flat=True))


@pytest.fixture
def firms(db):
    """Two firms with one applicant each: one will submit, the other keeps a draft."""
    submitter = factories.ApplicantFactory(language="en")
    drafter = factories.ApplicantFactory(language="en")
    return submitter, drafter


def test_creating_a_round_schedules_its_opening_close_and_reminders(officer, program):
    round_ = make_round(officer, program, opens_in=DAY, open_it=False)
    assert live(round_) == {
        "round.open": round_.opens_at,
        "round.close": round_.closes_at,
        "round.reminder:7": round_.closes_at - 7 * DAY,
        "round.reminder:1": round_.closes_at - DAY,
    }
    assert Deadline.objects.get(kind="round.reminder:7").payload == {"days_before": 7}


def test_moving_a_drafts_dates_moves_its_deadlines_and_drops_reminders_already_past(officer, program):
    round_ = make_round(officer, program, open_it=False)
    closes = round_.closes_at - 5 * DAY  # 5 days ahead now: the 7-day reminder's day has passed
    services.round_update(actor=officer, round=round_, closes_at=closes)
    assert live(round_) == {
        "round.close": closes,  # no "round.open": its time passed before the round was set up
        "round.reminder:1": closes - DAY,
    }
    assert Deadline.objects.get(kind="round.reminder:7").state == DeadlineState.CANCELLED


def test_extending_an_open_rounds_close_reschedules_the_close_and_its_reminders(officer, program):
    round_ = make_round(officer, program)
    later = round_.closes_at + 5 * DAY
    services.round_extend_dates(actor=officer, round=round_, reason="More time for firms", closes_at=later)
    assert live(round_)["round.close"] == later
    assert live(round_)["round.reminder:7"] == later - 7 * DAY
    assert Deadline.objects.filter(target_id=round_.pk, kind="round.close").count() == 1  # moved, not added


@pytest.mark.rule(6)
def test_the_round_closes_by_itself_and_tells_firms_and_officers(officer, program, firms):
    submitter, drafter = firms
    round_ = make_round(officer, program)
    submitted = make_complete_application(submitter, round_)
    services.application_submit(actor=submitter, application=submitted)
    draft = make_complete_application(drafter, round_, title="Still a draft")

    with time_machine.travel(round_.closes_at + dt.timedelta(seconds=5)):
        result = sweep()
        round_.refresh_from_db()
        assert round_.state == RoundState.CLOSED
        close = AuditEvent.objects.get(action="round.close", object_id=str(round_.pk))
        assert close.actor_label == "system:deadlines.sweep"
        assert notified("round.closed") == {submitter.pk}  # the firm whose application goes to screening
        assert notified("round.closed.officer") == {officer.pk}
        officer_note = Notification.objects.get(kind="round.closed.officer")
        assert "1 submitted application" in officer_note.body
        # A submission after the close is refused, and nothing is saved.
        with pytest.raises(Conflict) as refused:
            services.application_submit(actor=drafter, application=draft)
        assert refused.value.code == "round_closed"
    close_row = Deadline.objects.get(kind="round.close", target_id=round_.pk)
    assert close_row.pk in result.fired
    assert close_row.state == DeadlineState.FIRED


def test_a_round_closed_by_hand_first_is_treated_as_done(officer, program, firms):
    submitter, _drafter = firms
    round_ = make_round(officer, program)
    services.application_submit(actor=submitter, application=make_complete_application(submitter, round_))
    with time_machine.travel(round_.closes_at + dt.timedelta(seconds=1)):
        services.round_close(actor=officer, round=round_)  # the officer was quicker than the sweep
        sweep()
        sweep()
    row = Deadline.objects.get(kind="round.close", target_id=round_.pk)
    assert (row.state, row.attempts) == (DeadlineState.FIRED, 1)
    assert AuditEvent.objects.filter(action="round.close", object_id=str(round_.pk)).count() == 1
    assert Notification.objects.filter(kind="round.closed").count() == 1


def test_running_the_close_handler_again_changes_nothing(officer, program, firms):
    submitter, _drafter = firms
    round_ = make_round(officer, program)
    services.application_submit(actor=submitter, application=make_complete_application(submitter, round_))
    row = Deadline.objects.get(kind="round.close", target_id=round_.pk)
    with time_machine.travel(round_.closes_at + dt.timedelta(seconds=1)):
        handle_round_close(row)
        handle_round_close(row)
    assert AuditEvent.objects.filter(action="round.close").count() == 1
    assert Notification.objects.filter(kind__startswith="round.closed").count() == 2  # firm + officer


def test_firms_with_unsubmitted_drafts_are_reminded_7_days_and_1_day_before_the_close(
    officer, program, firms
):
    submitter, drafter = firms
    round_ = make_round(officer, program)
    services.application_submit(actor=submitter, application=make_complete_application(submitter, round_))
    make_complete_application(drafter, round_, title="Still a draft")

    with time_machine.travel(round_.closes_at - 7 * DAY + dt.timedelta(seconds=1)):
        sweep()
    reminders = Notification.objects.filter(kind="round.reminder")
    assert [(n.recipient_id, n.deadline.kind) for n in reminders] == [(drafter.pk, "round.reminder:7")]
    assert "7 days left" in reminders[0].subject

    with time_machine.travel(round_.closes_at - DAY + dt.timedelta(seconds=1)):
        sweep()
        sweep()
    assert Notification.objects.filter(kind="round.reminder", recipient=drafter).count() == 2
    assert "1 day left" in Notification.objects.get(deadline__kind="round.reminder:1").subject
    assert not Notification.objects.filter(kind="round.reminder", recipient=submitter).exists()


def test_a_reminder_for_a_round_no_longer_open_tells_nobody(officer, program, firms):
    _submitter, drafter = firms
    round_ = make_round(officer, program)
    make_complete_application(drafter, round_)
    Deadline.objects.filter(kind="round.reminder:7").update(due_at=timezone.now(), run_after=timezone.now())
    Round.objects.filter(pk=round_.pk).update(state=RoundState.CLOSED)  # as if closed meanwhile
    sweep()
    assert not Notification.objects.filter(kind="round.reminder").exists()
    assert Deadline.objects.get(kind="round.reminder:7").state == DeadlineState.FIRED


def test_an_open_round_is_announced_to_firms_at_its_opening_time(officer, program, firms):
    round_ = make_round(officer, program, opens_in=2 * DAY)
    with time_machine.travel(round_.opens_at + dt.timedelta(seconds=1)):
        sweep()
    assert notified("round.opened") == {firm_user.pk for firm_user in firms}


def test_a_round_opened_after_its_opening_time_is_announced_once_at_once(officer, program, firms):
    round_ = make_round(officer, program, opens_in=-DAY)  # opened by hand, a day late
    assert live(round_)["round.open"] <= timezone.now()
    sweep()
    assert notified("round.opened") == {firm_user.pk for firm_user in firms}
    services.round_extend_dates(
        actor=officer, round=round_, reason="More time", closes_at=round_.closes_at + DAY
    )
    sweep()
    assert "round.open" not in live(round_)
    assert Notification.objects.filter(kind="round.opened").count() == 2  # once per firm, not again


def test_a_round_still_in_draft_at_its_opening_time_is_flagged_to_officers(officer, program, firms):
    round_ = make_round(officer, program, opens_in=2 * DAY, open_it=False)
    with time_machine.travel(round_.opens_at + dt.timedelta(seconds=1)):
        sweep()
    assert notified("round.open_overdue") == {officer.pk}
    assert not Notification.objects.filter(kind="round.opened").exists()
    round_.refresh_from_db()
    assert round_.state == RoundState.DRAFT  # opening stays the officer's decision


def test_cancelling_a_rounds_deadlines_means_nothing_fires(officer, program, firms):
    round_ = make_round(officer, program)
    assert round_deadlines_cancel(round_, actor=officer) == 4
    with time_machine.travel(round_.closes_at + DAY):
        assert sweep().processed == 0
    round_.refresh_from_db()
    assert round_.state == RoundState.OPEN


@pytest.fixture
def submitted(officer, program, firms):
    submitter, _drafter = firms
    round_ = make_round(officer, program)
    application = make_complete_application(submitter, round_)
    services.application_submit(actor=submitter, application=application)
    return application


def test_an_unanswered_clarification_expires_and_the_officer_is_told(officer, submitted):
    clarification = services.clarification_request(
        actor=officer, application=submitted, question="Which sites?", due_at=timezone.now() + 2 * DAY
    )
    assert live(clarification) == {"clarification.due": clarification.due_at}
    with time_machine.travel(clarification.due_at + dt.timedelta(seconds=1)):
        sweep()
        sweep()
    clarification.refresh_from_db()
    assert clarification.state == ClarificationState.EXPIRED
    note = Notification.objects.get(kind="clarification.expired")
    assert note.recipient == officer
    assert "Which sites?" in note.body


def test_an_answered_clarification_cancels_its_deadline(officer, submitted, firms):
    submitter, _drafter = firms
    clarification = services.clarification_request(
        actor=officer, application=submitted, question="Which sites?", due_at=timezone.now() + 2 * DAY
    )
    services.clarification_answer(actor=submitter, clarification=clarification, answer="Moscow and Kazan")
    assert live(clarification) == {}
    assert Deadline.objects.for_target(clarification).get().state == DeadlineState.CANCELLED
    with time_machine.travel(clarification.due_at + DAY):
        sweep()
    clarification.refresh_from_db()
    assert clarification.state == ClarificationState.ANSWERED
    assert not Notification.objects.filter(kind="clarification.expired").exists()
