"""Rule 29: no claim and no payout before an officer records the success event with its evidence and
confirms the first/best-in-class status; a recorded failure closes the agreement with no payout."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from core.errors import Conflict, DomainError, Forbidden
from tests.trials.conftest import CAP, make_selected, officer_evidence, sign
from trials import services
from trials.balances import agreement_balances
from trials.enums import AgreementState, EvidenceKind, LedgerKind
from trials.models import LedgerEntry, SuccessDecision

pytestmark = pytest.mark.django_db


def authorisation_kwargs(officer, agreement, **overrides):
    values = {
        "event_kind": "marketing_authorisation",
        "authorisation_number": "ЛП-009876",
        "authorisation_date": timezone.localdate(),
        "authorisation_document": officer_evidence(officer, agreement, EvidenceKind.MARKETING_AUTHORISATION),
        "class_confirmed": True,
        "expert_opinion": officer_evidence(officer, agreement, EvidenceKind.EXPERT_OPINION),
    }
    values.update(overrides)
    return values


@pytest.mark.rule(29)
def test_no_claim_before_success(active_agreement, applicant):
    with pytest.raises(Conflict) as refused:
        services.claim_create(actor=applicant, agreement=active_agreement)
    assert refused.value.code == "success_not_verified"


@pytest.mark.rule(29)
def test_success_with_authorisation_and_expert_opinion(officer, applicant, active_agreement):
    decision = services.success_record(
        actor=officer, agreement=active_agreement, **authorisation_kwargs(officer, active_agreement)
    )
    active_agreement.refresh_from_db()
    assert active_agreement.state == AgreementState.SUCCESS_VERIFIED
    assert (decision.outcome, decision.event_kind, decision.class_status, decision.authorisation_number) == (
        "success", "marketing_authorisation", "first_in_class", "ЛП-009876"
    )  # fmt: skip
    assert decision.expert_opinion.kind == "expert_opinion"
    claim = services.claim_create(actor=applicant, agreement=active_agreement)
    assert claim.number == 1


@pytest.mark.rule(29)
@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"authorisation_number": ""}, "authorisation_number"),
        ({"authorisation_date": None}, "authorisation_date"),
        ({"authorisation_date": dt.date.today() + dt.timedelta(days=2)}, "authorisation_date"),
        ({"authorisation_document": None}, "authorisation_document"),
        ({"class_confirmed": False}, "class_confirmed"),
        ({"expert_opinion": None}, "expert_opinion"),
        ({"event_kind": "new_indication"}, "event_kind"),  # not accepted by this program
    ],
)
def test_success_without_its_evidence_is_refused(officer, active_agreement, override, field):
    with pytest.raises(DomainError) as refused:
        services.success_record(
            actor=officer,
            agreement=active_agreement,
            **authorisation_kwargs(officer, active_agreement, **override),
        )
    assert field in refused.value.details
    active_agreement.refresh_from_db()
    assert active_agreement.state == AgreementState.ACTIVE
    assert not SuccessDecision.objects.exists()


@pytest.mark.rule(29)
def test_the_expert_opinion_must_be_an_expert_opinion(officer, active_agreement):
    wrong = officer_evidence(officer, active_agreement, EvidenceKind.ENDPOINT_REPORT)
    with pytest.raises(DomainError) as refused:
        services.success_record(
            actor=officer,
            agreement=active_agreement,
            **authorisation_kwargs(officer, active_agreement, expert_opinion=wrong),
        )
    assert "expert_opinion" in refused.value.details


@pytest.mark.rule(29)
def test_conditional_authorisation_counts_only_after_phase_2(officer, firm):
    program = {"success_events": ["conditional_authorisation"]}
    for phase, accepted in (("1", False), ("2", True)):
        application = make_selected(officer=officer, firm=firm, program=program, phase=phase)
        agreement = services.agreement_create(actor=officer, application=application)
        agreement = services.agreement_activate(actor=officer, agreement=sign(agreement, officer))
        kwargs = authorisation_kwargs(
            officer,
            agreement,
            event_kind="conditional_authorisation",
            conditional_obligations="Confirmatory trial by 2029",
        )
        if accepted:
            decision = services.success_record(actor=officer, agreement=agreement, **kwargs)
            assert decision.conditional_obligations == "Confirmatory trial by 2029"
        else:
            with pytest.raises(DomainError) as refused:
                services.success_record(actor=officer, agreement=agreement, **kwargs)
            assert "Phase 2" in refused.value.details["event_kind"][0]


@pytest.mark.rule(29)
def test_primary_endpoint_success_names_the_trial_and_the_result(officer, firm):
    program = {"success_events": ["primary_endpoint"]}
    agreement = services.agreement_create(
        actor=officer, application=make_selected(officer=officer, firm=firm, program=program)
    )
    agreement = services.agreement_activate(actor=officer, agreement=sign(agreement, officer))
    base = {
        "event_kind": "primary_endpoint",
        "class_confirmed": True,
        "expert_opinion": officer_evidence(officer, agreement, EvidenceKind.EXPERT_OPINION),
    }
    with pytest.raises(DomainError) as refused:
        services.success_record(actor=officer, agreement=agreement, **base)
    assert {"endpoint_trial", "endpoint_result", "endpoint_document"} <= set(refused.value.details)
    decision = services.success_record(
        actor=officer,
        agreement=agreement,
        endpoint_trial=agreement.trials.get(),
        endpoint_result="HR 0.62 (95% CI 0.48-0.80) for overall survival",
        endpoint_document=officer_evidence(officer, agreement, EvidenceKind.ENDPOINT_REPORT),
        **base,
    )
    assert decision.endpoint_trial == agreement.trials.get()


@pytest.mark.rule(29)
def test_failure_closes_the_agreement_and_releases_everything(officer, applicant, active_agreement):
    with pytest.raises(DomainError):
        services.failure_record(actor=officer, agreement=active_agreement, reason="")
    decision = services.failure_record(
        actor=officer, agreement=active_agreement, reason="Primary endpoint missed"
    )
    active_agreement.refresh_from_db()
    assert (decision.outcome, active_agreement.state) == ("failure", AgreementState.CLOSED)
    assert LedgerEntry.objects.get(kind=LedgerKind.RELEASE).amount == -CAP
    assert agreement_balances(active_agreement).remaining_cap == 0
    with pytest.raises(Conflict):
        services.claim_create(actor=applicant, agreement=active_agreement)
    with pytest.raises(Conflict):
        services.success_record(
            actor=officer, agreement=active_agreement, **authorisation_kwargs(officer, active_agreement)
        )


def test_only_officers_record_decisions(applicant, auditor, active_agreement, officer):
    kwargs = authorisation_kwargs(officer, active_agreement)
    for user in (applicant, auditor):
        with pytest.raises(Forbidden):
            services.success_record(actor=user, agreement=active_agreement, **kwargs)
        with pytest.raises(Forbidden):
            services.failure_record(actor=user, agreement=active_agreement, reason="x")
    assert Decimal(0) == agreement_balances(active_agreement).paid
