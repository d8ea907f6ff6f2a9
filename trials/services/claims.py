"""Cost claims (rules 30-32): lines checked at entry, evidence checked at submission, each line
verified by an officer within the verification SLA, one cost document accepted at most once."""

from __future__ import annotations

import datetime as dt
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.validators import check_inn
from audit.services import record_event
from core.errors import Conflict, DomainError
from core.money import format_roubles
from core.workflow import perform
from grants.models import CostCategory
from grants.services._common import Problems, money
from trials.enums import ACCEPTED_LINE_STATES, REQUIRED_COST_EVIDENCE, AgreementState, ClaimState
from trials.models import Agreement, ClaimLine, CostClaim, Trial
from trials.policy import is_firm_member_of, require_firm_member, require_officer, role_of
from trials.services._common import clean_text, lock_agreement
from trials.workflow import CLAIM_WORKFLOW, LINE_WORKFLOW

SYSTEM_ACTOR = "system:trials.claims"


def document_key(number: str) -> str:
    """The document number as compared for duplicates: no spaces or "№", upper case."""
    return "".join(str(number or "").replace("№", "").split()).upper()


def _other_line_with_document(line_values: dict, exclude_pk: int | None = None):
    qs = ClaimLine.objects.filter(
        counterparty_inn=line_values["counterparty_inn"],
        document_key=line_values["document_key"],
        document_date=line_values["document_date"],
        amount=line_values["amount"],
        state__in=ACCEPTED_LINE_STATES,
    ).select_related("claim__agreement")
    if exclude_pk is not None:
        qs = qs.exclude(pk=exclude_pk)
    return qs.first()


def duplicate_refusal(actor: Any, other: ClaimLine) -> Conflict:
    """Rule 31's refusal, naming the claim that already uses the document (another firm's claim is
    named without its number)."""
    claim = other.claim
    if role_of(actor) == "applicant" and not is_firm_member_of(actor, claim):
        message = _("This cost document already backs an accepted line of another firm's claim.")
        details: dict = {}
    else:
        message = _("This cost document already backs accepted line %(line)s of claim %(claim)s.") % {
            "line": other.pk,
            "claim": str(claim),
        }
        details = {"claim": claim.pk, "line": other.pk}
    return Conflict("document_already_used", message, "document_number", details=details)


# --- the firm's side -------------------------------------------------------------------------------
def claim_create(*, actor: Any, agreement: Agreement) -> CostClaim:
    """Open a draft claim; only after success is verified (rule 29) and before the agreement closes."""
    require_firm_member(actor, agreement)
    with transaction.atomic():
        agreement = lock_agreement(agreement)
        if agreement.state != AgreementState.SUCCESS_VERIFIED:
            raise Conflict(
                "success_not_verified",
                _("Claims are filed only after success is verified and before the agreement closes."),
            )
        number = (agreement.claims.aggregate(n=Max("number"))["n"] or 0) + 1
        claim = CostClaim.objects.create(agreement=agreement, number=number, created_by=actor)
        record_event(
            actor=actor,
            action="costclaim.create",
            obj=claim,
            after={"agreement": agreement.pk, "number": number},
        )
    return claim


def _line_values(agreement: Agreement, values: dict, problems: Problems) -> dict:
    program = agreement.round.program
    clean: dict[str, Any] = {}
    trial = values.get("trial")
    if not isinstance(trial, Trial) or trial.agreement_id != agreement.pk:
        problems.add("trial", _("Choose a trial of this agreement."))
    clean["trial"] = trial
    category = values.get("category")
    if isinstance(category, str):
        category = CostCategory.objects.filter(code=category).first()
    if not isinstance(category, CostCategory):
        problems.add("category", _("Choose the cost category."))
    elif not category.is_eligible or not program.cost_categories.filter(pk=category.pk).exists():
        problems.add("category", _("This cost category is not eligible under the program."))
    clean["category"] = category
    clean["description"] = clean_text(values.get("description"), limit=500)
    if not clean["description"]:
        problems.add("description", _("Describe the cost."))
    when = values.get("document_date")
    if not isinstance(when, dt.date) or isinstance(when, dt.datetime):
        problems.add("document_date", _("Enter the document's date."))
    elif when > timezone.localdate():
        problems.add("document_date", _("The document's date cannot be in the future."))
    elif (program.eligible_from and when < program.eligible_from) or (
        program.eligible_until and when > program.eligible_until
    ):
        problems.add(
            "document_date",
            _("The date is outside the program's eligibility window (%(start)s – %(end)s).")
            % {
                "start": program.eligible_from.strftime("%d.%m.%Y") if program.eligible_from else "…",
                "end": program.eligible_until.strftime("%d.%m.%Y") if program.eligible_until else "…",
            },
        )
    clean["document_date"] = when
    inn = "".join(str(values.get("counterparty_inn") or "").split())
    if message := check_inn(inn, allow_individual=True):
        problems.add("counterparty_inn", message)
    clean["counterparty_inn"] = inn
    clean["counterparty_name"] = clean_text(values.get("counterparty_name"), limit=300)
    clean["document_number"] = clean_text(values.get("document_number"), limit=64)
    clean["document_key"] = document_key(clean["document_number"])
    if not clean["document_key"]:
        problems.add("document_number", _("Enter the document's number."))
    amount = (
        money(values.get("amount"), "amount", problems) if values.get("amount") not in (None, "") else None
    )
    if amount is None and "amount" not in problems.details:
        problems.add("amount", _("Enter the amount."))
    elif amount is not None and amount <= 0:
        problems.add("amount", _("The amount must be above zero."))
    clean["amount"] = amount
    return clean


def claim_line_add(*, actor: Any, claim: CostClaim, **values: Any) -> ClaimLine:
    """Add a cost line to a draft claim. Refused at entry: a trial of another agreement, an
    ineligible category, a date outside the eligibility window, an invalid INN, a document already
    accepted elsewhere or already on this claim."""
    require_firm_member(actor, claim)
    with transaction.atomic():
        agreement = lock_agreement(claim.agreement_id)
        claim = CostClaim.objects.select_for_update().get(pk=claim.pk, agreement=agreement)
        if claim.state != ClaimState.DRAFT:
            raise Conflict("claim_not_draft", _("Lines are added while the claim is a draft."))
        problems = Problems()
        clean = _line_values(agreement, values, problems)
        problems.raise_if_any()
        other = _other_line_with_document(clean)
        if other is not None:
            raise duplicate_refusal(actor, other)
        same = claim.lines.filter(
            counterparty_inn=clean["counterparty_inn"],
            document_key=clean["document_key"],
            document_date=clean["document_date"],
            amount=clean["amount"],
        ).first()
        if same is not None:
            raise Conflict(
                "document_already_used",
                _("This cost document is already line %(line)s of this claim.") % {"line": same.pk},
                "document_number",
            )
        line = ClaimLine.objects.create(claim=claim, **clean)
        record_event(
            actor=actor,
            action="claimline.add",
            obj=line,
            after={
                "claim": claim.pk,
                "trial": line.trial_id,
                "category": line.category.code,
                "document_date": line.document_date,
                "counterparty_inn": line.counterparty_inn,
                "document_number": line.document_number,
                "amount": line.amount,
            },
        )
    return line


def claim_line_delete(*, actor: Any, line: ClaimLine) -> None:
    """Remove a line (and its files) from a draft claim."""
    from trials.services.evidence import evidence_delete

    require_firm_member(actor, line)
    with transaction.atomic():
        agreement = lock_agreement(line.claim.agreement_id)
        line = ClaimLine.objects.select_related("claim").get(pk=line.pk, claim__agreement=agreement)
        if line.claim.state != ClaimState.DRAFT:
            raise Conflict("claim_not_draft", _("Lines are removed while the claim is a draft."))
        for evidence in line.evidence.order_by("pk"):
            evidence_delete(actor=actor, evidence=evidence)
        before = {"claim": line.claim_id, "document_number": line.document_number, "amount": line.amount}
        pk = line.pk
        line.delete()
        record_event(
            actor=actor,
            action="claimline.delete",
            object_type="trials.claimline",
            object_id=pk,
            before=before,
        )


def missing_evidence(claim: CostClaim) -> dict[str, list[str]]:
    """Rule 30: each line's missing evidence groups, as `lines.<id>` -> messages."""
    missing: dict[str, list[str]] = {}
    for line in claim.lines.prefetch_related("evidence").order_by("pk"):
        kinds = {e.kind for e in line.evidence.all()}
        for group, label in REQUIRED_COST_EVIDENCE:
            if not kinds & group:
                missing.setdefault(f"lines.{line.pk}", []).append(
                    str(_("Attach %(what)s.") % {"what": label})
                )
    return missing


def claim_submit(*, actor: Any, claim: CostClaim) -> CostClaim:
    """Send the claim to verification: every line carries its evidence; the SLA clock starts."""
    from trials.deadlines import claim_deadlines_schedule, verification_sla_days

    require_firm_member(actor, claim)
    with transaction.atomic():
        agreement = lock_agreement(claim.agreement_id)
        claim = (
            CostClaim.objects.select_for_update()
            .select_related("agreement")
            .get(pk=claim.pk, agreement=agreement)
        )
        if claim.state == ClaimState.DRAFT:
            missing = missing_evidence(claim)
            if missing:
                first = next(iter(missing.values()))[0]
                raise DomainError("evidence_missing", first, next(iter(missing)), details=missing)
        now = timezone.now()
        claim = perform(
            CLAIM_WORKFLOW,
            claim,
            "submit",
            actor=actor,
            changes={
                "submitted_at": now,
                "submitted_by": actor,
                "verification_due_at": now + timedelta(days=verification_sla_days()),
            },
        )
        claim_deadlines_schedule(claim)
    return claim


# --- the officer's side ----------------------------------------------------------------------------
def line_verify(
    *,
    actor: Any,
    line: ClaimLine,
    decision: str,
    accepted_amount: Decimal | str | None = None,
    reason: str = "",
) -> ClaimLine:
    """Accept, reduce or reject one line (rule 32): accepted ≤ claimed; a reduction or rejection
    has a reason. Accepting spends the cost document (rule 31)."""
    require_officer(actor)
    reason = clean_text(reason)
    if decision not in ("accept", "reduce", "reject"):
        raise DomainError("invalid", _("Choose accept, accept in part or reject."), "decision")
    with transaction.atomic():
        agreement = lock_agreement(line.claim.agreement_id)
        line = (
            ClaimLine.objects.select_for_update(of=("self",))
            .select_related("claim__agreement")
            .get(pk=line.pk, claim__agreement=agreement)
        )
        if decision == "accept":
            amount = line.amount
        elif decision == "reject":
            amount = Decimal("0.00")
        else:
            amount = money(accepted_amount, "accepted_amount") if accepted_amount not in (None, "") else None
            if amount is None or not (0 < amount < line.amount):
                raise DomainError(
                    "invalid_amount",
                    _("An amount accepted in part is above zero and below the claimed %(amount)s.")
                    % {"amount": format_roubles(line.amount)},
                    "accepted_amount",
                )
        if decision in ("accept", "reduce"):
            values = {
                name: getattr(line, name)
                for name in ("counterparty_inn", "document_key", "document_date", "amount")
            }
            other = _other_line_with_document(values, exclude_pk=line.pk)
            if other is not None:
                raise duplicate_refusal(actor, other)
        changes = {
            "accepted_amount": amount,
            "decision_reason": reason,
            "verified_by": actor,
            "verified_at": timezone.now(),
        }
        try:
            with transaction.atomic():  # savepoint: the unique index decides a race between officers
                line = perform(LINE_WORKFLOW, line, decision, actor=actor, reason=reason, changes=changes)
        except IntegrityError:
            other = _other_line_with_document(
                {
                    name: getattr(line, name)
                    for name in ("counterparty_inn", "document_key", "document_date", "amount")
                },
                exclude_pk=line.pk,
            )
            if other is None:
                raise
            raise duplicate_refusal(actor, other) from None
    return line


def claim_complete_verification(*, actor: Any, claim: CostClaim) -> CostClaim:
    """Every line is decided: the claim is verified and may be proposed for payout."""
    from trials.deadlines import claim_deadlines_cancel

    require_officer(actor)
    with transaction.atomic():
        agreement = lock_agreement(claim.agreement_id)
        claim = CostClaim.objects.select_for_update().get(pk=claim.pk, agreement=agreement)
        claim = perform(
            CLAIM_WORKFLOW,
            claim,
            "complete_verification",
            actor=actor,
            changes={"verified_at": timezone.now(), "verified_by": actor},
        )
        claim_deadlines_cancel(claim)
    return claim


def claim_flag_verification_late(*, claim: CostClaim) -> CostClaim:
    """The SLA passed with the claim still unverified: flag it once (the due handler calls this)."""
    if claim.verification_overdue_at is None:
        claim.verification_overdue_at = timezone.now()
        claim.save(update_fields=["verification_overdue_at"])
        record_event(
            actor=SYSTEM_ACTOR,
            action="costclaim.verification_late",
            obj=claim,
            after={"verification_overdue_at": claim.verification_overdue_at},
        )
    return claim
