"""Appeals against published results (rule 26) and the end of the appeal window (a deadline).

A firm appeals a reserve or "not selected" result within the window, on procedural grounds, with a
statement and files. An officer upholds it, which sends the application back to review by new
reviewers (the reviewers app's hook, `grants.scoring.appeal_upheld`) for a fresh decision, or
dismisses it; either way with a reason, and the firm is told.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from accounts.enums import Role
from audit.services import record_event
from core.errors import Conflict, DomainError
from core.workflow import perform
from deadlines.models import Deadline
from deadlines.registry import register_handler
from deadlines.services import notify
from grants import scoring
from grants.enums import AppealGround, AppealState, DecisionOutcome, SelectionDocumentKind
from grants.models import Appeal, Application, FundingDecision, Round, RoundSelection
from grants.policy import require_applicant_of, require_officer
from grants.services._common import Problems, lock_application
from grants.services.decisions import (
    APPEAL_WINDOW_KIND,
    files_removed_on_error,
    lazy_text,
    store_selection_file,
    url_or_blank,
)
from grants.workflow import APPEAL_WORKFLOW, APPLICATION_WORKFLOW

MAX_APPEAL_FILES = 10
APPEALABLE_OUTCOMES = frozenset({DecisionOutcome.RESERVE, DecisionOutcome.REJECTED})


def _officers():
    return get_user_model().objects.filter(role=Role.OFFICER, is_active=True).order_by("pk")


def _firm_people(application: Application):
    return (
        get_user_model()
        .objects.filter(organisation_id=application.organisation_id, role=Role.APPLICANT, is_active=True)
        .order_by("pk")
    )


def window_closed(ledger: RoundSelection) -> Conflict:
    when = formats.date_format(timezone.localtime(ledger.appeal_window_ends_at), "d.m.Y H:i")
    return Conflict(
        "appeal_window_closed",
        _("The appeal window closed on %(when)s Moscow time; appeals are no longer accepted.")
        % {"when": when},
    )


def appeal_submit(
    *, actor: Any, application: Application, grounds: str, text: str, files: Iterable[Any] = ()
) -> Appeal:
    """A firm appeals its published reserve or "not selected" result before the window ends.

    `grounds` is procedural (conflict of interest, procedure, factual error): the merits are not
    re-assessed. Files pass the same checks as application documents. Refusals: after the window
    (409 "appeal_window_closed"), a selected or unpublished result, an appeal already open.
    """
    require_applicant_of(actor, application)
    text = (text or "").strip()
    files = list(files or [])
    problems = Problems()
    if grounds not in AppealGround.values:
        problems.add("grounds", _("Choose the procedural ground of the appeal."))
    if not text:
        problems.add("text", _("Explain what went wrong in the procedure."))
    if len(files) > MAX_APPEAL_FILES:
        problems.add("files", _("Attach at most %(n)s files.") % {"n": MAX_APPEAL_FILES})
    problems.raise_if_any()
    now = timezone.now()
    with files_removed_on_error() as stored, transaction.atomic():
        application = lock_application(application)
        decision = FundingDecision.objects.select_for_update().filter(application=application).first()
        if decision is None or decision.published_at is None or decision.reopened_at is not None:
            raise Conflict("no_published_result", _("An appeal is possible once the result is published."))
        if decision.outcome not in APPEALABLE_OUTCOMES:
            raise Conflict("not_appealable", _("A selected application has no result to appeal."))
        ledger = RoundSelection.objects.get(round_id=application.round_id)
        if ledger.appeal_window_ends_at is None or now >= ledger.appeal_window_ends_at:
            raise window_closed(ledger)
        if Appeal.objects.filter(application=application, state=AppealState.SUBMITTED).exists():
            raise Conflict("appeal_open", _("An appeal of this application is already awaiting a decision."))
        appeal = Appeal.objects.create(
            application=application,
            decision=decision,
            grounds=grounds,
            text=text,
            submitted_by=actor,
            submitted_at=now,
        )
        documents = [
            store_selection_file(
                actor=actor,
                round_=application.round,
                kind=SelectionDocumentKind.APPEAL,
                upload=upload,
                stored=stored,
                appeal=appeal,
            )
            for upload in files
        ]
        record_event(
            actor=actor,
            action="appeal.submit",
            obj=appeal,
            after={
                "application": application.pk,
                "grounds": grounds,
                "files": [{"id": d.pk, "sha256": d.sha256} for d in documents],
            },
        )
        notify(
            recipients=_officers(),
            kind="appeal.submitted",
            template="generic",
            context={
                "subject": lazy_text(_("New appeal: “%(title)s”"), {"title": application.title}),
                "text": lazy_text(
                    _("%(firm)s appealed the result of “%(title)s”. Decide it within the appeal process."),
                    {"firm": application.organisation.name, "title": application.title},
                ),
            },
            url=url_or_blank("grants:selection_appeal", appeal.pk),
        )
    return appeal


def appeal_decide(*, actor: Any, appeal: Appeal, uphold: bool, reason: str) -> Appeal:
    """Uphold (the application goes back to review by new reviewers, to be decided again) or dismiss
    an open appeal, with a reason the firm reads."""
    require_officer(actor)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("reason_required", _("Give a reason for this decision."), "reason")
    now = timezone.now()
    with transaction.atomic():
        application = lock_application(appeal.application_id)
        appeal = Appeal.objects.select_for_update().get(pk=appeal.pk)
        decided = perform(
            APPEAL_WORKFLOW,
            appeal,
            "uphold" if uphold else "dismiss",
            actor=actor,
            reason=reason,
            changes={"decided_by": actor, "decided_at": now, "decision_reason": reason},
        )
        if uphold:
            perform(
                APPLICATION_WORKFLOW,
                application,
                "return_to_review",
                actor=actor,
                reason=reason,
                data={"appeal": appeal.pk},
            )
            FundingDecision.objects.filter(pk=appeal.decision_id).update(reopened_at=now)
            application.refresh_from_db()
            scoring.appeal_upheld(application=application, appeal=decided, actor=actor)
        outcome = _("upheld") if uphold else _("dismissed")
        notify(
            recipients=_firm_people(application),
            kind="appeal.decided",
            template="generic",
            context={
                "subject": lazy_text(_("Your appeal was %(outcome)s"), {"outcome": outcome}),
                "text": lazy_text(
                    _("Your appeal of the result of “%(title)s” was %(outcome)s. Reason: %(reason)s"),
                    {"title": application.title, "outcome": outcome, "reason": reason},
                ),
            },
            url=url_or_blank("grants:selection_result", application.pk),
        )
    return decided


# --- the end of the appeal window (deadline) --------------------------------------------------------
def handle_appeal_window_end(deadline: Deadline) -> None:
    """Tell the officers the window closed and how many appeals wait. Idempotent: notices are unique
    per deadline, and submissions are refused by the clock, not by this handler."""
    round_ = Round.objects.filter(pk=deadline.target_id).select_related("selection").first()
    ledger = getattr(round_, "selection", None) if round_ else None
    if ledger is None or ledger.appeal_window_ends_at is None:
        return
    waiting = Appeal.objects.filter(application__round=round_, state=AppealState.SUBMITTED).count()
    notify(
        recipients=_officers(),
        kind="selection.appeal_window_closed",
        template="generic",
        context={
            "subject": lazy_text(_("Appeal window closed: “%(round)s”"), {"round": round_.title}),
            "text": lazy_text(
                _(
                    "The appeal window of the round “%(round)s” has closed; %(count)s appeals await a decision."
                ),
                {"round": round_.title, "count": waiting},
            ),
        },
        deadline=deadline,
        url=url_or_blank("grants:selection_appeals"),
    )


def register_deadlines() -> None:
    """Called from GrantsConfig.ready()."""
    register_handler(APPEAL_WINDOW_KIND, handle_appeal_window_end, label=_("Appeal window ends"))
