"""Screening after the close (rule 12) and clarification requests during it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.services import record_event
from core.errors import DomainError
from core.workflow import perform
from grants.deadlines import clarification_deadline_cancel, clarification_deadline_schedule
from grants.enums import SCREENING_CHECKLIST, ApplicationState, ClarificationState, ScreeningOutcome
from grants.models import Application, Clarification, ScreeningDecision
from grants.policy import require_officer
from grants.services._common import Problems, lock_application
from grants.workflow import APPLICATION_WORKFLOW, CLARIFICATION_WORKFLOW

# Applications an officer may still ask about: submitted and not yet decided.
CLARIFIABLE_STATES = frozenset(
    {ApplicationState.SUBMITTED, ApplicationState.ELIGIBLE, ApplicationState.UNDER_REVIEW}
)


def application_screen(
    *, actor: Any, application: Application, outcome: str, reason: str = "", checklist: dict | None = None
) -> ScreeningDecision:
    """Mark a submitted application eligible or ineligible after the round's close (rule 12).

    Ineligible needs a reason. Eligible needs every checklist item confirmed, or a reason that
    explains the exception. The decision records the version it screened.
    """
    require_officer(actor)
    reason = (reason or "").strip()
    checklist = {key: bool((checklist or {}).get(key)) for key in SCREENING_CHECKLIST}
    problems = Problems()
    if outcome not in ScreeningOutcome.values:
        problems.add("outcome", _("Choose eligible or ineligible."))
    elif outcome == ScreeningOutcome.INELIGIBLE and not reason:
        problems.add("reason", _("Give the reason the application is ineligible."))
    elif outcome == ScreeningOutcome.ELIGIBLE and not all(checklist.values()) and not reason:
        problems.add("checklist", _("Confirm every checklist item, or explain the exception in the reason."))
    problems.raise_if_any()
    with transaction.atomic():
        application = lock_application(application)
        action = "screen_eligible" if outcome == ScreeningOutcome.ELIGIBLE else "screen_ineligible"
        perform(
            APPLICATION_WORKFLOW,
            application,
            action,
            actor=actor,
            reason=reason,
            data={"checklist": checklist},
        )
        decision = ScreeningDecision.objects.create(
            application=application,
            outcome=outcome,
            reason=reason,
            checklist=checklist,
            version_number=application.current_version,
            decided_by=actor,
            decided_at=timezone.now(),
        )
    return decision


def clarification_request(
    *, actor: Any, application: Application, question: str, due_at: dt.datetime
) -> Clarification:
    """An officer asks the firm a question with a due time; the frozen version is not touched."""
    require_officer(actor)
    question = (question or "").strip()
    now = timezone.now()
    problems = Problems()
    if not question:
        problems.add("question", _("Write the question."))
    if not isinstance(due_at, dt.datetime):
        problems.add("due_at", _("Enter a date and time."))
    else:
        if timezone.is_naive(due_at):
            due_at = timezone.make_aware(due_at)
        if due_at <= now:
            problems.add("due_at", _("The answer must be due in the future."))
    problems.raise_if_any()
    with transaction.atomic():
        application = lock_application(application)
        if application.state not in CLARIFIABLE_STATES:
            raise DomainError(
                "not_clarifiable",
                _("Clarifications can be requested only on a submitted application that is not yet decided."),
                details={"state": application.state},
            )
        clarification = Clarification.objects.create(
            application=application, question=question, asked_by=actor, asked_at=now, due_at=due_at
        )
        record_event(
            actor=actor,
            action="clarification.request",
            obj=clarification,
            after={"application": application.pk, "due_at": due_at},
        )
        clarification_deadline_schedule(clarification, actor=actor)
    return clarification


def clarification_answer(*, actor: Any, clarification: Clarification, answer: str) -> Clarification:
    """The firm answers in text (files are uploaded to the request beforehand) before the due time."""
    answer = (answer or "").strip()
    if not answer:
        raise DomainError("required", _("Write the answer."), "answer")
    with transaction.atomic():
        clarification = (
            Clarification.objects.select_for_update().select_related("application").get(pk=clarification.pk)
        )
        answered = perform(
            CLARIFICATION_WORKFLOW,
            clarification,
            "answer",
            actor=actor,
            changes={"answer": answer, "answered_by": actor, "answered_at": timezone.now()},
        )
        clarification_deadline_cancel(answered, actor=actor)
        return answered


def clarifications_expire_due(*, now: dt.datetime | None = None) -> int:
    """Mark open requests past their due time expired (safe to run twice; a sweep calls it)."""
    now = now or timezone.now()
    expired = 0
    due = Clarification.objects.filter(state=ClarificationState.OPEN, due_at__lte=now).order_by("pk")
    for clarification in due.select_related("application"):
        with transaction.atomic():
            try:
                perform(
                    CLARIFICATION_WORKFLOW,
                    clarification,
                    "expire",
                    actor="system:grants.clarifications",
                    data={"now": now},
                )
            except DomainError:
                continue  # answered or expired meanwhile
            expired += 1
    return expired
