"""Rule 38: evidence files are never deleted while they back an accepted line or a decision; uploads
pass the same content checks as application documents."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError, IntegrityError, connection, transaction

from core.errors import Conflict, DomainError, Forbidden
from tests.trials.conftest import add_line, pdf
from trials import services
from trials.models import EvidenceFile, SuccessDecision

pytestmark = pytest.mark.django_db


def stored(evidence) -> bool:
    return evidence.file.storage.exists(evidence.file.name)


@pytest.mark.rule(38)
def test_files_of_an_accepted_line_are_kept(applicant, officer, successful_agreement):
    claim = services.claim_create(actor=applicant, agreement=successful_agreement)
    line = add_line(applicant, claim)
    contract = line.evidence.get(kind="contract")
    services.claim_submit(actor=applicant, claim=claim)
    services.line_verify(actor=officer, line=line, decision="accept")
    for user in (applicant, officer):
        with pytest.raises(Conflict) as refused:
            services.evidence_delete(actor=user, evidence=contract)
        assert refused.value.message == "This file backs an accepted cost line and is kept as evidence."
    with (
        pytest.raises(DatabaseError, match="backs an accepted cost line"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM trials_evidencefile WHERE id = %s", [contract.pk])
    assert EvidenceFile.objects.filter(pk=contract.pk).exists() and stored(contract)


@pytest.mark.rule(38)
def test_files_of_the_success_decision_are_kept(officer, successful_agreement):
    decision = SuccessDecision.objects.get(agreement=successful_agreement)
    opinion = decision.expert_opinion
    with pytest.raises(Conflict) as refused:
        services.evidence_delete(actor=officer, evidence=opinion)
    assert refused.value.message == "This file backs the success decision and is kept as evidence."
    with pytest.raises((DatabaseError, IntegrityError)), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM trials_evidencefile WHERE id = %s", [opinion.pk])
    assert stored(opinion)


@pytest.mark.rule(38)
def test_a_file_of_a_draft_line_may_go(applicant, other_applicant, successful_agreement):
    claim = services.claim_create(actor=applicant, agreement=successful_agreement)
    line = add_line(applicant, claim)
    contract = line.evidence.get(kind="contract")
    with pytest.raises(Forbidden):
        services.evidence_delete(actor=other_applicant, evidence=contract)
    services.evidence_delete(actor=applicant, evidence=contract)
    assert not EvidenceFile.objects.filter(pk=contract.pk).exists()
    # A submitted claim's files are frozen even before they are accepted.
    services.evidence_upload(
        actor=applicant, agreement=successful_agreement, upload=pdf(), kind="contract", line=line
    )
    services.claim_submit(actor=applicant, claim=claim)
    with pytest.raises(Conflict) as refused:
        services.evidence_delete(actor=applicant, evidence=line.evidence.first())
    assert refused.value.code == "evidence_frozen"


@pytest.mark.rule(38)
def test_a_rejected_line_does_not_protect_its_files_from_the_rule_but_the_claim_does(
    applicant, officer, successful_agreement
):
    claim = services.claim_create(actor=applicant, agreement=successful_agreement)
    line = add_line(applicant, claim)
    services.claim_submit(actor=applicant, claim=claim)
    services.line_verify(actor=officer, line=line, decision="reject", reason="Not ours")
    with pytest.raises(Conflict) as refused:
        services.evidence_delete(actor=applicant, evidence=line.evidence.first())
    assert refused.value.code == "evidence_frozen"  # kept with the submitted claim all the same


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("contract.pdf", b"MZ\x90\x00 not a pdf at all", "file_type_not_allowed"),
        ("contract.docx", b"%PDF-1.4\n%%EOF\n", "file_extension_mismatch"),
        ("empty.pdf", b"", "file_empty"),
    ],
)
def test_uploads_pass_the_content_checks(applicant, successful_agreement, name, content, code):
    claim = services.claim_create(actor=applicant, agreement=successful_agreement)
    line = add_line(applicant, claim, evidence=False)
    with pytest.raises(DomainError) as refused:
        services.evidence_upload(
            actor=applicant,
            agreement=successful_agreement,
            upload=SimpleUploadedFile(name, content),
            kind="contract",
            line=line,
        )
    assert (refused.value.code, refused.value.field) == (code, "file")
    assert not EvidenceFile.objects.exists() or not line.evidence.exists()


def test_who_uploads_what(applicant, officer, other_applicant, auditor, active_agreement):
    with pytest.raises(Forbidden):  # success evidence is the officer's
        services.evidence_upload(
            actor=applicant, agreement=active_agreement, upload=pdf(), kind="expert_opinion"
        )
    with pytest.raises(Forbidden):
        services.evidence_upload(
            actor=auditor, agreement=active_agreement, upload=pdf(), kind="expert_opinion"
        )
    with pytest.raises(DomainError) as refused:
        services.evidence_upload(actor=officer, agreement=active_agreement, upload=pdf(), kind="contract")
    assert refused.value.field == "kind"
    report = active_agreement.progress_reports.get()
    with pytest.raises(Forbidden):
        services.evidence_upload(
            actor=other_applicant,
            agreement=active_agreement,
            upload=pdf(),
            kind="progress_report",
            progress_report=report,
        )
