"""Agreements (rule 27): created from a selected application, signed (the cap is committed against
the round's budget), started (the reporting schedule begins), closed (what was not paid is released)."""

from __future__ import annotations

import calendar
import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.services import record_event
from core.errors import Conflict, DomainError
from core.money import format_roubles
from core.workflow import perform
from grants.models import Application
from grants.services._common import Problems, money
from trials.balances import active_commitments_of_round, agreement_balances
from trials.enums import LedgerKind, ReportState
from trials.models import Agreement, ProgressReport, Trial
from trials.policy import require_officer
from trials.services._common import clean_text, ledger_append, lock_agreement, lock_round
from trials.workflow import AGREEMENT_WORKFLOW

SELECTED = "selected"
TRIAL_COPY = ("title", "phase", "nct_id", "permission_number", "permission_date", "planned_enrolment")


def add_months(moment: dt.datetime, months: int) -> dt.datetime:
    """The same day and time `months` later (the 31st becomes the month's last day)."""
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def published_selection(application: Application) -> Any:
    """The application's funding decision if it is a published "selected" one (the selection
    contract), else the refusal: only such applications get an agreement."""
    try:
        decision = application.funding_decision
    except (ObjectDoesNotExist, AttributeError):
        decision = None
    if (
        decision is None
        or decision.outcome != SELECTED
        or decision.published_at is None
        or getattr(decision, "reopened_at", None) is not None
    ):
        raise DomainError(
            "not_selected",
            _("Only an application selected in a published decision can get an agreement."),
            "application",
        )
    return decision


def agreement_create(
    *,
    actor: Any,
    application: Application,
    cap: Decimal | str | None = None,
    reporting_interval_months: int = 6,
) -> Agreement:
    """Draw up the agreement of a selected application: cap (at most the selected amount; the
    selected amount when not given), reporting interval [6 months] and the application's trials."""
    require_officer(actor)
    with transaction.atomic():
        application = (
            Application.objects.select_for_update(of=("self",))
            .select_related("round", "round__program", "organisation")
            .get(pk=application.pk)
        )
        decision = published_selection(application)
        if Agreement.objects.filter(application=application).exists():
            raise Conflict("agreement_exists", _("This application already has an agreement."), "application")
        approved = decision.approved_amount
        problems = Problems()
        amount = approved if cap in (None, "") else money(cap, "cap", problems)
        if amount is not None:
            if amount <= 0:
                problems.add("cap", _("The cap must be above zero."))
            elif amount > approved:
                problems.add(
                    "cap",
                    _("The cap cannot exceed the selected amount of %(amount)s.")
                    % {"amount": format_roubles(approved)},
                )
        if not isinstance(reporting_interval_months, int) or not 1 <= reporting_interval_months <= 24:
            problems.add("reporting_interval_months", _("Enter a whole number of months from 1 to 24."))
        problems.raise_if_any()
        agreement = Agreement.objects.create(
            application=application,
            round=application.round,
            organisation=application.organisation,
            number=f"FC-{application.round_id}-{application.pk}",
            approved_amount=approved,
            cap=amount,
            reporting_interval_months=reporting_interval_months,
            created_by=actor,
        )
        for covered in application.trials.order_by("id"):
            Trial.objects.create(
                agreement=agreement,
                covered_trial=covered,
                planned_start=covered.start_date,
                planned_end=covered.end_date,
                **{name: getattr(covered, name) for name in TRIAL_COPY},
            )
        record_event(
            actor=actor,
            action="agreement.create",
            obj=agreement,
            after={
                "application": application.pk,
                "cap": amount,
                "approved_amount": approved,
                "reporting_interval_months": reporting_interval_months,
                "state": agreement.state,
            },
        )
    return agreement


def agreement_sign(*, actor: Any, agreement: Agreement, signed_on: dt.date, firm_signatory: str) -> Agreement:
    """Record that both parties signed; the cap is committed against the round's budget.

    Σ active commitments never exceeds the budget, even when officers sign at the same moment: the
    round's row is locked, then the ledger summed and checked, in one transaction.
    """
    require_officer(actor)
    problems = Problems()
    firm_signatory = clean_text(firm_signatory, limit=200)
    if not firm_signatory:
        problems.add("firm_signatory", _("Name the person who signed for the firm."))
    if not isinstance(signed_on, dt.date) or isinstance(signed_on, dt.datetime):
        problems.add("signed_on", _("Enter the date of signature."))
    elif signed_on > timezone.localdate():
        problems.add("signed_on", _("The date of signature cannot be in the future."))
    problems.raise_if_any()
    with transaction.atomic():
        round_ = lock_round(agreement.round_id)
        agreement = lock_agreement(agreement)
        if agreement.state == "draft":
            committed = active_commitments_of_round(round_.pk)
            remaining = round_.budget - committed
            if agreement.cap > remaining:
                raise Conflict(
                    "budget_exceeded",
                    _(
                        "The round's budget has %(remaining)s left uncommitted; this cap of %(cap)s does not fit."
                    )
                    % {"remaining": format_roubles(remaining), "cap": format_roubles(agreement.cap)},
                    "cap",
                    details={"remaining": str(remaining), "cap": str(agreement.cap)},
                )
        agreement = perform(
            AGREEMENT_WORKFLOW,
            agreement,
            "sign",
            actor=actor,
            changes={"signed_on": signed_on, "firm_signatory": firm_signatory},
        )
        ledger_append(
            kind=LedgerKind.COMMITMENT,
            agreement=agreement,
            amount=agreement.cap,
            actor=actor,
            reason=str(_("Agreement signed")),
        )
    return agreement


def agreement_activate(*, actor: Any, agreement: Agreement) -> Agreement:
    """Start the agreement: the first progress report falls due one reporting interval later."""
    from trials.deadlines import report_deadlines_schedule

    require_officer(actor)
    with transaction.atomic():
        agreement = lock_agreement(agreement)
        now = timezone.now()
        agreement = perform(
            AGREEMENT_WORKFLOW, agreement, "activate", actor=actor, changes={"activated_at": now}
        )
        report = ProgressReport.objects.create(
            agreement=agreement,
            number=1,
            period_start=now,
            due_at=add_months(now, agreement.reporting_interval_months),
        )
        report_deadlines_schedule(report)
    return agreement


def release_unpaid(*, agreement: Agreement, actor: Any, reason: str) -> Decimal:
    """Write the release entry that gives back what was committed and not paid (nothing if nothing)."""
    balances = agreement_balances(agreement)
    unpaid = balances.active_commitments - balances.net_paid
    if unpaid > 0:
        ledger_append(
            kind=LedgerKind.RELEASE, agreement=agreement, amount=-unpaid, actor=actor, reason=reason
        )
    return unpaid


def close_locked(*, actor: Any, agreement: Agreement, reason: str) -> Agreement:
    """Close an agreement whose row the caller holds locked: release, stop the schedule."""
    from deadlines.services import deadlines_cancel_for

    agreement = perform(
        AGREEMENT_WORKFLOW,
        agreement,
        "close",
        actor=actor,
        reason=reason,
        changes={"closed_at": timezone.now()},
    )
    release_unpaid(agreement=agreement, actor=actor, reason=reason)
    for report in ProgressReport.objects.filter(agreement=agreement, state=ReportState.DUE).order_by("pk"):
        deadlines_cancel_for(report, actor=actor)
    return agreement


def agreement_close(*, actor: Any, agreement: Agreement, reason: str) -> Agreement:
    """Close the agreement with a reason; what was committed and not paid goes back to the round."""
    require_officer(actor)
    with transaction.atomic():
        agreement = lock_agreement(agreement)
        return close_locked(actor=actor, agreement=agreement, reason=clean_text(reason))
