"""Rule 27: an agreement only for a selected application, cap ≤ the selected amount, commitments
within the round's budget (also under concurrent signings), closing releases what was not paid."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.db import connection

from core.errors import Conflict, DomainError, Forbidden
from grants.models import FundingDecision
from tests import factories
from tests.trials.conftest import CAP, make_selected, make_selected_many, sign
from trials import services
from trials.balances import agreement_balances, round_balances
from trials.enums import AgreementState, LedgerKind
from trials.models import Agreement, LedgerEntry

pytestmark = pytest.mark.django_db


@pytest.mark.rule(27)
def test_agreement_copies_the_selected_application(officer, selected_application):
    agreement = services.agreement_create(actor=officer, application=selected_application)
    assert (agreement.state, agreement.cap, agreement.approved_amount) == ("draft", CAP, CAP)
    assert agreement.round_id == selected_application.round_id
    assert agreement.organisation_id == selected_application.organisation_id
    trial = agreement.trials.get()
    covered = selected_application.trials.get()
    assert (trial.phase, trial.nct_id, trial.planned_enrolment, trial.planned_start) == (
        covered.phase,
        covered.nct_id,
        300,
        covered.start_date,
    )
    assert agreement.reporting_interval_months == 6
    assert not LedgerEntry.objects.exists()  # nothing is committed before signature


@pytest.mark.rule(27)
def test_cap_above_the_selected_amount_is_refused(officer, selected_application):
    with pytest.raises(DomainError) as refused:
        services.agreement_create(actor=officer, application=selected_application, cap=CAP + Decimal("0.01"))
    assert refused.value.field == "cap"
    assert "cannot exceed the selected amount" in refused.value.message
    agreement = services.agreement_create(actor=officer, application=selected_application, cap="9 000 000,00")
    assert agreement.cap == Decimal("9000000.00")


@pytest.mark.rule(27)
@pytest.mark.parametrize("change", ["reserve", "unpublished", "reopened", "none"])
def test_only_a_published_selection_gets_an_agreement(officer, firm, change):
    application = make_selected(officer=officer, firm=firm)
    decision = FundingDecision.objects.get(application=application)
    # Each variant is what the selection side leaves in another situation; set directly for brevity.
    if change == "reserve":
        FundingDecision.objects.filter(pk=decision.pk).update(
            outcome="reserve", approved_amount=0, reason="x"
        )
    elif change == "unpublished":
        FundingDecision.objects.filter(pk=decision.pk).update(published_at=None)
    elif change == "reopened":
        FundingDecision.objects.filter(pk=decision.pk).update(reopened_at=decision.decided_at)
    else:
        application = factories.ApplicationFactory(organisation=firm)
    application.refresh_from_db()
    with pytest.raises(DomainError) as refused:
        services.agreement_create(actor=officer, application=application)
    assert refused.value.code == "not_selected"
    assert not Agreement.objects.exists()


def test_only_officers_draw_up_and_sign(applicant, auditor, officer, selected_application):
    for user in (applicant, auditor):
        with pytest.raises(Forbidden):
            services.agreement_create(actor=user, application=selected_application)
    agreement = services.agreement_create(actor=officer, application=selected_application)
    with pytest.raises(Conflict):
        services.agreement_create(actor=officer, application=selected_application)
    with pytest.raises(Forbidden):
        sign(agreement, auditor)


@pytest.mark.rule(27)
@pytest.mark.rule(35)
def test_signing_commits_the_cap_against_the_round_budget(officer, draft_agreement):
    before = round_balances(draft_agreement.round)
    agreement = sign(draft_agreement, officer)
    assert agreement.state == AgreementState.SIGNED
    entry = LedgerEntry.objects.get()
    assert (entry.kind, entry.amount, entry.round_id, entry.created_by) == (
        LedgerKind.COMMITMENT,
        CAP,
        agreement.round_id,
        officer,
    )
    after = round_balances(agreement.round)
    assert (before.active_commitments, after.active_commitments) == (0, CAP)
    assert after.remaining == agreement.round.budget - CAP


@pytest.mark.rule(27)
def test_a_cap_that_does_not_fit_the_budget_is_refused(officer):
    # Selected for 60 M and 40 M; the round's budget was cut to 99 999 999.99 after selection.
    first_app, second_app = make_selected_many(
        officer=officer, amounts=["60000000", "40000000"], budget=Decimal("99999999.99")
    )
    first = services.agreement_create(actor=officer, application=first_app)
    second = services.agreement_create(actor=officer, application=second_app)
    sign(first, officer)
    with pytest.raises(Conflict) as refused:
        sign(second, officer)
    assert refused.value.code == "budget_exceeded"
    assert "39 999 999,99" in refused.value.message.replace("\u202f", " ")
    second.refresh_from_db()
    assert second.state == AgreementState.DRAFT
    assert round_balances(first.round).active_commitments == Decimal("60000000.00")
    # A smaller cap fits.
    smaller = services.agreement_close(actor=officer, agreement=second, reason="Redrawn with a smaller cap")
    assert smaller.state == AgreementState.CLOSED


@pytest.mark.rule(27)
@pytest.mark.rule(35)
def test_closing_releases_what_was_not_paid(officer, signed_agreement):
    with pytest.raises(DomainError) as refused:
        services.agreement_close(actor=officer, agreement=signed_agreement, reason="")
    assert refused.value.code == "reason_required"
    closed = services.agreement_close(actor=officer, agreement=signed_agreement, reason="Firm withdrew")
    assert closed.state == AgreementState.CLOSED
    release = LedgerEntry.objects.get(kind=LedgerKind.RELEASE)
    assert release.amount == -CAP
    assert agreement_balances(closed).active_commitments == 0
    assert round_balances(closed.round).remaining == closed.round.budget


@pytest.mark.rule(27)
@pytest.mark.django_db(transaction=True)
def test_concurrent_signings_never_commit_past_the_budget(officer):
    """Twelve officers sign twelve agreements of one round at the same moment; the budget fits five."""
    # Selected for 10 M each; the round's budget was cut to 50 M after selection.
    applications = make_selected_many(
        officer=officer, amounts=["10000000"] * 12, budget=Decimal("50000000.00")
    )
    round_ = applications[0].round
    agreements = [services.agreement_create(actor=officer, application=a) for a in applications]
    officers = [factories.OfficerFactory(organisation=officer.organisation) for _ in agreements]
    barrier = threading.Barrier(len(agreements))
    outcomes: list[str] = []
    errors: list[BaseException] = []

    def attempt(agreement, who):
        try:
            barrier.wait(timeout=10)
            sign(agreement, who)
            outcomes.append("signed")
        except Conflict as exc:
            outcomes.append(exc.code)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=pair) for pair in zip(agreements, officers, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert sorted(outcomes) == ["budget_exceeded"] * 7 + ["signed"] * 5
    balances = round_balances(round_)
    assert balances.active_commitments == Decimal("50000000.00")
    assert balances.remaining == 0
    assert Agreement.objects.filter(state=AgreementState.SIGNED).count() == 5
    assert LedgerEntry.objects.filter(kind=LedgerKind.COMMITMENT).count() == 5
