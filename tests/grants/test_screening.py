"""Screening after the close (rule 12) and clarification requests."""

import datetime as dt

import pytest
import time_machine

from audit.models import AuditEvent
from core.errors import DomainError, Forbidden, ValidationFailed
from grants import services
from grants.enums import SCREENING_CHECKLIST
from grants.models import Application, ApplicationVersion, Clarification
from tests.grants.conftest import pdf_upload

pytestmark = pytest.mark.django_db
ALL_TICKED = dict.fromkeys(SCREENING_CHECKLIST, True)


def later(application, days=1):
    return time_machine.travel(application.round.closes_at + dt.timedelta(days=days), tick=False)


@pytest.mark.rule(12)
def test_screening_waits_for_the_close(officer, submitted_application):
    with pytest.raises(DomainError) as exc:
        services.application_screen(
            actor=officer, application=submitted_application, outcome="eligible", checklist=ALL_TICKED
        )
    assert (exc.value.code, exc.value.message) == ("guard_failed", "Screening starts after the round closes.")
    assert Application.objects.get(pk=submitted_application.pk).state == "submitted"


@pytest.mark.rule(12)
def test_ineligible_needs_a_reason_and_records_it(officer, submitted_application):
    with later(submitted_application):
        with pytest.raises(ValidationFailed) as exc:
            services.application_screen(
                actor=officer, application=submitted_application, outcome="ineligible"
            )
        assert exc.value.details == {"reason": ["Give the reason the application is ineligible."]}
        decision = services.application_screen(
            actor=officer,
            application=submitted_application,
            outcome="ineligible",
            reason="The trial is Phase 1; the program covers Phase 3 only.",
        )
    application = Application.objects.get(pk=submitted_application.pk)
    assert application.state == "ineligible"
    assert (decision.outcome, decision.version_number, decision.decided_by) == ("ineligible", 1, officer)
    event = AuditEvent.objects.get(action="application.screen_ineligible")
    assert event.reason == "The trial is Phase 1; the program covers Phase 3 only."


@pytest.mark.rule(12)
def test_eligible_needs_the_checklist_or_a_reason(officer, submitted_application):
    with later(submitted_application):
        with pytest.raises(ValidationFailed) as exc:
            services.application_screen(
                actor=officer,
                application=submitted_application,
                outcome="eligible",
                checklist={"applicant": True},
            )
        assert list(exc.value.details) == ["checklist"]
        decision = services.application_screen(
            actor=officer, application=submitted_application, outcome="eligible", checklist=ALL_TICKED
        )
    assert decision.checklist == ALL_TICKED
    assert Application.objects.get(pk=submitted_application.pk).state == "eligible"


@pytest.mark.rule(12)
def test_screening_twice_is_refused(officer, submitted_application):
    with later(submitted_application):
        services.application_screen(
            actor=officer, application=submitted_application, outcome="eligible", checklist=ALL_TICKED
        )
        with pytest.raises(DomainError) as exc:
            services.application_screen(
                actor=officer,
                application=submitted_application,
                outcome="ineligible",
                reason="changed my mind",
            )
    assert exc.value.code == "invalid_transition"


@pytest.mark.rule(12)
def test_drafts_are_not_screened(officer, complete_application):
    with later(complete_application), pytest.raises(DomainError) as exc:
        services.application_screen(
            actor=officer, application=complete_application, outcome="ineligible", reason="x"
        )
    assert exc.value.code == "invalid_transition"


@pytest.mark.rule(12)
def test_only_officers_screen(auditor, applicant, submitted_application):
    for user in (auditor, applicant):
        with later(submitted_application), pytest.raises(Forbidden):
            services.application_screen(
                actor=user, application=submitted_application, outcome="ineligible", reason="x"
            )


def test_clarification_round_trip_leaves_the_version_frozen(officer, applicant, submitted_application):
    version = submitted_application.versions.get()
    with later(submitted_application):
        due = submitted_application.round.closes_at + dt.timedelta(days=8)
        clarification = services.clarification_request(
            actor=officer, application=submitted_application, question="Send the site contract.", due_at=due
        )
        document = services.document_upload(
            actor=applicant,
            application=submitted_application,
            upload=pdf_upload("contract.pdf"),
            clarification=clarification,
        )
        answered = services.clarification_answer(
            actor=applicant, clarification=clarification, answer="Attached."
        )
    assert (answered.state, answered.answer, answered.answered_by) == ("answered", "Attached.", applicant)
    assert document.kind == "clarification"
    assert ApplicationVersion.objects.get(pk=version.pk).content_sha256 == version.content_sha256
    assert Application.objects.get(pk=submitted_application.pk).current_version == 1


def test_clarification_answer_after_due_is_refused_and_it_expires(officer, applicant, submitted_application):
    now = submitted_application.round.closes_at + dt.timedelta(days=1)
    with time_machine.travel(now, tick=False):
        clarification = services.clarification_request(
            actor=officer,
            application=submitted_application,
            question="Why?",
            due_at=now + dt.timedelta(days=2),
        )
    with time_machine.travel(now + dt.timedelta(days=2), tick=False):
        with pytest.raises(DomainError) as exc:
            services.clarification_answer(actor=applicant, clarification=clarification, answer="Because")
        assert exc.value.message == "The answer was due by the set time; the request has expired."
        assert services.clarifications_expire_due() == 1
        assert services.clarifications_expire_due() == 0  # safe to run twice
    assert Clarification.objects.get(pk=clarification.pk).state == "expired"


def test_clarification_needs_a_question_and_a_future_due_time(officer, submitted_application):
    with pytest.raises(ValidationFailed) as exc:
        services.clarification_request(
            actor=officer, application=submitted_application, question=" ", due_at=dt.datetime(2020, 1, 1)
        )
    assert set(exc.value.details) == {"question", "due_at"}


def test_no_clarification_on_a_draft(officer, complete_application):
    with pytest.raises(DomainError) as exc:
        services.clarification_request(
            actor=officer,
            application=complete_application,
            question="?",
            due_at=complete_application.round.closes_at + dt.timedelta(days=30),
        )
    assert exc.value.code == "not_clarifiable"


def test_another_firm_cannot_answer(officer, other_applicant, submitted_application):
    clarification = services.clarification_request(
        actor=officer,
        application=submitted_application,
        question="?",
        due_at=submitted_application.round.closes_at + dt.timedelta(days=30),
    )
    with pytest.raises(Forbidden):
        services.clarification_answer(actor=other_applicant, clarification=clarification, answer="mine")
