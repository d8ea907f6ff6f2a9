"""Review due dates (rule 19): reminders before, an overdue flag to the officers after.

Registered from `ReviewersConfig.ready()`. One deadline row per round and kind, not per assignment,
so a round of 6,000 assignments schedules three rows:
- "review.reminder:<days>" [round] at the earliest (due − days) among unsubmitted assignments not yet
  reminded that many days before: each reviewer concerned gets one message listing their reviews.
- "review.due" [round] at the earliest due time among unsubmitted assignments not yet flagged: they
  are flagged overdue, the officers get one message listing them, each reviewer one message.
Each handler marks what it did on the assignments (so a second run does nothing) and schedules the
next occurrence. Reminder days are REVIEW_REMINDER_DAYS [7, 1].
"""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Min, Q, QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from accounts.enums import Role
from core.templatetags.ui import msk
from deadlines.models import Deadline
from deadlines.registry import register_handler
from deadlines.services import deadline_cancel, deadline_schedule, notify
from grants.models import Round
from reviewers.enums import ACTIVE_ASSIGNMENT_STATES, ReviewState
from reviewers.models import Assignment, AssignmentRun

DUE = "review.due"
REMINDER = "review.reminder"


def reminder_days() -> list[int]:
    days = getattr(settings, "REVIEW_REMINDER_DAYS", (7, 1))
    return sorted({int(d) for d in days if int(d) > 0}, reverse=True)


def _interpolate(template: Any, params: dict) -> str:
    return str(template) % {key: str(value) for key, value in params.items()}


# Rendered when the notification is written, in each recipient's language (notify overrides it).
lazy_text = lazy(_interpolate, str)


def _url(name: str, *args: Any) -> str:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


def pending_reviews(round_: Round) -> QuerySet[Assignment]:
    """Active assignments of the round whose review is not submitted."""
    return Assignment.objects.filter(round=round_, state__in=ACTIVE_ASSIGNMENT_STATES).filter(
        Q(review__isnull=True) | ~Q(review__state=ReviewState.SUBMITTED)
    )


def review_deadlines_sync(round_: Round, *, actor: Any = None) -> None:
    """Keep the round's review deadlines at the next moment something is due; call in a transaction."""
    now = timezone.now()
    pending = pending_reviews(round_)
    next_due = pending.filter(overdue_flagged_at__isnull=True).aggregate(at=Min("due_at"))["at"]
    if next_due is not None:
        deadline_schedule(kind=DUE, target=round_, due_at=next_due, actor=actor)
    else:
        deadline_cancel(kind=DUE, target=round_, actor=actor)
    for days in reminder_days():
        kind = f"{REMINDER}:{days}"
        earliest = (
            pending.filter(Q(last_reminder_days__isnull=True) | Q(last_reminder_days__gt=days))
            .filter(due_at__gt=now + timedelta(days=days))
            .aggregate(at=Min("due_at"))["at"]
        )
        if earliest is not None:
            deadline_schedule(
                kind=kind,
                target=round_,
                due_at=earliest - timedelta(days=days),
                payload={"days": days},
                actor=actor,
            )
        else:
            deadline_cancel(kind=kind, target=round_, actor=actor)


def _lines(rows: list[Assignment], *, with_reviewer: bool = False) -> str:
    lines = []
    for row in rows:
        who = f"{row.reviewer.get_full_name() or row.reviewer.username}: " if with_reviewer else ""
        lines.append(f"— {who}{row.application.title} ({msk(row.due_at)})")
    return "\n".join(lines)


def _by_reviewer(rows: list[Assignment]) -> dict[Any, list[Assignment]]:
    grouped: dict[Any, list[Assignment]] = defaultdict(list)
    for row in rows:
        grouped[row.reviewer].append(row)
    return grouped


def handle_review_reminder(deadline: Deadline) -> None:
    round_ = Round.objects.filter(pk=deadline.target_id).first()
    if round_ is None:
        return
    days = int(deadline.payload.get("days") or deadline.kind.partition(":")[2] or 1)
    now = timezone.now()
    rows = list(
        pending_reviews(round_)
        .filter(Q(last_reminder_days__isnull=True) | Q(last_reminder_days__gt=days))
        .filter(due_at__gt=now, due_at__lte=now + timedelta(days=days))
        .select_related("reviewer", "application")
        .select_for_update(of=("self",))
        .order_by("due_at", "pk")
    )
    for reviewer, assigned in _by_reviewer(rows).items():
        notify(
            recipients=[reviewer],
            kind=REMINDER,
            template="generic",
            context={
                "subject": _("Reviews due soon"),
                "text": lazy_text(
                    _("Your reviews of these applications are due soon:\n%(lines)s"),
                    {"lines": _lines(assigned)},
                ),
            },
            deadline=deadline,
            url=_url("reviewers:my_assignments"),
        )
    Assignment.objects.filter(pk__in=[r.pk for r in rows]).update(last_reminder_days=days)
    review_deadlines_sync(round_)


def _officers():
    return get_user_model().objects.filter(role=Role.OFFICER, is_active=True).order_by("pk")


def handle_review_due(deadline: Deadline) -> None:
    round_ = Round.objects.filter(pk=deadline.target_id).first()
    if round_ is None:
        return
    now = timezone.now()
    rows = list(
        pending_reviews(round_)
        .filter(overdue_flagged_at__isnull=True, due_at__lte=now)
        .select_related("reviewer", "application")
        .select_for_update(of=("self",))
        .order_by("due_at", "pk")
    )
    if rows:
        Assignment.objects.filter(pk__in=[r.pk for r in rows]).update(overdue_flagged_at=now)
        notify(
            recipients=_officers(),
            kind="review.overdue.officer",
            template="generic",
            context={
                "subject": lazy_text(_("Overdue reviews in “%(round)s”"), {"round": round_.title}),
                "text": lazy_text(
                    _("These reviews are overdue; you can remind the reviewers or reassign them:\n%(lines)s"),
                    {"lines": _lines(rows, with_reviewer=True)},
                ),
            },
            deadline=deadline,
            url=_url("reviewers:progress", round_.pk),
        )
        for reviewer, assigned in _by_reviewer(rows).items():
            notify(
                recipients=[reviewer],
                kind="review.overdue",
                template="generic",
                context={
                    "subject": _("Your review is overdue"),
                    "text": lazy_text(
                        _("These reviews were due and are not submitted yet:\n%(lines)s"),
                        {"lines": _lines(assigned)},
                    ),
                },
                deadline=deadline,
                url=_url("reviewers:my_assignments"),
            )
    review_deadlines_sync(round_)


def tell_officers_refill_failed(run: AssignmentRun) -> None:
    """A refill found no replacement (rule 16): officers see the report and can swap someone in."""
    notify(
        recipients=_officers(),
        kind="assignment.refill_failed",
        template="generic",
        context={
            "subject": lazy_text(_("No replacement reviewer in “%(round)s”"), {"round": run.round.title}),
            "text": _(
                "An application lost a reviewer and the assignment could not find a replacement within the "
                "conflicts and load limits. The run's report names what blocks it; you can swap a reviewer in by hand."
            ),
        },
        url=_url("reviewers:round", run.round_id),
    )


def register() -> None:
    """Called from ReviewersConfig.ready()."""
    register_handler(DUE, handle_review_due, label=_("Reviews due"))
    register_handler(REMINDER, handle_review_reminder, label=_("Reminder before reviews are due"))
