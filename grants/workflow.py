"""Transition tables of rounds, applications and clarification requests (core.workflow engine).

Guards read the server clock (`timezone.now()`) and return a translatable reason or None. Guards
that check typed input pass when the input is absent (available_actions calls them with {}).
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.enums import Role
from core.workflow import SYSTEM_ROLE, Transition, Workflow
from grants.enums import AppealState as AP
from grants.enums import ApplicationState as A
from grants.enums import ClarificationState as C
from grants.enums import RoundState as R
from grants.models import Appeal, Application, Clarification, Round
from grants.policy import application_object_check, clarification_object_check

OFFICER = frozenset({Role.OFFICER})
OFFICER_OR_SYSTEM = frozenset({Role.OFFICER, SYSTEM_ROLE})
APPLICANT = frozenset({Role.APPLICANT})


# --- round guards -------------------------------------------------------------------------------
def round_has_rubric(round_: Round, actor: Any, data: dict) -> str | None:
    criteria = list(round_.criteria.all())
    if not criteria:
        return str(_("Add the rubric's criteria before opening the round."))
    if any(c.weight <= 0 for c in criteria):
        return str(_("Every criterion needs a positive weight."))
    return None


def round_has_budget(round_: Round, actor: Any, data: dict) -> str | None:
    if round_.budget is None or round_.budget <= 0:
        return str(_("Set the round's budget before opening it."))
    return None


def round_has_priority_areas(round_: Round, actor: Any, data: dict) -> str | None:
    if not list(round_.area_links.all()):  # uses a list page's prefetch when there is one
        return str(_("Admit at least one priority area before opening the round."))
    return None


def round_dates_ordered(round_: Round, actor: Any, data: dict) -> str | None:
    if not (round_.opens_at < round_.closes_at < round_.review_due_at < round_.decision_at):
        return str(_("Dates must be ordered: opens, closes, reviews due, decision."))
    if round_.closes_at <= timezone.now():
        return str(_("The closing time has already passed; set a later one."))
    return None


def round_close_time_reached(round_: Round, actor: Any, data: dict) -> str | None:
    if timezone.now() < round_.closes_at:
        return str(_("The round accepts submissions until its closing time."))
    return None


def published_through_selection(round_: Round, actor: Any, data: dict) -> str | None:
    """Every eligible application is decided first; and publishing decisions also stamps them, notifies
    every firm and starts the appeal window, which only `grants.services.decisions.selection_publish`
    does, so the bare action is refused once there are decisions (a round with none has nothing to tell)."""
    if Application.objects.filter(round=round_, state__in=(A.ELIGIBLE, A.UNDER_REVIEW)).exists():
        return str(_("Some eligible applications still await the committee's decision."))
    if not data.get("publication") and round_.funding_decisions.exists():
        return str(
            _("Publish the results from the round's selection page: it checks the decisions and the minutes.")
        )
    return None


ROUND_WORKFLOW = Workflow(
    Round,
    [
        Transition(
            "open",
            (R.DRAFT,),
            R.OPEN,
            OFFICER,
            pgettext_lazy("action", "Open for submissions"),
            guards=(round_has_rubric, round_has_budget, round_has_priority_areas, round_dates_ordered),
        ),
        Transition(
            "close",
            (R.OPEN,),
            R.CLOSED,
            OFFICER_OR_SYSTEM,
            pgettext_lazy("round action", "Close"),
            guards=(round_close_time_reached,),
        ),
        Transition("start_review", (R.CLOSED,), R.IN_REVIEW, OFFICER, _("Start review")),
        Transition("start_selection", (R.IN_REVIEW,), R.SELECTION, OFFICER, _("Start selection")),
        Transition(
            "publish",
            (R.SELECTION,),
            R.PUBLISHED,
            OFFICER,
            _("Publish results"),
            guards=(published_through_selection,),
        ),
        Transition("archive", (R.PUBLISHED,), R.ARCHIVED, OFFICER, _("Archive")),
    ],
)


# --- application guards -------------------------------------------------------------------------
def round_accepts_submissions(application: Application, actor: Any, data: dict) -> str | None:
    """Rule 6: strictly before the close by the server's clock, and only in an open round."""
    round_ = application.round
    now = data.get("now") or timezone.now()
    if round_.state != R.OPEN or now >= round_.closes_at:
        return str(_("The round is closed: submissions are no longer accepted."))
    return None


def round_submissions_closed(application: Application, actor: Any, data: dict) -> str | None:
    """Rule 12: screening only after the close."""
    if timezone.now() < application.round.closes_at:
        return str(_("Screening starts after the round closes."))
    return None


def before_decision(application: Application, actor: Any, data: dict) -> str | None:
    if application.round.state in (R.PUBLISHED, R.ARCHIVED):
        return str(_("The decision has been published; the application can no longer be withdrawn."))
    return None


def decision_open(application: Application, actor: Any, data: dict) -> str | None:
    """The committee decides while the round is in selection; after publication only an application
    an upheld appeal sent back to review is decided again (rule 26)."""
    round_state = application.round.state
    if round_state == R.SELECTION:
        return None
    if round_state == R.PUBLISHED and application.state == A.UNDER_REVIEW:
        return None
    return str(_("Decisions are recorded while the round is in selection."))


def returned_by_appeal(application: Application, actor: Any, data: dict) -> str | None:
    if not data.get("appeal"):
        return str(_("An application goes back to review only when an appeal is upheld."))
    return None


APPLICATION_WORKFLOW = Workflow(
    Application,
    [
        Transition(
            "submit", (A.DRAFT,), A.SUBMITTED, APPLICANT, _("Submit"), guards=(round_accepts_submissions,)
        ),
        Transition(
            "resubmit",
            (A.SUBMITTED, A.WITHDRAWN),
            A.SUBMITTED,
            APPLICANT,
            _("Submit a new version"),
            guards=(round_accepts_submissions,),
        ),
        Transition(
            "withdraw",
            (A.SUBMITTED, A.ELIGIBLE, A.UNDER_REVIEW),
            A.WITHDRAWN,
            APPLICANT,
            _("Withdraw"),
            guards=(before_decision,),
        ),
        Transition(
            "screen_eligible",
            (A.SUBMITTED,),
            A.ELIGIBLE,
            OFFICER,
            _("Mark eligible"),
            guards=(round_submissions_closed,),
        ),
        Transition(
            "screen_ineligible",
            (A.SUBMITTED,),
            A.INELIGIBLE,
            OFFICER,
            _("Mark ineligible"),
            guards=(round_submissions_closed,),
            needs_reason=True,
        ),
        Transition("start_review", (A.ELIGIBLE,), A.UNDER_REVIEW, OFFICER_OR_SYSTEM, _("Send to review")),
        # The committee's decision (rule 25); revisable until publication.
        Transition(
            "select",
            (A.ELIGIBLE, A.UNDER_REVIEW, A.RESERVE, A.REJECTED),
            A.SELECTED,
            OFFICER,
            _("Select"),
            guards=(decision_open,),
        ),
        Transition(
            "reserve",
            (A.ELIGIBLE, A.UNDER_REVIEW, A.SELECTED, A.REJECTED),
            A.RESERVE,
            OFFICER,
            _("Put on the reserve list"),
            guards=(decision_open,),
        ),
        Transition(
            "reject",
            (A.ELIGIBLE, A.UNDER_REVIEW, A.SELECTED, A.RESERVE),
            A.REJECTED,
            OFFICER,
            _("Do not select"),
            guards=(decision_open,),
        ),
        Transition(
            "return_to_review",
            (A.RESERVE, A.REJECTED),
            A.UNDER_REVIEW,
            OFFICER,
            _("Send to new reviewers"),
            guards=(returned_by_appeal,),
            needs_reason=True,
        ),
    ],
    object_check=application_object_check,
)


# --- clarification guards -----------------------------------------------------------------------
def clarification_not_due(clarification: Clarification, actor: Any, data: dict) -> str | None:
    if timezone.now() >= clarification.due_at:
        return str(_("The answer was due by the set time; the request has expired."))
    return None


def clarification_due(clarification: Clarification, actor: Any, data: dict) -> str | None:
    if (data.get("now") or timezone.now()) < clarification.due_at:
        return str(_("The request is not due yet."))
    return None


CLARIFICATION_WORKFLOW = Workflow(
    Clarification,
    [
        Transition("answer", (C.OPEN,), C.ANSWERED, APPLICANT, _("Answer"), guards=(clarification_not_due,)),
        Transition(
            "expire", (C.OPEN,), C.EXPIRED, OFFICER_OR_SYSTEM, _("Mark expired"), guards=(clarification_due,)
        ),
    ],
    object_check=clarification_object_check,
)


# --- appeals (rule 26) --------------------------------------------------------------------------
APPEAL_WORKFLOW = Workflow(
    Appeal,
    [
        Transition("uphold", (AP.SUBMITTED,), AP.UPHELD, OFFICER, _("Uphold"), needs_reason=True),
        Transition("dismiss", (AP.SUBMITTED,), AP.DISMISSED, OFFICER, _("Dismiss"), needs_reason=True),
    ],
)
