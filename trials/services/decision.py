"""Success or failure (rule 29). No claim and no payout before success; failure closes the agreement
and releases its whole commitment, so no payout is ever possible."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.services import record_event
from core.errors import DomainError
from core.workflow import perform
from grants.enums import SuccessEvent, TrialPhase
from grants.services._common import Problems
from trials.enums import AgreementState, DecisionOutcome, EvidenceKind
from trials.models import Agreement, EvidenceFile, SuccessDecision, Trial
from trials.policy import require_officer
from trials.services._common import clean_text, lock_agreement
from trials.services.agreements import close_locked
from trials.workflow import AGREEMENT_WORKFLOW

AUTHORISATION_EVENTS = frozenset(
    {
        SuccessEvent.MARKETING_AUTHORISATION,
        SuccessEvent.CONDITIONAL_AUTHORISATION,
        SuccessEvent.NEW_INDICATION,
    }
)
# A conditional authorisation counts after Phase 2: the agreement must cover a trial that reached it.
PHASE_2_OR_LATER = frozenset(
    {TrialPhase.PHASE_1_2, TrialPhase.PHASE_2, TrialPhase.PHASE_2_3, TrialPhase.PHASE_3, TrialPhase.PHASE_4}
)


def _document(agreement: Agreement, evidence: EvidenceFile | None, kind: str, field: str, problems: Problems):
    """The officer's uploaded file of `kind` on this agreement, or a problem on `field`."""
    if evidence is None:
        problems.add(field, _("Attach the document."))
        return None
    if evidence.agreement_id != agreement.pk or evidence.kind != kind or evidence.line_id:
        problems.add(field, _("Choose a document of the right kind uploaded for this agreement."))
        return None
    return evidence


def success_record(
    *,
    actor: Any,
    agreement: Agreement,
    event_kind: str,
    class_confirmed: bool,
    expert_opinion: EvidenceFile | None,
    authorisation_number: str = "",
    authorisation_date: dt.date | None = None,
    authorisation_document: EvidenceFile | None = None,
    conditional_obligations: str = "",
    endpoint_trial: Trial | None = None,
    endpoint_result: str = "",
    endpoint_document: EvidenceFile | None = None,
) -> SuccessDecision:
    """Record the success event with its evidence and confirm the first/best-in-class status."""
    require_officer(actor)
    with transaction.atomic():
        agreement = lock_agreement(agreement)
        if agreement.state != AgreementState.ACTIVE:
            raise AGREEMENT_WORKFLOW.invalid_transition(agreement.state, "verify_success")
        program = agreement.round.program
        problems = Problems()
        accepted = [str(kind) for kind in (program.success_events or [])]
        if event_kind not in SuccessEvent.values:
            problems.add("event_kind", _("Choose the success event."))
        elif event_kind not in accepted:
            problems.add("event_kind", _("The program does not accept this kind of success event."))
        values: dict[str, Any] = {}
        if event_kind in AUTHORISATION_EVENTS:
            values["authorisation_number"] = clean_text(authorisation_number, limit=64)
            if not values["authorisation_number"]:
                problems.add("authorisation_number", _("Enter the marketing authorisation number."))
            if not isinstance(authorisation_date, dt.date):
                problems.add("authorisation_date", _("Enter the marketing authorisation date."))
            elif authorisation_date > timezone.localdate():
                problems.add("authorisation_date", _("The authorisation date cannot be in the future."))
            values["authorisation_date"] = authorisation_date
            values["authorisation_document"] = _document(
                agreement,
                authorisation_document,
                EvidenceKind.MARKETING_AUTHORISATION,
                "authorisation_document",
                problems,
            )
        if event_kind == SuccessEvent.CONDITIONAL_AUTHORISATION:
            values["conditional_obligations"] = clean_text(conditional_obligations)
            if not values["conditional_obligations"]:
                problems.add(
                    "conditional_obligations", _("State the obligations of the conditional authorisation.")
                )
            if not agreement.trials.filter(phase__in=PHASE_2_OR_LATER).exists():
                problems.add(
                    "event_kind",
                    _("A conditional authorisation counts only after a Phase 2 trial of the agreement."),
                )
        if event_kind == SuccessEvent.PRIMARY_ENDPOINT:
            if endpoint_trial is None or endpoint_trial.agreement_id != agreement.pk:
                problems.add("endpoint_trial", _("Choose the trial of this agreement that met its endpoint."))
            values["endpoint_trial"] = endpoint_trial
            values["endpoint_result"] = clean_text(endpoint_result)
            if not values["endpoint_result"]:
                problems.add("endpoint_result", _("Describe the primary endpoint result."))
            values["endpoint_document"] = _document(
                agreement, endpoint_document, EvidenceKind.ENDPOINT_REPORT, "endpoint_document", problems
            )
        if class_confirmed is not True:
            problems.add("class_confirmed", _("Confirm the first-in-class or best-in-class status."))
        opinion = _document(
            agreement, expert_opinion, EvidenceKind.EXPERT_OPINION, "expert_opinion", problems
        )
        class_status = agreement.application.claim_kind
        if not class_status:
            problems.add(
                "class_confirmed", _("The application states no first/best-in-class claim to confirm.")
            )
        problems.raise_if_any()
        agreement = perform(AGREEMENT_WORKFLOW, agreement, "verify_success", actor=actor)
        decision = SuccessDecision.objects.create(
            agreement=agreement,
            outcome=DecisionOutcome.SUCCESS,
            event_kind=event_kind,
            class_status=class_status,
            class_confirmed=True,
            expert_opinion=opinion,
            decided_by=actor,
            decided_at=timezone.now(),
            **values,
        )
        record_event(
            actor=actor,
            action="successdecision.success",
            obj=decision,
            after={
                "agreement": agreement.pk,
                "event_kind": event_kind,
                "class_status": class_status,
                "expert_opinion": opinion.pk,
                **{k: (v.pk if hasattr(v, "pk") else v) for k, v in values.items()},
            },
        )
    return decision


def failure_record(*, actor: Any, agreement: Agreement, reason: str) -> SuccessDecision:
    """Record that the trials failed: the agreement is closed and its commitment released."""
    require_officer(actor)
    reason = clean_text(reason)
    if not reason:
        raise DomainError("reason_required", _("Give a reason for this decision."), "reason")
    with transaction.atomic():
        agreement = lock_agreement(agreement)
        if agreement.state != AgreementState.ACTIVE:
            raise AGREEMENT_WORKFLOW.invalid_transition(agreement.state, "record_failure")
        agreement = perform(AGREEMENT_WORKFLOW, agreement, "record_failure", actor=actor, reason=reason)
        decision = SuccessDecision.objects.create(
            agreement=agreement,
            outcome=DecisionOutcome.FAILURE,
            reason=reason,
            decided_by=actor,
            decided_at=timezone.now(),
        )
        record_event(
            actor=actor,
            action="successdecision.failure",
            obj=decision,
            after={"agreement": agreement.pk},
            reason=reason,
        )
        close_locked(actor=actor, agreement=agreement, reason=reason)
    return decision
