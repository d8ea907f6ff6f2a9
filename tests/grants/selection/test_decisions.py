"""The committee's decision: differences from the proposal need a reason (rule 25); approved amounts
are committed against the budget in the same transaction and never exceed it (rule 27)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from audit.models import AuditEvent
from core.errors import DomainError
from grants.models import Application, FundingDecision, RoundSelection
from grants.services.decisions import DecisionInput, decision_record, decisions_record
from grants.services.selection import selection_run


@pytest.fixture
def proposed(officer, three_apps, book):
    """Alpha (4.5) and Beta (4.4) funded with 4 M each; Gamma (4.3, 3 M) does not fit the 2 M left."""
    round_, apps = three_apps
    for app, value in zip(apps, (4.5, 4.4, 4.3), strict=True):
        book.add(app, value, value, value)
    selection_run(actor=officer, round=round_)
    return round_, apps


def state(application) -> str:
    return Application.objects.get(pk=application.pk).state


@pytest.mark.rule(25)
def test_decision_equal_to_the_proposal_needs_no_reason(officer, proposed):
    round_, (alpha, beta, gamma) = proposed
    decisions = decisions_record(
        actor=officer,
        round=round_,
        decisions=[
            DecisionInput(alpha.pk, "selected"),  # the proposal's amount by default
            DecisionInput(beta.pk, "selected", "4000000.00"),
            DecisionInput(gamma.pk, "reserve"),
        ],
    )
    assert [(d.outcome, d.approved_amount, d.proposed_outcome, d.reason) for d in decisions] == [
        ("selected", Decimal("4000000.00"), "selected", ""),
        ("selected", Decimal("4000000.00"), "selected", ""),
        ("reserve", Decimal("0.00"), "reserve", ""),
    ]
    assert [state(a) for a in (alpha, beta, gamma)] == ["selected", "selected", "reserve"]
    assert RoundSelection.objects.get(round=round_).committed == Decimal("8000000.00")


@pytest.mark.rule(25)
def test_a_difference_without_a_reason_is_refused_and_nothing_is_written(officer, proposed):
    round_, (alpha, beta, gamma) = proposed
    with pytest.raises(DomainError) as refused:
        decisions_record(
            actor=officer,
            round=round_,
            decisions=[
                DecisionInput(alpha.pk, "selected"),
                DecisionInput(beta.pk, "selected", "3500000"),  # a lower amount than proposed
                DecisionInput(gamma.pk, "rejected"),  # proposed: reserve
            ],
        )
    assert refused.value.code == "invalid"
    assert refused.value.details == {
        "decisions.1.reason": ["This differs from the proposal: give the reason."],
        "decisions.2.reason": ["This differs from the proposal: give the reason."],
    }
    assert not FundingDecision.objects.exists()
    assert [state(a) for a in (alpha, beta, gamma)] == ["eligible"] * 3
    assert not AuditEvent.objects.filter(action__startswith="funding_decision").exists()


@pytest.mark.rule(25)
def test_a_difference_with_a_reason_is_kept_beside_the_proposal(officer, proposed):
    _round, (_alpha, beta, _gamma) = proposed
    decision = decision_record(
        actor=officer,
        application=beta,
        outcome="selected",
        approved_amount="3500000",
        reason="Budget line 4 not eligible.",
    )
    assert (decision.outcome, decision.approved_amount) == ("selected", Decimal("3500000.00"))
    assert (decision.proposed_outcome, decision.proposed_amount) == ("selected", Decimal("4000000.00"))
    assert decision.differs_from_proposal
    event = AuditEvent.objects.get(action="funding_decision.record", object_id=str(decision.pk))
    assert event.reason == "Budget line 4 not eligible."
    assert event.after["proposed_amount"] == "4000000.00"
    # The database itself refuses a difference without a reason.
    with pytest.raises(IntegrityError), transaction.atomic():
        FundingDecision.objects.filter(pk=decision.pk).update(reason="")


@pytest.mark.rule(25)
def test_single_decision_names_the_reason_field(officer, proposed):
    _round, (_alpha, _beta, gamma) = proposed
    with pytest.raises(DomainError) as refused:
        decision_record(actor=officer, application=gamma, outcome="selected", approved_amount="2000000")
    assert refused.value.field == "reason"


@pytest.mark.rule(27)
def test_over_budget_decisions_are_refused_whole(officer, proposed):
    round_, (alpha, beta, gamma) = proposed
    with pytest.raises(DomainError) as refused:
        decisions_record(
            actor=officer,
            round=round_,
            decisions=[
                DecisionInput(alpha.pk, "selected"),
                DecisionInput(beta.pk, "selected"),
                DecisionInput(gamma.pk, "selected", reason="The committee wants all three."),
            ],
        )
    assert refused.value.code == "over_budget"
    assert refused.value.status_code == 409
    assert "11 000 000,00" in refused.value.message.replace("\u202f", " ")
    assert not FundingDecision.objects.exists()
    assert [state(a) for a in (alpha, beta, gamma)] == ["eligible"] * 3
    # A cheaper mix that fits is accepted: 4 M + 3 M + 3 M = the 10 M budget exactly.
    decisions_record(
        actor=officer,
        round=round_,
        decisions=[
            DecisionInput(alpha.pk, "selected"),
            DecisionInput(beta.pk, "selected", "3000000", reason="Reduced: trial site costs cut."),
            DecisionInput(gamma.pk, "selected", reason="Fits after the reduction."),
        ],
    )
    assert RoundSelection.objects.get(round=round_).committed == Decimal("10000000.00")


@pytest.mark.rule(27)
def test_the_database_refuses_commitments_over_the_budget(officer, proposed):
    round_, (alpha, _beta, _gamma) = proposed
    decision_record(actor=officer, application=alpha, outcome="selected")
    with pytest.raises(IntegrityError), transaction.atomic():
        RoundSelection.objects.filter(round=round_).update(committed=Decimal("10000000.01"))


@pytest.mark.rule(27)
def test_approved_amount_is_above_zero_and_at_most_the_request(officer, proposed):
    _round, (alpha, _beta, _gamma) = proposed
    for amount, message in (("4000000.01", "cannot exceed the requested"), ("0", "above zero")):
        with pytest.raises(DomainError) as refused:
            decision_record(
                actor=officer, application=alpha, outcome="selected", approved_amount=amount, reason="x"
            )
        assert refused.value.field == "approved_amount"
        assert message in refused.value.message
    with pytest.raises(IntegrityError), transaction.atomic():
        decision = decision_record(actor=officer, application=alpha, outcome="selected")
        FundingDecision.objects.filter(pk=decision.pk).update(
            outcome="reserve"
        )  # money on a reserve decision


def test_decisions_are_revisable_until_publication(officer, proposed):
    round_, (alpha, _beta, _gamma) = proposed
    decision_record(actor=officer, application=alpha, outcome="selected")
    revised = decision_record(
        actor=officer, application=alpha, outcome="reserve", reason="Conflict found late."
    )
    assert (revised.outcome, revised.approved_amount) == ("reserve", Decimal("0.00"))
    assert state(alpha) == "reserve"
    assert RoundSelection.objects.get(round=round_).committed == Decimal("0.00")
    assert AuditEvent.objects.filter(action="application.reserve", object_id=str(alpha.pk)).exists()


def test_decisions_need_a_proposal_and_an_officer(officer, auditor, three_apps, book):
    _round, (alpha, *_rest) = three_apps
    with pytest.raises(DomainError) as refused:
        decision_record(actor=officer, application=alpha, outcome="selected", reason="x")
    assert refused.value.code == "no_proposal"
    with pytest.raises(DomainError) as refused:
        decision_record(actor=auditor, application=alpha, outcome="selected", reason="x")
    assert refused.value.status_code == 403


def test_run_refused_once_decisions_exist(officer, proposed):
    round_, (alpha, _beta, _gamma) = proposed
    decision_record(actor=officer, application=alpha, outcome="selected")
    with pytest.raises(DomainError) as refused:
        selection_run(actor=officer, round=round_)
    assert refused.value.code == "decisions_recorded"
