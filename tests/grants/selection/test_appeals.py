"""Appeals (rule 26): within the window, on procedural grounds, with text and files; upheld -> the
application goes to new reviewers and is decided again; dismissed with a reason; after the window
refused with a clear message; another firm never sees or files one."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from audit.models import AuditEvent
from core.errors import DomainError
from deadlines.models import Notification
from grants.models import Appeal, Application, FundingDecision, RoundSelection, SelectionDocument
from grants.services.appeals import appeal_decide, appeal_submit
from grants.services.decisions import (
    DecisionInput,
    decision_record,
    decisions_record,
    minutes_upload,
    selection_publish,
)
from grants.services.selection import selection_run
from tests.grants.selection.builders import pdf


@pytest.fixture
def published(officer, three_apps, book):
    """Alpha and Beta selected, Gamma rejected (with a reason), results published."""
    round_, apps = three_apps
    for app, value in zip(apps, (4.5, 4.4, 4.3), strict=True):
        book.add(app, value, value, value)
    selection_run(actor=officer, round=round_)
    decisions_record(
        actor=officer,
        round=round_,
        decisions=[
            DecisionInput(apps[0].pk, "selected"),
            DecisionInput(apps[1].pk, "selected"),
            DecisionInput(apps[2].pk, "rejected", reason="Feasibility doubts raised in the meeting."),
        ],
    )
    minutes_upload(actor=officer, round=round_, upload=pdf())
    selection_publish(actor=officer, round=round_)
    return round_, apps


def appeal(application, **values):
    return appeal_submit(
        actor=application.created_by,
        application=application,
        grounds=values.get("grounds", "conflict_of_interest"),
        text=values.get("text", "Reviewer 2 consults for our competitor."),
        files=values.get("files", [pdf("evidence.pdf")]),
    )


@pytest.mark.rule(26)
def test_appeal_within_the_window_with_files(officer, published):
    _round, (_alpha, _beta, gamma) = published
    filed = appeal(gamma)
    assert (filed.state, filed.grounds) == ("submitted", "conflict_of_interest")
    assert [d.original_name for d in filed.documents.all()] == ["evidence.pdf"]
    assert AuditEvent.objects.filter(action="appeal.submit", object_id=str(filed.pk)).exists()
    assert Notification.objects.filter(kind="appeal.submitted", recipient=officer).exists()
    with pytest.raises(DomainError) as refused:
        appeal(gamma)
    assert refused.value.code == "appeal_open"


@pytest.mark.rule(26)
def test_upheld_appeal_sends_the_application_to_new_reviewers(officer, published, upheld_calls):
    round_, (_alpha, _beta, gamma) = published
    filed = appeal(gamma)
    decided = appeal_decide(actor=officer, appeal=filed, uphold=True, reason="The conflict was not declared.")
    assert (decided.state, decided.decision_reason) == ("upheld", "The conflict was not declared.")
    assert Application.objects.get(pk=gamma.pk).state == "under_review"
    decision = FundingDecision.objects.get(application=gamma)
    assert decision.reopened_at is not None
    assert [(call["application"].pk, call["appeal"].pk, call["actor"]) for call in upheld_calls] == [
        (gamma.pk, filed.pk, officer)
    ]
    assert AuditEvent.objects.get(action="application.return_to_review", object_id=str(gamma.pk)).reason == (
        "The conflict was not declared."
    )
    assert Notification.objects.filter(kind="appeal.decided", recipient=gamma.created_by).exists()
    # New reviews in, the committee decides again; the new result is published at once.
    again = decision_record(
        actor=officer, application=gamma, outcome="reserve", reason="Re-reviewed after the upheld appeal."
    )
    assert (again.outcome, again.reopened_at) == ("reserve", None)
    assert again.published_at > decision.published_at
    assert Application.objects.get(pk=gamma.pk).state == "reserve"
    assert RoundSelection.objects.get(round=round_).committed == Decimal("8000000.00")


@pytest.mark.rule(26)
def test_dismissed_appeal_keeps_the_result(officer, published, upheld_calls):
    _round, (_alpha, _beta, gamma) = published
    filed = appeal(gamma, grounds="procedure", text="The meeting lacked a quorum.", files=[])
    with pytest.raises(DomainError) as refused:
        appeal_decide(actor=officer, appeal=filed, uphold=False, reason="  ")
    assert refused.value.field == "reason"
    decided = appeal_decide(
        actor=officer, appeal=filed, uphold=False, reason="Quorum was present (minutes, p. 1)."
    )
    assert decided.state == "dismissed"
    assert Application.objects.get(pk=gamma.pk).state == "rejected"
    assert upheld_calls == []
    with pytest.raises(DomainError) as refused:
        appeal_decide(actor=officer, appeal=decided, uphold=True, reason="Changed our mind.")
    assert refused.value.code == "invalid_transition"


@pytest.mark.rule(26)
def test_after_the_window_appeals_are_refused_with_a_clear_message(published):
    round_, (_alpha, _beta, gamma) = published
    ends = RoundSelection.objects.get(round=round_).appeal_window_ends_at
    with time_machine.travel(ends, tick=False), pytest.raises(DomainError) as refused:
        appeal(gamma)
    assert refused.value.code == "appeal_window_closed"
    assert refused.value.status_code == 409
    assert "The appeal window closed on" in refused.value.message
    assert "appeals are no longer accepted" in refused.value.message
    assert not Appeal.objects.exists() and not SelectionDocument.objects.filter(kind="appeal").exists()
    with time_machine.travel(ends - dt.timedelta(seconds=1), tick=False):
        assert appeal(gamma).state == "submitted"


@pytest.mark.rule(26)
def test_only_procedural_grounds_and_a_statement(published):
    _round, (_alpha, _beta, gamma) = published
    with pytest.raises(DomainError) as refused:
        appeal(gamma, grounds="merits", text="")
    assert set(refused.value.details) == {"grounds", "text"}


def test_a_selected_application_has_nothing_to_appeal(published):
    _round, (alpha, _beta, _gamma) = published
    with pytest.raises(DomainError) as refused:
        appeal(alpha)
    assert refused.value.code == "not_appealable"


def test_no_appeal_before_publication(officer, three_apps, book):
    round_, apps = three_apps
    for app in apps:
        book.add(app, 4, 4, 4)
    selection_run(actor=officer, round=round_)
    decision_record(actor=officer, application=apps[2], outcome="rejected", reason="Not convincing.")
    with pytest.raises(DomainError) as refused:
        appeal(apps[2])
    assert refused.value.code == "no_published_result"


def test_another_firm_cannot_appeal(published, other_applicant):
    _round, (_alpha, _beta, gamma) = published
    with pytest.raises(DomainError) as refused:
        appeal_submit(actor=other_applicant, application=gamma, grounds="procedure", text="Not ours.")
    assert refused.value.status_code == 403
    assert not Appeal.objects.exists()


def test_appeal_files_pass_the_upload_checks_and_nothing_is_left(published, private_media):
    _round, (_alpha, _beta, gamma) = published
    bad = SimpleUploadedFile("evidence.pdf", b"#!/bin/sh\necho hi\n")
    with pytest.raises(DomainError) as refused:
        appeal(gamma, files=[pdf("fine.pdf"), bad])
    assert refused.value.code == "file_type_not_allowed"
    assert not Appeal.objects.exists()
    # The good file stored before the bad one was refused is removed with the rolled-back appeal.
    files = [p for p in (private_media / "grants" / "selection").rglob("*") if p.is_file()]
    assert len(files) == SelectionDocument.objects.count() == 1  # the minutes only
