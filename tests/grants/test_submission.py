"""Submission: completeness (rules 7-10), the deadline (rule 6), frozen versions (rule 11)."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.db import DatabaseError, transaction

from audit.models import AuditEvent
from core.errors import Conflict, DomainError, ValidationFailed
from grants import services
from grants.models import Application, ApplicationVersion, Document
from grants.services.submission import content_hash
from tests.grants.conftest import pdf_upload

pytestmark = pytest.mark.django_db


def test_submit_freezes_version_one_with_its_hash(applicant, complete_application):
    version = services.application_submit(actor=applicant, application=complete_application)
    application = Application.objects.get(pk=complete_application.pk)
    assert (application.state, application.current_version) == ("submitted", 1)
    assert application.submitted_at == version.submitted_at
    assert version.number == 1
    assert version.requested_amount == Decimal("1250000.50")
    assert version.snapshot["requested_amount"] == "1250000.50"
    assert version.content_sha256 == content_hash(version.snapshot)
    assert len(version.content_sha256) == 64
    snap = version.snapshot
    assert (snap["title"], snap["icd10_code"], snap["priority_area"]) == (
        "Anti-CD123 antibody",
        "C92.0",
        "oncology",
    )
    assert [line["amount"] for line in snap["budget_lines"]] == ["1000000.50", "250000.00"]
    assert snap["organisation"]["inn"] == applicant.organisation.inn
    assert [d["kind"] for d in snap["documents"]] == ["protocol"]
    event = AuditEvent.objects.get(action="application.submit", object_id=str(application.pk))
    assert event.after["current_version"] == 1


def test_empty_application_lists_every_missing_item_at_once(applicant, open_round):
    application = services.application_create(actor=applicant, round=open_round, title="Just a title")
    with pytest.raises(ValidationFailed) as exc:
        services.application_submit(actor=applicant, application=application)
    assert exc.value.code == "incomplete"
    assert set(exc.value.details) == {
        "drug_name",
        "modality",
        "mechanism",
        "indication",
        "claim_kind",
        "novelty_statement",
        "development_stage",
        "icd10_code",
        "priority_area",
        "trials",
        "requested_amount",
        "documents",
    }
    assert not ApplicationVersion.objects.exists()
    assert Application.objects.get(pk=application.pk).state == "draft"


@pytest.mark.rule(7)
def test_best_in_class_needs_comparator_and_superiority_evidence(applicant, complete_application):
    services.application_update(actor=applicant, application=complete_application, claim_kind="best_in_class")
    with pytest.raises(ValidationFailed) as exc:
        services.application_submit(actor=applicant, application=complete_application)
    assert exc.value.details == {
        "comparator_name": ["Name the comparator (INN) or give its ATC code."],
        "superiority_endpoint": ["Name the endpoint on which superiority was shown."],
        "superiority_result": ["State the superiority result."],
        "superiority_trial": ["Name the trial that showed superiority."],
    }
    services.application_update(
        actor=applicant,
        application=complete_application,
        comparator_atc="l01xc",
        superiority_endpoint="Overall survival",
        superiority_result="HR 0.71 (95% CI 0.58-0.86)",
        superiority_trial="NCT00000001 phase 2",
    )
    version = services.application_submit(actor=applicant, application=complete_application)
    assert version.snapshot["claim_kind"] == "best_in_class"
    assert version.snapshot["comparator_atc"] == "L01XC"


@pytest.mark.rule(7)
def test_a_claim_must_be_chosen(applicant, complete_application):
    services.application_update(actor=applicant, application=complete_application, claim_kind="")
    with pytest.raises(ValidationFailed) as exc:
        services.application_submit(actor=applicant, application=complete_application)
    assert exc.value.details == {"claim_kind": ["Claim either first-in-class or best-in-class."]}
    with pytest.raises(ValidationFailed) as exc:
        services.application_update(actor=applicant, application=complete_application, claim_kind="both")
    assert list(exc.value.details) == ["claim_kind"]


@pytest.mark.rule(9)
def test_missing_icd10_blocks_submission(applicant, complete_application):
    services.application_update(actor=applicant, application=complete_application, icd10_code="")
    with pytest.raises(ValidationFailed) as exc:
        services.application_submit(actor=applicant, application=complete_application)
    assert exc.value.details == {"icd10_code": ["Enter the ICD-10 code of the indication."]}


@pytest.mark.rule(10)
def test_requested_amount_above_the_cap_blocks_submission(applicant, complete_application):
    program = complete_application.round.program
    program.project_cap = "1250000.49"
    program.save(update_fields=["project_cap"])
    with pytest.raises(ValidationFailed) as exc:
        services.application_submit(actor=applicant, application=complete_application)
    assert list(exc.value.details) == ["requested_amount"]
    assert "per-project cap" in exc.value.details["requested_amount"][0]
    program.project_cap = "1250000.50"  # exactly at the cap is within it
    program.save(update_fields=["project_cap"])
    assert services.application_submit(actor=applicant, application=complete_application).number == 1


@pytest.mark.rule(10)
def test_category_removed_from_the_program_blocks_submission(applicant, complete_application):
    line = complete_application.budget_lines.get(category__code="cro")
    complete_application.round.program.cost_categories.remove(line.category)
    with pytest.raises(ValidationFailed) as exc:
        services.application_submit(actor=applicant, application=complete_application)
    assert list(exc.value.details) == [f"budget_lines.{line.pk}.category"]


@pytest.mark.rule(6)
def test_submission_at_the_close_is_refused_and_nothing_saved(applicant, complete_application):
    closes_at = complete_application.round.closes_at
    with time_machine.travel(closes_at, tick=False), pytest.raises(Conflict) as exc:
        services.application_submit(actor=applicant, application=complete_application)
    assert (exc.value.code, exc.value.field) == ("round_closed", "round")
    assert exc.value.message == "The round is closed: submissions are no longer accepted."
    application = Application.objects.get(pk=complete_application.pk)
    assert (application.state, application.current_version, application.submitted_at) == ("draft", 0, None)
    assert not ApplicationVersion.objects.exists()
    assert not AuditEvent.objects.filter(action="application.submit").exists()


@pytest.mark.rule(6)
def test_submission_a_microsecond_before_the_close_is_accepted(applicant, complete_application):
    closes_at = complete_application.round.closes_at
    with time_machine.travel(closes_at - dt.timedelta(microseconds=1), tick=False):
        version = services.application_submit(actor=applicant, application=complete_application)
    assert version.submitted_at < closes_at


@pytest.mark.rule(11)
def test_changes_after_submission_make_version_two(applicant, submitted_application):
    v1 = submitted_application.versions.get()
    services.application_update(
        actor=applicant, application=submitted_application, title="Anti-CD123, new title"
    )
    application = Application.objects.get(pk=submitted_application.pk)
    assert application.state == "submitted"
    assert application.has_unsubmitted_changes
    v2 = services.application_submit(actor=applicant, application=application)
    assert (v2.number, v2.snapshot["title"]) == (2, "Anti-CD123, new title")
    assert v2.content_sha256 != v1.content_sha256
    v1.refresh_from_db()
    assert v1.snapshot["title"] == "Anti-CD123 antibody"  # the frozen version is untouched
    application.refresh_from_db()
    assert (application.current_version, application.has_unsubmitted_changes) == (2, False)


@pytest.mark.rule(11)
def test_a_frozen_version_cannot_be_edited_in_the_database(submitted_application):
    version = submitted_application.versions.get()
    with pytest.raises(DatabaseError), transaction.atomic():
        ApplicationVersion.objects.filter(pk=version.pk).update(snapshot={"title": "forged"})
    with pytest.raises(DatabaseError), transaction.atomic():
        ApplicationVersion.objects.filter(pk=version.pk).delete()


@pytest.mark.rule(11)
def test_withdraw_and_resubmit_before_the_close(applicant, submitted_application):
    services.application_withdraw(actor=applicant, application=submitted_application)
    assert Application.objects.get(pk=submitted_application.pk).state == "withdrawn"
    version = services.application_submit(
        actor=applicant, application=Application.objects.get(pk=submitted_application.pk)
    )
    assert version.number == 2
    assert Application.objects.get(pk=submitted_application.pk).state == "submitted"


@pytest.mark.rule(11)
def test_no_resubmission_after_the_close(applicant, submitted_application):
    services.application_withdraw(actor=applicant, application=submitted_application)
    with (
        time_machine.travel(submitted_application.round.closes_at, tick=False),
        pytest.raises(Conflict) as exc,
    ):
        services.application_submit(
            actor=applicant, application=Application.objects.get(pk=submitted_application.pk)
        )
    assert exc.value.code == "round_closed"
    assert Application.objects.get(pk=submitted_application.pk).current_version == 1


@pytest.mark.rule(11)
def test_withdraw_after_the_close_until_the_decision(applicant, submitted_application):
    with time_machine.travel(submitted_application.round.closes_at + dt.timedelta(days=1), tick=False):
        application = services.application_withdraw(actor=applicant, application=submitted_application)
    assert application.state == "withdrawn"


def test_another_firm_cannot_submit_or_withdraw(other_applicant, complete_application):
    with pytest.raises(DomainError) as exc:
        services.application_submit(actor=other_applicant, application=complete_application)
    assert exc.value.status_code == 403
    services.application_submit(actor=complete_application.created_by, application=complete_application)
    with pytest.raises(DomainError) as exc:
        services.application_withdraw(actor=other_applicant, application=complete_application)
    assert exc.value.status_code == 403


@pytest.mark.rule(11)
def test_submitted_documents_are_kept_when_removed_from_the_working_copy(applicant, submitted_application):
    protocol = submitted_application.documents.get()
    assert protocol.frozen_in_version == 1
    services.document_upload(
        actor=applicant, application=submitted_application, upload=pdf_upload("v2.pdf"), kind="protocol"
    )
    services.document_delete(actor=applicant, document=protocol)
    protocol.refresh_from_db()
    assert protocol.removed_at is not None
    assert protocol.file.storage.exists(protocol.file.name)
    v2 = services.application_submit(
        actor=applicant, application=Application.objects.get(pk=submitted_application.pk)
    )
    assert [d["name"] for d in v2.snapshot["documents"]] == ["v2.pdf"]
    assert [d["name"] for d in submitted_application.versions.get(number=1).snapshot["documents"]] == [
        "protocol.pdf"
    ]


def test_a_never_submitted_document_is_deleted_with_its_file(
    applicant, complete_application, django_capture_on_commit_callbacks
):
    extra = services.document_upload(
        actor=applicant, application=complete_application, upload=pdf_upload("x.pdf")
    )
    name = extra.file.name
    with django_capture_on_commit_callbacks(execute=True):
        services.document_delete(actor=applicant, document=extra)
    assert not Document.objects.filter(pk=extra.pk).exists()
    assert not extra.file.storage.exists(name)


@pytest.mark.rule(11)
def test_submitting_unchanged_content_again_is_refused(applicant, submitted_application):
    with pytest.raises(Conflict) as exc:
        services.application_submit(actor=applicant, application=submitted_application)
    assert exc.value.code == "already_submitted"
    assert submitted_application.versions.count() == 1
