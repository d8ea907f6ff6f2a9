"""Evidence files: upload (checked by the grants upload checks: size, sniffed type) and deletion,
which rule 38 refuses while a file backs an accepted line or a decision."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from django.core.files import File
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from audit.services import record_event
from core.errors import Conflict, DomainError, Forbidden
from grants.services.documents import checked_upload
from trials.enums import (
    ACCEPTED_LINE_STATES,
    COST_EVIDENCE_KINDS,
    DECISION_EVIDENCE_KINDS,
    REPORT_EVIDENCE_KINDS,
    AgreementState,
    ClaimState,
    EvidenceKind,
    OutcomeState,
    ReportState,
)
from trials.models import Agreement, ClaimLine, EvidenceFile, OutcomeReport, ProgressReport, SuccessDecision
from trials.policy import is_firm_member_of, is_officer, require_firm_member, require_officer
from trials.services._common import lock_agreement


def _wrong_kind() -> DomainError:
    return DomainError("invalid", _("This kind of document does not belong here."), "kind")


def _check_target(
    actor: Any,
    agreement: Agreement,
    kind: str,
    line: ClaimLine | None,
    progress_report: ProgressReport | None,
    outcome_report: OutcomeReport | None,
) -> None:
    if line is not None:
        require_firm_member(actor, agreement)
        if line.claim.agreement_id != agreement.pk or kind not in COST_EVIDENCE_KINDS:
            raise _wrong_kind()
        if line.claim.state != ClaimState.DRAFT:
            raise Conflict("claim_not_draft", _("Files are added while the claim is a draft."), "file")
    elif progress_report is not None:
        require_firm_member(actor, agreement)
        if progress_report.agreement_id != agreement.pk or kind not in REPORT_EVIDENCE_KINDS:
            raise _wrong_kind()
        if progress_report.state != ReportState.DUE:
            raise Conflict("report_submitted", _("The report is submitted; its files are kept."), "file")
    elif outcome_report is not None:
        require_firm_member(actor, agreement)
        if outcome_report.agreement_id != agreement.pk or kind not in REPORT_EVIDENCE_KINDS:
            raise _wrong_kind()
        if outcome_report.state != OutcomeState.DRAFT:
            raise Conflict("report_submitted", _("The report is submitted; its files are kept."), "file")
    else:
        # The officer's success evidence, before the decision is recorded.
        require_officer(actor)
        if kind not in DECISION_EVIDENCE_KINDS:
            raise _wrong_kind()
        if agreement.state != AgreementState.ACTIVE:
            raise Conflict(
                "not_active", _("Success evidence is added while the agreement is active."), "file"
            )


def evidence_upload(
    *,
    actor: Any,
    agreement: Agreement,
    upload: Any,
    kind: str,
    line: ClaimLine | None = None,
    progress_report: ProgressReport | None = None,
    outcome_report: OutcomeReport | None = None,
) -> EvidenceFile:
    """Store one file backing a claim line, a report, or (officers) the success decision to come."""
    if kind not in EvidenceKind.values:
        raise DomainError("invalid", _("Choose the kind of document."), "kind")
    if sum(x is not None for x in (line, progress_report, outcome_report)) > 1:
        raise TypeError("A file backs one thing.")
    stored_name = ""
    with checked_upload(upload) as checked:
        try:
            with transaction.atomic():
                agreement = lock_agreement(agreement)
                if line is not None:
                    line = ClaimLine.objects.select_related("claim").get(pk=line.pk)
                if progress_report is not None:
                    progress_report = ProgressReport.objects.get(pk=progress_report.pk)
                if outcome_report is not None:
                    outcome_report = OutcomeReport.objects.get(pk=outcome_report.pk)
                _check_target(actor, agreement, kind, line, progress_report, outcome_report)
                evidence = EvidenceFile(
                    agreement=agreement,
                    kind=kind,
                    line=line,
                    progress_report=progress_report,
                    outcome_report=outcome_report,
                    storage_key=uuid.uuid4().hex + Path(checked.original_name).suffix.lower(),
                    original_name=checked.original_name,
                    size=checked.size,
                    sha256=checked.sha256,
                    content_type=checked.content_type,
                    uploaded_by=actor,
                )
                with checked.path.open("rb") as handle:
                    evidence.file.save(evidence.storage_key, File(handle), save=False)
                stored_name = evidence.file.name
                evidence.save(force_insert=True)
                record_event(
                    actor=actor,
                    action="evidence.upload",
                    obj=evidence,
                    after={
                        "agreement": agreement.pk,
                        "kind": kind,
                        "line": line.pk if line else None,
                        "progress_report": progress_report.pk if progress_report else None,
                        "outcome_report": outcome_report.pk if outcome_report else None,
                        "sha256": checked.sha256,
                        "size": checked.size,
                    },
                )
        except BaseException:
            if stored_name:
                EvidenceFile.file.field.storage.delete(stored_name)
            raise
    return evidence


def evidence_protection(evidence: EvidenceFile) -> str | None:
    """Rule 38: why this file may never be deleted, or None."""
    if (
        evidence.line_id
        and ClaimLine.objects.filter(pk=evidence.line_id, state__in=ACCEPTED_LINE_STATES).exists()
    ):
        return str(_("This file backs an accepted cost line and is kept as evidence."))
    referenced = SuccessDecision.objects.filter(
        Q(authorisation_document=evidence) | Q(endpoint_document=evidence) | Q(expert_opinion=evidence)
    )
    if referenced.exists():
        return str(_("This file backs the success decision and is kept as evidence."))
    return None


def evidence_delete(*, actor: Any, evidence: EvidenceFile) -> None:
    """Remove a file that backs nothing decided yet: from a draft claim or an unsubmitted report."""
    with transaction.atomic():
        agreement = lock_agreement(evidence.agreement_id)
        evidence = EvidenceFile.objects.select_related(
            "line__claim", "progress_report", "outcome_report"
        ).get(pk=evidence.pk, agreement=agreement)
        protected = evidence_protection(evidence)
        if protected:
            raise Conflict("evidence_protected", protected, "file")
        if evidence.line_id or evidence.progress_report_id or evidence.outcome_report_id:
            if not is_firm_member_of(actor, agreement):
                raise Forbidden("role_not_allowed", _("Only the firm that holds the agreement may do this."))
            editable = (
                (evidence.line_id and evidence.line.claim.state == ClaimState.DRAFT)
                or (evidence.progress_report_id and evidence.progress_report.state == ReportState.DUE)
                or (evidence.outcome_report_id and evidence.outcome_report.state == OutcomeState.DRAFT)
            )
            if not editable:
                raise Conflict("evidence_frozen", _("The file was submitted and is kept."), "file")
        elif not is_officer(actor):
            raise Forbidden("role_not_allowed", _("Only a program officer may do this."))
        name = evidence.file.name
        before = {"kind": evidence.kind, "sha256": evidence.sha256, "line": evidence.line_id}
        pk = evidence.pk
        evidence.delete()
        record_event(
            actor=actor,
            action="evidence.delete",
            object_type="trials.evidencefile",
            object_id=pk,
            before=before,
        )
        transaction.on_commit(lambda: EvidenceFile.file.field.storage.delete(name))
