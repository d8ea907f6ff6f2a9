"""The grants domain's dated obligations: scheduling them, and what happens when each falls due.

Registered from `GrantsConfig.ready()`. Kinds (target in brackets):
- "round.open" [round] at `opens_at`: an open round is announced to firms; a round still in draft at
  its opening time is flagged to the officers.
- "round.close" [round] at `closes_at`: the round closes by itself (submissions stop, submitted
  applications wait for screening); firms with submitted applications and the officers are told.
- "round.reminder:<days>" [round] `days` before `closes_at`: firms with unsubmitted drafts are reminded.
- "clarification.due" [clarification] at `due_at`: an unanswered request is marked expired and the
  officer who asked is told.

Each handler runs inside the sweeper's transaction and is idempotent: a round an officer already
closed, or a request already answered, is work done, and the notifications are unique per deadline.
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
from core.workflow import perform
from deadlines.models import Deadline, DeadlineState
from deadlines.registry import register_handler
from deadlines.services import deadline_cancel, deadline_schedule, deadlines_cancel_for, notify
from grants.enums import ApplicationState, ClarificationState, RoundState
from grants.models import Application, Clarification, Round
from grants.workflow import CLARIFICATION_WORKFLOW, ROUND_WORKFLOW

SWEEP_ACTOR = "system:deadlines.sweep"
REMINDER = "round.reminder"


def reminder_days(round_: Round) -> list[int]:
    """Days before the close on which firms with drafts are reminded [7 and 1].

    A round's own `reminder_days` wins when the model has one; otherwise the deployment's
    ROUND_REMINDER_DAYS setting.
    """
    days = getattr(round_, "reminder_days", None) or getattr(settings, "ROUND_REMINDER_DAYS", (7, 1))
    return sorted({int(d) for d in days if int(d) > 0}, reverse=True)


def _url(name: str, *args: Any) -> str:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:  # the page is not there (yet): the notification goes without a link
        return ""


# --- scheduling (called by the grants services whenever a date is set or changed) -------------
def round_deadlines_schedule(round_: Round, *, actor: Any = None) -> None:
    """Keep the round's deadlines in step with its dates and state; call inside the service's
    transaction whenever a date is set or changed, and when the round opens."""
    now = timezone.now()
    _schedule_opening(round_, now, actor)
    deadline_schedule(kind="round.close", target=round_, due_at=round_.closes_at, actor=actor)
    wanted = set()
    for days in reminder_days(round_):
        due = round_.closes_at - timedelta(days=days)
        if due > now:  # a reminder whose day has passed would only say "days left" too late
            kind = f"{REMINDER}:{days}"
            wanted.add(kind)
            deadline_schedule(
                kind=kind, target=round_, due_at=due, payload={"days_before": days}, actor=actor
            )
    stale = (
        Deadline.objects.for_target(round_)
        .live()
        .filter(kind__startswith=f"{REMINDER}:")
        .exclude(kind__in=wanted)
    )
    for kind in stale.values_list("kind", flat=True):
        deadline_cancel(kind=kind, target=round_, actor=actor)


def _schedule_opening(round_: Round, now: Any, actor: Any) -> None:
    """The announcement to firms goes out once: at the opening time, or at once if the officer
    opens the round later than that. A draft whose opening time is already past when it is set up
    is not nagged about; it is announced when the officer opens it."""
    if round_.state == RoundState.DRAFT:
        if round_.opens_at > now:
            deadline_schedule(kind="round.open", target=round_, due_at=round_.opens_at, actor=actor)
        else:
            deadline_cancel(kind="round.open", target=round_, actor=actor)
    elif round_.state == RoundState.OPEN:
        announced = Deadline.objects.for_target(round_).filter(kind="round.open", state=DeadlineState.FIRED)
        if not announced.exists():
            due = max(round_.opens_at, now)
            deadline_schedule(kind="round.open", target=round_, due_at=due, actor=actor)


def round_deadlines_cancel(round_: Round, *, actor: Any = None) -> int:
    """A cancelled round fires nothing more."""
    return deadlines_cancel_for(round_, actor=actor)


def clarification_deadline_schedule(clarification: Clarification, *, actor: Any = None) -> None:
    deadline_schedule(
        kind="clarification.due", target=clarification, due_at=clarification.due_at, actor=actor
    )


def clarification_deadline_cancel(clarification: Clarification, *, actor: Any = None) -> None:
    deadline_cancel(kind="clarification.due", target=clarification, actor=actor)


# --- recipients --------------------------------------------------------------------------------
def _officers():
    return get_user_model().objects.filter(role=Role.OFFICER, is_active=True).order_by("pk")


def _firm_people(round_: Round, states: tuple[str, ...]):
    """Applicants of the firms with an application of the round in one of `states`."""
    firms = Application.objects.filter(round=round_, state__in=states).values("organisation_id")
    return (
        get_user_model()
        .objects.filter(organisation_id__in=firms, role=Role.APPLICANT, is_active=True)
        .order_by("pk")
    )


# --- handlers --------------------------------------------------------------------------------
def _locked_round(deadline: Deadline) -> Round | None:
    return Round.objects.select_for_update().filter(pk=deadline.target_id).first()


def handle_round_open(deadline: Deadline) -> None:
    round_ = _locked_round(deadline)
    if round_ is None:
        return
    context = {"round": round_}
    url = _url("grants:round_detail", round_.pk)
    if round_.state == RoundState.OPEN:
        applicants = get_user_model().objects.filter(role=Role.APPLICANT, is_active=True).order_by("pk")
        notify(
            recipients=applicants,
            kind="round.opened",
            template="round_opened",
            context=context,
            deadline=deadline,
            url=url,
        )
    elif round_.state == RoundState.DRAFT:
        notify(
            recipients=_officers(),
            kind="round.open_overdue",
            template="round_open_overdue",
            context=context,
            deadline=deadline,
            url=url,
        )
    # A round already past opening (closed, in review, ...) has nothing left to announce.


def handle_round_close(deadline: Deadline) -> None:
    round_ = _locked_round(deadline)
    if round_ is None:
        return
    if round_.state == RoundState.OPEN:
        if timezone.now() < round_.closes_at:
            # The close moved later after this row fell due: come back at the new time.
            deadline_schedule(kind="round.close", target=round_, due_at=round_.closes_at)
            return
        round_ = perform(ROUND_WORKFLOW, round_, "close", actor=SWEEP_ACTOR)
    if round_.state != RoundState.CLOSED:
        return  # still a draft (never opened) or long past the close: nothing to do
    submitted = Application.objects.filter(round=round_, state=ApplicationState.SUBMITTED).count()
    context = {"round": round_, "submitted": submitted}
    notify(
        recipients=_firm_people(round_, (ApplicationState.SUBMITTED,)),
        kind="round.closed",
        template="round_closed_firm",
        context=context,
        deadline=deadline,
        url=_url("grants:applications"),
    )
    notify(
        recipients=_officers(),
        kind="round.closed.officer",
        template="round_closed_officer",
        context=context,
        deadline=deadline,
        url=_url("grants:round_detail", round_.pk),
    )


def handle_round_reminder(deadline: Deadline) -> None:
    round_ = Round.objects.filter(pk=deadline.target_id).first()
    if round_ is None or round_.state != RoundState.OPEN or timezone.now() >= round_.closes_at:
        return  # no longer open: a reminder would only confuse
    notify(
        recipients=_firm_people(round_, (ApplicationState.DRAFT,)),
        kind=REMINDER,
        template="round_reminder",
        context={"round": round_, "days": deadline.payload.get("days_before")},
        deadline=deadline,
        url=_url("grants:applications"),
    )


def handle_clarification_due(deadline: Deadline) -> None:
    clarification = (
        Clarification.objects.select_for_update(of=("self",))
        .select_related("application", "asked_by")
        .filter(pk=deadline.target_id)
        .first()
    )
    if clarification is None:
        return
    if clarification.state == ClarificationState.OPEN:
        if timezone.now() < clarification.due_at:
            deadline_schedule(kind="clarification.due", target=clarification, due_at=clarification.due_at)
            return
        clarification = perform(CLARIFICATION_WORKFLOW, clarification, "expire", actor=SWEEP_ACTOR)
    if clarification.state != ClarificationState.EXPIRED:
        return  # answered in time: nothing to tell
    notify(
        recipients=[clarification.asked_by],
        kind="clarification.expired",
        template="clarification_expired",
        context={"clarification": clarification, "application": clarification.application},
        deadline=deadline,
        url=_url("grants:application_detail", clarification.application_id),
    )


def register() -> None:
    """Called from GrantsConfig.ready()."""
    register_handler("round.open", handle_round_open, label=_("Round opens"))
    register_handler("round.close", handle_round_close, label=_("Round closes"))
    register_handler(REMINDER, handle_round_reminder, label=_("Reminder before the close"))
    register_handler("clarification.due", handle_clarification_due, label=_("Clarification due"))
