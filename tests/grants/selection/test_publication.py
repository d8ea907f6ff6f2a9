"""Publication: the round moves to published, decisions get their time, every firm is told, the appeal
window starts as a deadline; firms then see their result and anonymised comments, never before."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from accounts.models import User
from core.errors import DomainError
from deadlines.models import Deadline, Notification
from deadlines.sweeper import sweep
from grants.models import FundingDecision, Round, RoundSelection
from grants.services import round_transition
from grants.services.decisions import DecisionInput, decisions_record, minutes_upload, selection_publish
from grants.services.selection import selection_run
from tests.grants.selection.builders import pdf, signed_in, text_of


@pytest.fixture
def decided(officer, three_apps, book):
    """Alpha and Beta selected, Gamma on the reserve list; minutes not yet attached."""
    round_, apps = three_apps
    for app, value in zip(apps, (4.5, 4.4, 4.3), strict=True):
        book.add(app, value, value, value, comment=f"Comment on {app.title}")
    selection_run(actor=officer, round=round_)
    decisions_record(
        actor=officer,
        round=round_,
        decisions=[DecisionInput(apps[0].pk, "selected"), DecisionInput(apps[1].pk, "selected"),
                   DecisionInput(apps[2].pk, "reserve")],
    )  # fmt: skip
    return round_, apps


def test_publication_needs_every_decision_and_the_minutes(officer, three_apps, book):
    round_, apps = three_apps
    for app in apps:
        book.add(app, 4, 4, 4)
    selection_run(actor=officer, round=round_)
    decisions_record(actor=officer, round=round_, decisions=[DecisionInput(apps[0].pk, "selected")])
    with pytest.raises(DomainError) as refused:
        selection_publish(actor=officer, round=round_)
    assert refused.value.code == "undecided"
    assert refused.value.details["applications"] == [apps[1].pk, apps[2].pk]
    decisions_record(
        actor=officer,
        round=round_,
        decisions=[DecisionInput(apps[1].pk, "selected"), DecisionInput(apps[2].pk, "reserve")],
    )
    with pytest.raises(DomainError) as refused:
        selection_publish(actor=officer, round=round_)
    assert refused.value.code == "minutes_required"
    # The round's bare "publish" action is refused with the reason: publication goes through selection.
    minutes_upload(actor=officer, round=round_, upload=pdf())
    with pytest.raises(DomainError) as refused:
        round_transition(actor=officer, round=Round.objects.get(pk=round_.pk), action="publish")
    assert "selection page" in refused.value.message
    assert Round.objects.get(pk=round_.pk).state == "selection"


def test_minutes_pass_the_upload_checks(officer, decided):
    round_, _apps = decided
    from django.core.files.uploadedfile import SimpleUploadedFile

    with pytest.raises(DomainError) as refused:
        minutes_upload(
            actor=officer, round=round_, upload=SimpleUploadedFile("minutes.pdf", b"MZ\x90\x00binary")
        )
    assert refused.value.code == "file_type_not_allowed"
    assert RoundSelection.objects.get(round=round_).minutes is None


@pytest.mark.rule(26)
def test_publication_tells_every_firm_and_starts_the_appeal_window(officer, decided, applicant):
    round_, (alpha, beta, gamma) = decided
    User.objects.update(language="en")  # notices are written in each recipient's language
    minutes_upload(actor=officer, round=round_, upload=pdf())
    published = selection_publish(actor=officer, round=round_)
    assert published.state == "published"
    ledger = RoundSelection.objects.get(round=round_)
    assert ledger.appeal_window_ends_at - ledger.published_at == dt.timedelta(days=30)
    assert set(FundingDecision.objects.values_list("published_at", flat=True)) == {ledger.published_at}
    # One notice per person of each firm, with the firm's own result.
    notices = {n.recipient.organisation_id: n for n in Notification.objects.filter(kind="selection.result")}
    assert set(notices) == {alpha.organisation_id, beta.organisation_id, gamma.organisation_id}
    assert "was selected; the approved amount is 4" in notices[alpha.organisation_id].body
    assert "is on the reserve list" in notices[gamma.organisation_id].body
    assert notices[gamma.organisation_id].url == reverse("grants:selection_result", args=[gamma.pk])
    # The window's end is a deadline; when it falls due the officers hear how many appeals wait.
    deadline = Deadline.objects.get(kind="selection.appeal_window")
    assert deadline.due_at == ledger.appeal_window_ends_at
    with time_machine.travel(ledger.appeal_window_ends_at + dt.timedelta(seconds=1)):
        sweep()
        sweep()  # a second sweep adds nothing
    closed = Notification.objects.filter(kind="selection.appeal_window_closed")
    assert [n.recipient for n in closed] == [officer]
    assert "0 appeals await a decision" in closed[0].body


def test_publication_refused_twice(officer, decided):
    round_, _apps = decided
    minutes_upload(actor=officer, round=round_, upload=pdf())
    selection_publish(actor=officer, round=round_)
    with pytest.raises(DomainError) as refused:
        selection_publish(actor=officer, round=Round.objects.get(pk=round_.pk))
    assert refused.value.code == "not_in_selection"
    with pytest.raises(DomainError) as refused:
        decisions_record(
            actor=officer, round=round_, decisions=[DecisionInput(decided[1][2].pk, "selected", reason="x")]
        )
    assert refused.value.code == "decision_published"


def test_firm_sees_result_and_anonymous_comments_only_after_publication(officer, decided):
    round_, (_alpha, beta, gamma) = decided
    client = signed_in(gamma.created_by)
    url = reverse("grants:selection_result", args=[gamma.pk])
    assert client.get(url).status_code == 404  # decided but not published: nothing to see
    minutes_upload(actor=officer, round=round_, upload=pdf())
    selection_publish(actor=officer, round=round_)
    page = client.get(url)
    text = text_of(page)
    assert page.status_code == 200
    assert "Reserve list" in text
    # Three reviews, each with its overall comment and one comment per criterion of the rubric.
    assert text.count("Comment on Gamma") == 3 * (1 + 5)
    assert "Reviewer 1" in text and "Reviewer 3" in text and "Reviewer 4" not in text
    assert "Novelty of the first/best-in-class claim" in text  # criteria by name, not code
    assert "Comment on Alpha" not in text
    # Reviewer identities never appear: the provider's ids are not shown.
    assert "1000" not in text
    # Firm B never sees firm A's result.
    client = signed_in(beta.created_by)
    assert client.get(url).status_code == 404
    listing = text_of(client.get(reverse("grants:selection_results")))
    assert "Gamma" not in listing and "Beta" in listing


def test_selected_amount_shown_to_the_firm(officer, decided):
    round_, (alpha, _beta, _gamma) = decided
    minutes_upload(actor=officer, round=round_, upload=pdf())
    selection_publish(actor=officer, round=round_)
    client = signed_in(alpha.created_by)
    text = text_of(client.get(reverse("grants:selection_result", args=[alpha.pk])))
    assert "4 000 000,00" in text
    assert "A selected application has no result to appeal." in text
    assert Decimal("4000000.00") == FundingDecision.objects.get(application=alpha).approved_amount
