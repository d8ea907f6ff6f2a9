"""Review due dates (rule 19): reminders before the due time, an overdue flag to the officers after,
each once; the officer reassigns an overdue review and the replacement gets its own due time."""

import datetime as dt

import pytest
import time_machine

from deadlines.models import Deadline, Notification
from deadlines.sweeper import sweep
from reviewers import selectors, services
from reviewers.deadlines import DUE
from reviewers.models import Assignment
from tests.reviewers.conftest import assignment_of, reviewers_of, submit_review

pytestmark = pytest.mark.django_db
MINUTE = dt.timedelta(minutes=1)


def live_kinds(round_) -> dict[str, dt.datetime]:
    return dict(
        Deadline.objects.for_target(round_)
        .live()
        .filter(kind__startswith="review.")
        .values_list("kind", "due_at")
    )


def inbox(user, kind):
    return list(Notification.objects.filter(recipient=user, kind=kind).order_by("pk"))


@pytest.mark.rule(19)
def test_reminders_before_then_overdue_flag_to_officers_then_reassignment(
    officer, review_round, applications, assigned, panel
):
    due = review_round.review_due_at
    assert live_kinds(review_round) == {
        "review.due": due,
        "review.reminder:7": due - dt.timedelta(days=7),
        "review.reminder:1": due - dt.timedelta(days=1),
    }
    target = applications[0]
    done, late, *_ = [u for u in panel if u.username in reviewers_of(target)]
    submit_review(done, target)
    pending_titles = {
        u.pk: {
            a.application.title for a in Assignment.objects.filter(reviewer=u).select_related("application")
        }
        for u in panel
    }
    pending_titles[done.pk].discard(target.title)

    with time_machine.travel(due - dt.timedelta(days=7) + MINUTE, tick=False):
        sweep()
        sweep()  # a second sweep finds nothing new to say
    for user in panel:
        messages = inbox(user, "review.reminder")
        if pending_titles[user.pk]:
            assert len(messages) == 1
            assert all(title in messages[0].body for title in pending_titles[user.pk])
        else:
            assert messages == []
    assert target.title not in "".join(m.body for m in inbox(done, "review.reminder"))
    with time_machine.travel(due - dt.timedelta(days=1) + MINUTE, tick=False):
        sweep()
    assert len(inbox(late, "review.reminder")) == 2  # 7 days and 1 day before

    with time_machine.travel(due + MINUTE, tick=False):
        sweep()
        overdue = list(selectors.round_progress(review_round, only="overdue"))
        assert assignment_of(done, target) not in overdue
        assert assignment_of(late, target) in overdue
        [alert] = inbox(officer, "review.overdue.officer")
        assert target.title in alert.body and (late.get_full_name() in alert.body)
        assert len(inbox(late, "review.overdue")) == 1

        services.assignment_reassign(
            actor=officer, assignment=assignment_of(late, target), reason="Overdue by a day"
        )

        replacement = Assignment.objects.get(
            application=target, state="assigned", source="solver", run__kind="refill"
        )
        assert replacement.reviewer.username not in {done.username, late.username}
        assert replacement.due_at == due + MINUTE + dt.timedelta(days=14)
        assert live_kinds(review_round)["review.due"] == replacement.due_at
        sweep()
        assert len(inbox(officer, "review.overdue.officer")) == 1  # nothing new is overdue
    assert Deadline.objects.filter(kind=DUE, state="fired").count() == 1
