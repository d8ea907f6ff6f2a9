"""Submission, resubmission and withdrawal (rules 6-11).

`application_submit` checks the deadline by the server's clock inside the transaction, lists every
missing item at once, and freezes version n+1: a canonical JSON snapshot with its SHA-256.
"""

from __future__ import annotations

import hashlib
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.hashing import canonical_json, normalise
from core.errors import Conflict, ValidationFailed
from core.money import format_roubles
from core.workflow import perform
from grants import validators as v
from grants.enums import ApplicationState, ClaimKind, DocumentKind, RoundState
from grants.models import Application, ApplicationVersion, BudgetLine, CoveredTrial, Document
from grants.policy import require_applicant_of
from grants.services._common import Problems, lock_application, round_closed
from grants.services.trials import TRIAL_FIELDS, trial_problems
from grants.workflow import APPLICATION_WORKFLOW

REQUIRED_TEXT = {
    "title": _("Enter the project title."),
    "drug_name": _("Name the drug candidate."),
    "modality": _("Choose the modality."),
    "mechanism": _("Describe the mechanism of action or the target."),
    "indication": _("Describe the indication."),
    "claim_kind": _("Claim either first-in-class or best-in-class."),
    "novelty_statement": _("Explain why the drug is first or best in its class."),
    "development_stage": _("Choose the development stage."),
}
BEST_IN_CLASS_REQUIRED = {
    "superiority_endpoint": _("Name the endpoint on which superiority was shown."),
    "superiority_result": _("State the superiority result."),
    "superiority_trial": _("Name the trial that showed superiority."),
}


def application_problems(application: Application) -> dict[str, list[str]]:
    """Every reason the application cannot be submitted yet, field -> messages (empty when complete)."""
    problems = Problems()
    round_ = application.round
    program = round_.program
    for field, message in REQUIRED_TEXT.items():
        if not getattr(application, field):
            problems.add(field, message)
    # Rule 9: a valid ICD-10 code; the ATC code optional but well-formed.
    if message := v.check_icd10(application.icd10_code):
        problems.add("icd10_code", message)
    if application.atc_code and (message := v.check_atc(application.atc_code)):
        problems.add("atc_code", message)
    if application.priority_area_id is None:
        problems.add("priority_area", _("Choose the priority area."))
    elif not round_.area_links.filter(area_id=application.priority_area_id).exists():
        problems.add("priority_area", _("This priority area is not admitted in the round."))
    # Rule 7: best-in-class needs a named comparator and the superiority evidence.
    if application.claim_kind == ClaimKind.BEST_IN_CLASS:
        if not application.comparator_name and not application.comparator_atc:
            problems.add("comparator_name", _("Name the comparator (INN) or give its ATC code."))
        if application.comparator_atc and (message := v.check_atc(application.comparator_atc)):
            problems.add("comparator_atc", message)
        for field, message in BEST_IN_CLASS_REQUIRED.items():
            if not getattr(application, field):
                problems.add(field, message)
    # Rule 8: every covered trial identified.
    trials = list(application.trials.all())
    if not trials:
        problems.add("trials", _("List at least one clinical trial whose costs are to be compensated."))
    for trial in trials:
        trial_problems({n: getattr(trial, n) for n in TRIAL_FIELDS}, problems, prefix=f"trials.{trial.pk}.")
    # Rule 10: eligible lines, sum above zero and within the program's cap.
    lines = list(application.budget_lines.select_related("category"))
    eligible = set(program.cost_categories.values_list("pk", flat=True))
    for line in lines:
        if not line.category.is_eligible or line.category_id not in eligible:
            problems.add(
                f"budget_lines.{line.pk}.category", _("This cost category is not eligible under the program.")
            )
    requested = sum((line.amount for line in lines), Decimal("0.00"))
    if requested <= 0:
        problems.add("requested_amount", _("Add budget lines: the requested amount must be above zero."))
    elif requested > program.project_cap:
        problems.add(
            "requested_amount",
            _("The requested amount exceeds the program's per-project cap of %(cap)s.")
            % {"cap": format_roubles(program.project_cap)},
        )
    if not application.documents.filter(removed_at__isnull=True, kind=DocumentKind.PROTOCOL).exists():
        problems.add("documents", _("Attach the trial protocol."))
    organisation = application.organisation
    if organisation.is_individual_entrepreneur and not program.admits_individual_entrepreneurs:
        problems.add("organisation", _("This program does not admit individual entrepreneurs."))
    return dict(problems.details)


def application_snapshot(application: Application, number: int) -> dict:
    """The whole application as plain JSON: what the ministry assesses for this version."""
    org = application.organisation
    fields = [
        "title", "drug_name", "modality", "mechanism", "indication", "icd10_code", "atc_code", "claim_kind",
        "novelty_statement", "comparator_name", "comparator_atc", "superiority_endpoint", "superiority_result",
        "superiority_trial", "development_stage",
    ]  # fmt: skip
    lines = BudgetLine.objects.filter(application=application).select_related("category").order_by("id")
    trials = CoveredTrial.objects.filter(application=application).order_by("id")
    documents = Document.objects.filter(application=application, removed_at__isnull=True, clarification=None)
    snapshot = {
        "version": number,
        "application": application.pk,
        "round": {"id": application.round_id, "title": application.round.title},
        "organisation": {"id": org.pk, "name": org.name, "inn": org.inn, "ogrn": org.ogrn, "kpp": org.kpp},
        **{name: getattr(application, name) for name in fields},
        "priority_area": application.priority_area.code if application.priority_area_id else "",
        "trials": [{"id": t.pk, **{n: getattr(t, n) for n in TRIAL_FIELDS}} for t in trials],
        "budget_lines": [
            {
                "id": line.pk,
                "category": line.category.code,
                "description": line.description,
                "amount": line.amount,
            }
            for line in lines
        ],
        "requested_amount": sum((line.amount for line in lines), Decimal("0.00")),
        "documents": [
            {"id": d.pk, "kind": d.kind, "name": d.original_name, "size": d.size, "sha256": d.sha256}
            for d in documents.order_by("id")
        ],
    }
    return normalise(snapshot)


def content_hash(snapshot: dict) -> str:
    return hashlib.sha256(canonical_json(snapshot).encode("utf-8")).hexdigest()


def application_submit(*, actor: Any, application: Application) -> ApplicationVersion:
    """Submit (or resubmit) the application and freeze version n+1.

    Refused with `round_closed` at or after the round's close by the server's clock, read inside the
    transaction after the row lock (rule 6), and with `incomplete` listing every missing item in
    `details` (rules 7-10). Either way nothing is saved.
    """
    with transaction.atomic():
        application = lock_application(application)
        require_applicant_of(actor, application)
        now = timezone.now()
        if application.round.state != RoundState.OPEN or now >= application.round.closes_at:
            raise round_closed()
        action = "submit" if application.state == ApplicationState.DRAFT else "resubmit"
        if application.state == ApplicationState.SUBMITTED and not application.has_unsubmitted_changes:
            # A double click, or a resubmission of the same content: the latest version already counts.
            raise Conflict(
                "already_submitted",
                _("This version is already submitted; change something before submitting again."),
            )
        if APPLICATION_WORKFLOW.transition(application.state, action) is None:
            raise APPLICATION_WORKFLOW.invalid_transition(application.state, action)
        problems = application_problems(application)
        if problems:
            first = next(iter(problems))
            raise ValidationFailed(
                "incomplete",
                _("The application is not complete: %(n)s item(s) need attention.") % {"n": len(problems)},
                first,
                details=problems,
            )
        number = application.current_version + 1
        snapshot = application_snapshot(application, number)
        version = ApplicationVersion.objects.create(
            application=application,
            number=number,
            snapshot=snapshot,
            content_sha256=content_hash(snapshot),
            requested_amount=Decimal(snapshot["requested_amount"]),
            submitted_at=now,
            submitted_by=actor,
        )
        Document.objects.filter(
            application=application,
            removed_at__isnull=True,
            clarification=None,
            frozen_in_version__isnull=True,
        ).update(frozen_in_version=number)
        perform(
            APPLICATION_WORKFLOW,
            application,
            action,
            actor=actor,
            data={"now": now},  # the guard judges the same instant as the check above
            changes={"current_version": number, "submitted_at": now, "has_unsubmitted_changes": False},
        )
    return version


def application_withdraw(*, actor: Any, application: Application, reason: str = "") -> Application:
    """Withdraw before the decision. Before the close the firm may submit again (rule 11)."""
    with transaction.atomic():
        application = lock_application(application)
        return perform(APPLICATION_WORKFLOW, application, "withdraw", actor=actor, reason=reason)
