"""The committee's decision, its money and its publication (rules 25 and 27).

Every decision is recorded under a row lock on the round: the lock serialises all commitments of
one round, the selected applications' approved amounts are summed after it is taken, and a sum over
the budget rolls the whole decision back. `RoundSelection.committed` keeps the sum, and the database
refuses a value above `RoundSelection.budget` even if this code were wrong.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files import File
from django.db import transaction
from django.db.models import Sum
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from accounts.enums import Role
from audit.services import record_event
from core.errors import Conflict, DomainError, NotFound
from core.money import format_roubles
from core.workflow import perform
from deadlines.services import deadline_schedule, notify
from grants.enums import (
    DECIDABLE_APPLICATION_STATES,
    DECIDED_APPLICATION_STATES,
    ApplicationState,
    DecisionOutcome,
    RoundState,
    SelectionDocumentKind,
)
from grants.models import Application, FundingDecision, Round, RoundSelection, SelectionDocument
from grants.policy import require_officer
from grants.selectors_selection import latest_proposal, proposed_outcomes
from grants.services._common import Problems, lock_round, money
from grants.services.documents import _safe_name, _spool, _too_large, sniff_content_type
from grants.services.selection import frozen_amounts
from grants.workflow import APPLICATION_WORKFLOW, ROUND_WORKFLOW

APPEAL_WINDOW_KIND = "selection.appeal_window"
ACTION_FOR = {
    DecisionOutcome.SELECTED: "select",
    DecisionOutcome.RESERVE: "reserve",
    DecisionOutcome.REJECTED: "reject",
}
OUTCOME_LABELS = dict(DecisionOutcome.choices)


def _format(message: Any, params: Mapping[str, Any]) -> str:
    return str(message) % {key: str(value) for key, value in params.items()}


# Interpolated after translation, in the language active when the text is rendered: notifications
# render each recipient's copy in that recipient's language.
lazy_text = lazy(_format, str)


def url_or_blank(name: str, *args: Any) -> str:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


@dataclass(frozen=True)
class DecisionInput:
    """One line of the committee's decision."""

    application_id: int
    outcome: str
    approved_amount: Decimal | str | None = None
    reason: str = ""


def _as_input(item: DecisionInput | Mapping[str, Any]) -> DecisionInput:
    if isinstance(item, DecisionInput):
        return item
    return DecisionInput(
        application_id=int(item["application_id"]),
        outcome=str(item.get("outcome", "")),
        approved_amount=item.get("approved_amount"),
        reason=str(item.get("reason") or ""),
    )


def _committed(round_: Round) -> Decimal:
    # Sum over a MoneyField is read back through the field: Decimal roubles, None for no rows.
    total = FundingDecision.objects.filter(round=round_, outcome=DecisionOutcome.SELECTED).aggregate(
        total=Sum("approved_amount")
    )["total"]
    return total if total is not None else Decimal("0.00")


def _lock_applications(round_: Round, ids: list[int]) -> dict[int, Application]:
    # Several rows are locked in primary-key order (house rule 3), after the round.
    rows = (
        Application.objects.select_for_update(of=("self",))
        .select_related("round")
        .filter(round=round_, pk__in=ids)
        .order_by("pk")
    )
    return {a.pk: a for a in rows}


def _check_line(
    index: int,
    line: DecisionInput,
    application: Application | None,
    decision: FundingDecision | None,
    round_: Round,
    problems: Problems,
) -> Decimal | None:
    """Validate one line; return the approved amount (0 unless selected)."""
    field = f"decisions.{index}"
    if application is None:
        raise NotFound("not_found", _("Application not found in this round."), f"{field}.application_id")
    if line.outcome not in DecisionOutcome.values:
        problems.add(f"{field}.outcome", _("Choose selected, reserve or not selected."))
        return None
    published = round_.state == RoundState.PUBLISHED
    if published and not (
        decision is not None and decision.reopened_at and application.state == ApplicationState.UNDER_REVIEW
    ):
        raise Conflict(
            "decision_published",
            _(
                "The results are published; only an application an upheld appeal sent back to review is decided again."
            ),
            f"{field}.application_id",
        )
    if application.state not in DECIDABLE_APPLICATION_STATES | DECIDED_APPLICATION_STATES:
        raise Conflict(
            "not_decidable",
            _("Only eligible applications are decided."),
            f"{field}.application_id",
            details={"state": application.state},
        )
    if line.outcome != DecisionOutcome.SELECTED:
        if line.approved_amount not in (None, "", 0, Decimal(0)):
            problems.add(f"{field}.approved_amount", _("Only a selected application gets an amount."))
        return Decimal("0.00")
    amount = (
        money(line.approved_amount, f"{field}.approved_amount", problems)
        if line.approved_amount not in (None, "")
        else None
    )
    return amount


def decisions_record(
    *, actor: Any, round: Round, decisions: Iterable[DecisionInput | Mapping[str, Any]]
) -> list[FundingDecision]:
    """Record the committee's decision on some or all of the round's eligible applications.

    Each line: `outcome` (selected, reserve, rejected), `approved_amount` for a selected one (default:
    the proposal's amount, else the requested amount; above zero and at most the requested amount),
    and `reason`, required when the line differs from the proposal (rule 25). Lines may be revised
    until publication. The approved amounts are committed against the round's budget in the same
    transaction; over the budget, nothing is recorded (rule 27, code "over_budget").
    """
    require_officer(actor)
    lines = sorted((_as_input(item) for item in decisions), key=lambda line: line.application_id)
    if not lines:
        raise DomainError("required", _("Record at least one decision."), "decisions")
    if len({line.application_id for line in lines}) != len(lines):
        raise DomainError("duplicate", _("Each application is decided once."), "decisions")
    with transaction.atomic():
        round_ = lock_round(round)
        if round_.state not in (RoundState.SELECTION, RoundState.PUBLISHED):
            raise Conflict(
                "not_in_selection",
                _("Decisions are recorded while the round is in selection."),
                details={"state": round_.state},
            )
        proposal = latest_proposal(round_)
        if proposal is None:
            raise Conflict(
                "no_proposal", _("Run the selection first: decisions are compared with its proposal.")
            )
        proposed = proposed_outcomes(proposal)
        applications = _lock_applications(round_, [line.application_id for line in lines])
        existing = {
            d.application_id: d
            for d in FundingDecision.objects.select_for_update().filter(application_id__in=list(applications))
        }
        requested = frozen_amounts(applications.values())
        problems = Problems()
        checked = []
        for index, line in enumerate(lines):
            application = applications.get(line.application_id)
            amount = _check_line(
                index, line, application, existing.get(line.application_id), round_, problems
            )
            checked.append((index, line, application, amount))
        problems.raise_if_any()
        batch = _Batch(actor, round_, proposal, proposed, requested, existing, timezone.now(), problems)
        written = [
            _write(batch, index, line, application, amount) for index, line, application, amount in checked
        ]
        problems.raise_if_any()
        _commit(actor, round_)
    return written


@dataclass
class _Batch:
    """What every line of one decision call shares."""

    actor: Any
    round_: Round
    proposal: Any
    proposed: dict
    requested: dict
    existing: dict
    now: dt.datetime
    problems: Problems


def _write(
    batch: _Batch, index: int, line: DecisionInput, application: Application, amount: Decimal | None
) -> FundingDecision | None:
    actor, round_, proposal, proposed = batch.actor, batch.round_, batch.proposal, batch.proposed
    requested, now, problems = batch.requested, batch.now, batch.problems
    field = f"decisions.{index}"
    p = proposed.get(application.pk)
    proposed_outcome = p.outcome if p else DecisionOutcome.REJECTED
    proposed_amount = p.amount if p else Decimal("0.00")
    if line.outcome == DecisionOutcome.SELECTED:
        ceiling = requested.get(application.pk) or Decimal("0.00")
        if amount is None:
            amount = proposed_amount if proposed_outcome == DecisionOutcome.SELECTED else ceiling
        if amount <= 0:
            problems.add(f"{field}.approved_amount", _("A selected application gets an amount above zero."))
        elif amount > ceiling:
            problems.add(
                f"{field}.approved_amount",
                _("The approved amount cannot exceed the requested %(amount)s.")
                % {"amount": format_roubles(ceiling)},
            )
    reason = line.reason.strip()
    if (line.outcome, amount) != (proposed_outcome, proposed_amount) and not reason:
        problems.add(f"{field}.reason", _("This differs from the proposal: give the reason."))
    if problems:
        return None
    decision = batch.existing.get(application.pk)
    reopened = decision is not None and decision.reopened_at is not None
    if (
        decision is not None
        and not reopened
        and (decision.outcome, decision.approved_amount, decision.reason) == (line.outcome, amount, reason)
    ):
        return decision  # the committee confirmed what is recorded: nothing changes
    if (
        application.state
        != {
            DecisionOutcome.SELECTED: ApplicationState.SELECTED,
            DecisionOutcome.RESERVE: ApplicationState.RESERVE,
            DecisionOutcome.REJECTED: ApplicationState.REJECTED,
        }[line.outcome]
    ):
        perform(APPLICATION_WORKFLOW, application, ACTION_FOR[line.outcome], actor=actor, reason=reason)
    values = {
        "round": round_,
        "proposal": proposal if decision is None else decision.proposal,
        "outcome": line.outcome,
        "approved_amount": amount,
        "reason": reason,
        "decided_by": actor,
        "decided_at": now,
    }
    if decision is None:
        values.update(
            proposed_outcome=proposed_outcome,
            proposed_amount=proposed_amount,
            proposed_rank=p.rank if p else None,
        )
        decision = FundingDecision.objects.create(application=application, **values)
        before = {}
    else:
        before = {
            "outcome": decision.outcome,
            "approved_amount": decision.approved_amount,
            "reason": decision.reason,
        }
        if reopened:
            # Decided again after an upheld appeal: published at once, like the round's results.
            values.update(published_at=now, reopened_at=None)
        for name, value in values.items():
            setattr(decision, name, value)
        decision.save(update_fields=list(values))
    record_event(
        actor=actor,
        action="funding_decision.record",
        obj=decision,
        before=before,
        after={
            "application": application.pk,
            "outcome": decision.outcome,
            "approved_amount": decision.approved_amount,
            "proposed_outcome": decision.proposed_outcome,
            "proposed_amount": decision.proposed_amount,
        },
        reason=reason,
    )
    if reopened:
        notify_result(decision, round_)
    return decision


def _commit(actor: Any, round_: Round) -> None:
    """Rule 27: Σ approved amounts of selected decisions ≤ the round's budget, under the round's lock."""
    committed = _committed(round_)
    if committed > round_.budget:
        raise Conflict(
            "over_budget",
            _(
                "These decisions would commit %(committed)s against a budget of %(budget)s; nothing was recorded."
            )
            % {"committed": format_roubles(committed), "budget": format_roubles(round_.budget)},
            "decisions",
            details={"committed": str(committed), "budget": str(round_.budget)},
        )
    ledger, _created = RoundSelection.objects.select_for_update().get_or_create(
        round=round_, defaults={"budget": round_.budget}
    )
    before = ledger.committed
    ledger.budget = round_.budget
    ledger.committed = committed
    ledger.save(update_fields=["budget", "committed", "updated_at"])
    if before != committed:
        record_event(
            actor=actor,
            action="selection.commit",
            obj=round_,
            before={"committed": before},
            after={"committed": committed, "budget": round_.budget},
        )


def decision_record(
    *, actor: Any, application: Application, outcome: str, approved_amount: Any = None, reason: str = ""
) -> FundingDecision:
    """The decision on one application (see `decisions_record`)."""
    line = DecisionInput(application.pk, outcome, approved_amount, reason)
    try:
        return decisions_record(actor=actor, round=application.round, decisions=[line])[0]
    except DomainError as exc:
        # One line: name the plain field ("reason"), not "decisions.0.reason".
        exc.field = exc.field.rpartition(".")[2] if exc.field.startswith("decisions.0.") else exc.field
        exc.details = {
            k.rpartition(".")[2] if k.startswith("decisions.0.") else k: v for k, v in exc.details.items()
        }
        raise


# --- files ----------------------------------------------------------------------------------------
@contextmanager
def files_removed_on_error() -> Iterator[list[str]]:
    """Collect stored file names; delete them if the block (and so its transaction) fails."""
    names: list[str] = []
    try:
        yield names
    except BaseException:
        for name in names:
            SelectionDocument.file.field.storage.delete(name)
        raise


def store_selection_file(
    *, actor: Any, round_: Round, kind: str, upload: Any, stored: list[str], appeal: Any = None
) -> SelectionDocument:
    """Sniff, hash and store one upload with the checks of application documents (size, type by
    content, name matching content). Inside `files_removed_on_error()`, whose list is `stored`."""
    limit = int(settings.UPLOAD_MAX_BYTES)
    if getattr(upload, "size", 0) and upload.size > limit:
        raise _too_large(limit)
    original_name = _safe_name(getattr(upload, "name", ""))
    tmp_path, size, sha256 = _spool(upload, limit)
    try:
        if size == 0:
            raise DomainError("file_empty", _("The file is empty."), "file")
        content_type = sniff_content_type(tmp_path, original_name)
        document = SelectionDocument(
            round=round_,
            appeal=appeal,
            kind=kind,
            storage_key=uuid.uuid4().hex + Path(original_name).suffix.lower(),
            original_name=original_name,
            size=size,
            sha256=sha256,
            content_type=content_type,
            uploaded_by=actor,
        )
        with tmp_path.open("rb") as handle:
            document.file.save(document.storage_key, File(handle), save=False)
        stored.append(document.file.name)
        document.save(force_insert=True)
    finally:
        tmp_path.unlink(missing_ok=True)
    return document


def minutes_upload(*, actor: Any, round: Round, upload: Any) -> SelectionDocument:
    """Attach the committee's minutes to the round (replaces earlier minutes until publication)."""
    require_officer(actor)
    with files_removed_on_error() as stored, transaction.atomic():
        round_ = lock_round(round)
        if round_.state != RoundState.SELECTION:
            raise Conflict(
                "not_in_selection", _("Minutes are attached while the round is in selection."), "file"
            )
        document = store_selection_file(
            actor=actor, round_=round_, kind=SelectionDocumentKind.MINUTES, upload=upload, stored=stored
        )
        ledger, _created = RoundSelection.objects.select_for_update().get_or_create(
            round=round_, defaults={"budget": round_.budget}
        )
        previous = ledger.minutes_id
        ledger.minutes = document
        ledger.save(update_fields=["minutes", "updated_at"])
        record_event(
            actor=actor,
            action="selection.minutes_upload",
            obj=round_,
            before={"minutes": previous},
            after={"minutes": document.pk, "sha256": document.sha256, "size": document.size},
        )
    return document


# --- publication ------------------------------------------------------------------------------------
def _firm_people(application: Application):
    return (
        get_user_model()
        .objects.filter(organisation_id=application.organisation_id, role=Role.APPLICANT, is_active=True)
        .order_by("pk")
    )


def notify_result(decision: FundingDecision, round_: Round, appeal_until: dt.datetime | None = None) -> None:
    """Tell the firm its result, in each person's language, with the appeal deadline when it may appeal."""
    application = decision.application
    params = {"title": application.title, "round": round_.title}
    if decision.outcome == DecisionOutcome.SELECTED:
        text = lazy_text(
            _(
                "Your application “%(title)s” in the round “%(round)s” was selected; the approved amount is %(amount)s."
            ),
            {**params, "amount": format_roubles(decision.approved_amount)},
        )
        appeal_until = None
    elif decision.outcome == DecisionOutcome.RESERVE:
        text = lazy_text(
            _(
                "Your application “%(title)s” in the round “%(round)s” is on the reserve list. It is funded "
                "if money is freed. You may appeal on procedural grounds until the date below."
            ),
            params,
        )
    else:
        text = lazy_text(
            _(
                "Your application “%(title)s” in the round “%(round)s” was not selected. The reviewers' "
                "comments are on the result page. You may appeal on procedural grounds until the date below."
            ),
            params,
        )
    notify(
        recipients=_firm_people(application),
        kind="selection.result",
        template="generic",
        context={
            "subject": lazy_text(_("Results of the round “%(round)s”"), params),
            "text": text,
            "due_at": appeal_until,
        },
        url=url_or_blank("grants:selection_result", application.pk),
    )


def selection_publish(*, actor: Any, round: Round) -> Round:
    """Publish the committee's decisions: the round becomes published, every decision gets its
    publication time, every firm is told its result, and the appeal window starts (a deadline at
    publication + the round's appeal days). Refused until every eligible application is decided and
    the minutes are attached."""
    require_officer(actor)
    with transaction.atomic():
        round_ = lock_round(round)
        if round_.state != RoundState.SELECTION:
            raise Conflict(
                "not_in_selection",
                _("Only a round in selection can publish its results."),
                details={"state": round_.state},
            )
        if latest_proposal(round_) is None:
            raise Conflict("no_proposal", _("Run the selection and record the decisions first."))
        undecided = list(
            Application.objects.filter(round=round_, state__in=DECIDABLE_APPLICATION_STATES)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        if undecided:
            raise DomainError(
                "undecided",
                _("%(count)s eligible applications have no decision yet.") % {"count": len(undecided)},
                "decisions",
                details={"applications": undecided},
            )
        ledger = RoundSelection.objects.select_for_update().get(round=round_)
        if ledger.minutes_id is None:
            raise DomainError(
                "minutes_required", _("Attach the committee's minutes before publishing."), "file"
            )
        round_ = perform(ROUND_WORKFLOW, round_, "publish", actor=actor, data={"publication": True})
        now = timezone.now()
        ends = now + dt.timedelta(days=round_.appeal_window_days)
        ledger.published_at, ledger.published_by, ledger.appeal_window_ends_at = now, actor, ends
        ledger.save(update_fields=["published_at", "published_by", "appeal_window_ends_at", "updated_at"])
        decisions = list(FundingDecision.objects.filter(round=round_).select_related("application"))
        FundingDecision.objects.filter(round=round_).update(published_at=now)
        deadline_schedule(kind=APPEAL_WINDOW_KIND, target=round_, due_at=ends, actor=actor)
        record_event(
            actor=actor,
            action="selection.publish",
            obj=round_,
            after={
                "published_at": now,
                "appeal_window_ends_at": ends,
                "decisions": len(decisions),
                "committed": ledger.committed,
                "minutes": ledger.minutes_id,
            },
        )
        for decision in decisions:
            notify_result(decision, round_, ends)
    return round_
