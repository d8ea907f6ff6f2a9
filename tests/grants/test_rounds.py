"""Programs and rounds: dates (rule 3), rubric freeze (rule 4), quotas (rule 5), the open guard."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.db import IntegrityError

from audit.models import AuditEvent
from core.errors import DomainError, Forbidden, ValidationFailed
from grants import services
from grants.enums import RoundState
from grants.models import Program, Round
from tests import factories
from tests.grants.conftest import moscow

pytestmark = pytest.mark.django_db


def round_values(**overrides):
    values = {
        "opens_at": moscow(2031, 3, 1, 9),
        "closes_at": moscow(2031, 4, 30, 23, 59, 59),
        "review_due_at": moscow(2031, 6, 1),
        "decision_at": moscow(2031, 7, 1),
        "budget": "1 000 000 000,00",
    }
    return {**values, **overrides}


def test_program_create_sets_defaults_and_audits(officer, reference_lists):
    program = services.program_create(actor=officer, name="  Firstclass 2027 ", rate="0.5")
    assert program.name == "Firstclass 2027"
    assert program.rate == Decimal("0.5000")
    assert program.project_cap == Decimal("250000000.00")
    assert "inelig" not in set(program.cost_categories.values_list("code", flat=True))
    assert program.cost_categories.count() == 10
    assert AuditEvent.objects.filter(action="program.create", object_id=str(program.pk)).exists()


@pytest.mark.parametrize("rate", ["0", "-0.1", "1.01", "abc", 0.5])
def test_program_rate_must_be_a_fraction_in_0_1(officer, reference_lists, rate):
    with pytest.raises(ValidationFailed) as exc:
        services.program_create(actor=officer, name="P", rate=rate)
    assert exc.value.field == "rate"
    assert Program.objects.count() == 0


def test_program_rate_and_cap_are_database_constraints(reference_lists):
    with pytest.raises(IntegrityError):
        Program.objects.create(name="P", rate=Decimal("1.5"))


def test_program_cannot_make_ineligible_costs_eligible(officer, reference_lists):
    with pytest.raises(ValidationFailed) as exc:
        services.program_create(actor=officer, name="P", cost_categories=["site", "inelig"])
    assert exc.value.details == {
        "cost_categories": ["Ineligible costs cannot be made eligible by a program."]
    }


def test_only_officers_manage_programs_and_rounds(applicant, auditor, program):
    for user in (applicant, auditor):
        with pytest.raises(Forbidden):
            services.program_create(actor=user, name="P")
        with pytest.raises(Forbidden):
            services.round_create(actor=user, program=program, title="R", **round_values())


def test_round_create_offers_the_default_rubric(officer, program):
    round_ = services.round_create(actor=officer, program=program, title="Round 2031", **round_values())
    assert round_.state == RoundState.DRAFT
    assert round_.budget == Decimal("1000000000.00")
    assert list(round_.criteria.values_list("code", "weight")) == [
        ("novelty", Decimal("0.300")),
        ("unmet_need", Decimal("0.250")),
        ("evidence", Decimal("0.200")),
        ("team", Decimal("0.150")),
        ("budget", Decimal("0.100")),
    ]
    assert (round_.appeal_window_days, round_.reviewers_per_application) == (30, 3)


@pytest.mark.rule(3)
def test_round_dates_must_be_ordered(officer, program):
    with pytest.raises(ValidationFailed) as exc:
        services.round_create(
            actor=officer,
            program=program,
            title="R",
            **round_values(closes_at=moscow(2031, 2, 1), decision_at=moscow(2031, 5, 1)),
        )
    assert set(exc.value.details) == {"closes_at", "decision_at"}
    assert Round.objects.count() == 0


@pytest.mark.rule(3)
def test_round_dates_order_is_a_database_constraint(program):
    with pytest.raises(IntegrityError):
        factories.RoundFactory(program=program, review_due_at=moscow(2020, 1, 1))


@pytest.mark.rule(3)
def test_open_refuses_a_close_in_the_past(officer, draft_round):
    with time_machine.travel(draft_round.closes_at, tick=False), pytest.raises(DomainError) as exc:
        services.round_open(actor=officer, round=draft_round)
    assert exc.value.code == "guard_failed"
    assert "closing time has already passed" in exc.value.message
    draft_round.refresh_from_db()
    assert draft_round.state == RoundState.DRAFT


@pytest.mark.rule(3)
def test_open_round_dates_only_extend_with_a_reason(officer, open_round):
    old_close = open_round.closes_at
    with pytest.raises(ValidationFailed) as exc:
        services.round_extend_dates(
            actor=officer, round=open_round, reason="", closes_at=old_close + dt.timedelta(days=1)
        )
    assert exc.value.details == {"reason": ["Give a reason for changing the dates."]}
    with pytest.raises(ValidationFailed) as exc:
        services.round_extend_dates(
            actor=officer, round=open_round, reason="typo", closes_at=old_close - dt.timedelta(hours=1)
        )
    assert exc.value.details == {"closes_at": ["Once the round is open a date can only be moved later."]}
    with pytest.raises(DomainError) as exc:
        services.round_update(actor=officer, round=open_round, closes_at=old_close + dt.timedelta(days=1))
    assert exc.value.code == "dates_fixed"

    new_close = old_close + dt.timedelta(days=3)
    services.round_extend_dates(
        actor=officer, round=open_round, reason="Portal outage on 12 May", closes_at=new_close
    )
    open_round.refresh_from_db()
    assert open_round.closes_at == new_close
    event = AuditEvent.objects.get(action="round.extend_dates")
    assert event.reason == "Portal outage on 12 May"
    assert event.before == {"closes_at": old_close.isoformat()}
    assert event.after == {"closes_at": new_close.isoformat()}


@pytest.mark.rule(3)
def test_extension_cannot_break_the_date_order(officer, open_round):
    with pytest.raises(ValidationFailed) as exc:
        services.round_extend_dates(
            actor=officer,
            round=open_round,
            reason="x",
            closes_at=open_round.review_due_at + dt.timedelta(days=1),
        )
    assert "review_due_at" in exc.value.details


@pytest.mark.rule(3)
def test_a_passed_close_cannot_be_extended(officer, open_round):
    with time_machine.travel(open_round.closes_at, tick=False), pytest.raises(ValidationFailed) as exc:
        services.round_extend_dates(
            actor=officer,
            round=open_round,
            reason="late",
            closes_at=open_round.closes_at + dt.timedelta(days=1),
        )
    assert list(exc.value.details) == ["closes_at"]


@pytest.mark.rule(3)
def test_appeal_window_defaults_to_thirty_days_and_is_positive(officer, program):
    round_ = services.round_create(actor=officer, program=program, title="R", **round_values())
    assert round_.appeal_window_days == 30
    with pytest.raises(ValidationFailed) as exc:
        services.round_create(
            actor=officer, program=program, title="R", appeal_window_days=0, **round_values()
        )
    assert list(exc.value.details) == ["appeal_window_days"]


@pytest.mark.rule(4)
def test_rubric_is_frozen_once_the_round_opens(officer, open_round):
    with pytest.raises(DomainError) as exc:
        services.round_set_rubric(
            actor=officer, round=open_round, criteria=[{"code": "x", "name": "X", "weight": "1"}]
        )
    assert (exc.value.code, exc.value.field) == ("rubric_frozen", "criteria")
    for field, value in (("total_threshold", "2.5"), ("ranking_basis", "calibrated"), ("tie_break", [])):
        with pytest.raises(DomainError) as exc:
            services.round_update(actor=officer, round=open_round, **{field: value})
        assert (exc.value.code, exc.value.field) == ("rubric_frozen", field)
    open_round.refresh_from_db()
    assert open_round.criteria.count() == 5
    assert open_round.ranking_basis == "raw"


@pytest.mark.rule(4)
def test_rubric_can_change_while_draft(officer, draft_round):
    services.round_set_rubric(
        actor=officer,
        round=draft_round,
        criteria=[
            {
                "code": "novelty",
                "name": "Novelty",
                "weight": "0.6",
                "scale_max": "10",
                "step": "1",
                "threshold": "6",
            },
            {"code": "need", "name": "Need", "weight": "0.4"},
        ],
    )
    assert list(draft_round.criteria.values_list("code", "scale_max", "threshold")) == [
        ("novelty", Decimal("10.0"), Decimal("6.0")),
        ("need", Decimal("5.0"), Decimal("3.0")),
    ]


@pytest.mark.rule(4)
def test_rubric_criteria_are_checked(officer, draft_round):
    with pytest.raises(ValidationFailed) as exc:
        services.round_set_rubric(
            actor=officer,
            round=draft_round,
            criteria=[
                {"code": "a", "name": "A", "weight": "0"},
                {"code": "b", "name": "B", "weight": "1", "step": "0.7"},
                {"code": "c", "name": "C", "weight": "1", "threshold": "6"},
            ],
        )
    assert set(exc.value.details) == {"criteria.0.weight", "criteria.1.step", "criteria.2.threshold"}
    assert draft_round.criteria.count() == 5  # unchanged


def test_open_needs_rubric_budget_and_areas(officer, program):
    round_ = factories.RoundFactory(program=program, budget=Decimal("0"))
    with pytest.raises(DomainError) as exc:
        services.round_open(actor=officer, round=round_)
    assert exc.value.message == "Add the rubric's criteria before opening the round."
    services.round_set_rubric(actor=officer, round=round_, criteria=services.default_rubric())
    with pytest.raises(DomainError) as exc:
        services.round_open(actor=officer, round=round_)
    assert exc.value.message == "Set the round's budget before opening it."
    services.round_update(actor=officer, round=round_, budget="5000000")
    with pytest.raises(DomainError) as exc:
        services.round_open(actor=officer, round=round_)
    assert exc.value.message == "Admit at least one priority area before opening the round."
    services.round_set_priority_areas(actor=officer, round=round_, areas=[("oncology", None)])
    assert services.round_open(actor=officer, round=round_).state == RoundState.OPEN
    assert AuditEvent.objects.filter(action="round.open", object_id=str(round_.pk)).exists()


@pytest.mark.rule(5)
def test_quotas_together_cannot_exceed_the_budget(officer, program):
    round_ = factories.RoundFactory(program=program, budget=Decimal("500000000"))
    with pytest.raises(ValidationFailed) as exc:
        services.round_set_priority_areas(
            actor=officer, round=round_, areas=[("oncology", "300000000"), ("hiv", "200000000.01")]
        )
    assert exc.value.code == "quota_exceeds_budget"
    assert round_.area_links.count() == 0
    services.round_set_priority_areas(
        actor=officer, round=round_, areas=[("oncology", "300000000"), ("hiv", "200000000"), ("orphan", None)]
    )
    assert round_.area_links.count() == 3


@pytest.mark.rule(5)
def test_budget_cannot_drop_below_the_quotas(officer, draft_round):
    # draft_round has an oncology quota of 300 000 000
    with pytest.raises(ValidationFailed) as exc:
        services.round_update(actor=officer, round=draft_round, budget="299999999.99")
    assert (exc.value.code, exc.value.field) == ("quota_exceeds_budget", "budget")
    draft_round.refresh_from_db()
    assert draft_round.budget == Decimal("1000000000.00")


def test_round_close_only_after_the_closing_time(officer, open_round):
    with pytest.raises(DomainError) as exc:
        services.round_close(actor=officer, round=open_round)
    assert exc.value.message == "The round accepts submissions until its closing time."
    with time_machine.travel(open_round.closes_at, tick=False):
        assert services.round_close(actor=officer, round=open_round).state == RoundState.CLOSED


def test_round_walks_its_table_to_archived(officer, open_round):
    with time_machine.travel(open_round.closes_at, tick=False):
        services.round_close(actor=officer, round=open_round)
    for action, state in (
        ("start_review", "in_review"),
        ("start_selection", "selection"),
        ("publish", "published"),
        ("archive", "archived"),
    ):
        round_ = services.round_transition(
            actor=officer, round=Round.objects.get(pk=open_round.pk), action=action
        )
        assert round_.state == state
