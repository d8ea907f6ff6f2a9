"""Drafts, budget lines and trials on entry (rules 1, 8, 9, 10) and who may change them."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.db import IntegrityError

from core.errors import Conflict, DomainError, Forbidden, ValidationFailed
from grants import services
from grants.models import Application, BudgetLine, CoveredTrial, TrialIdentifier
from grants.selectors import application_requested_amount
from tests import factories
from tests.grants.conftest import make_complete_application

pytestmark = pytest.mark.django_db


def test_applicant_starts_a_draft_in_an_open_round(applicant, open_round):
    application = services.application_create(actor=applicant, round=open_round, title="  FC-101 ")
    assert (application.title, application.state, application.organisation) == (
        "FC-101",
        "draft",
        applicant.organisation,
    )
    assert application.current_version == 0


def test_no_application_in_a_draft_round(applicant, draft_round):
    with pytest.raises(Conflict) as exc:
        services.application_create(actor=applicant, round=draft_round, title="X")
    assert exc.value.code == "round_closed"


def test_officers_and_reviewers_do_not_apply(officer, reviewer, open_round):
    for user in (officer, reviewer):
        with pytest.raises(Forbidden):
            services.application_create(actor=user, round=open_round, title="X")


@pytest.mark.rule(1)
def test_individual_entrepreneur_only_where_the_program_admits_them(open_round, reference_lists):
    ie = factories.OrganisationFactory(
        inn="500100732259", ogrn="304770000000031", kpp="", is_individual_entrepreneur=True
    )
    person = factories.ApplicantFactory(organisation=ie)
    with pytest.raises(DomainError) as exc:
        services.application_create(actor=person, round=open_round, title="X")
    assert (exc.value.code, exc.value.field) == ("applicant_not_admitted", "organisation")
    open_round.program.admits_individual_entrepreneurs = True
    open_round.program.save(update_fields=["admits_individual_entrepreneurs"])
    assert services.application_create(actor=person, round=open_round, title="X").organisation == ie


@pytest.mark.rule(9)
def test_draft_codes_are_normalised_and_malformed_ones_refused(applicant, open_round):
    application = services.application_create(actor=applicant, round=open_round, title="X")
    services.application_update(
        actor=applicant, application=application, icd10_code="с92.0", atc_code="l01fx"
    )
    application.refresh_from_db()
    assert (application.icd10_code, application.atc_code) == ("C92.0", "L01FX")
    with pytest.raises(ValidationFailed) as exc:
        services.application_update(
            actor=applicant, application=application, icd10_code="92.0", atc_code="Q01", drug_name="Changed"
        )
    assert set(exc.value.details) == {"icd10_code", "atc_code"}
    application.refresh_from_db()
    assert (application.icd10_code, application.drug_name) == ("C92.0", "")  # nothing saved


def test_priority_area_must_be_admitted_in_the_round(applicant, open_round):
    application = services.application_create(actor=applicant, round=open_round, title="X")
    with pytest.raises(ValidationFailed) as exc:
        services.application_update(actor=applicant, application=application, priority_area="insulins")
    assert exc.value.details == {"priority_area": ["This priority area is not admitted in the round."]}


def test_another_firm_cannot_edit(other_applicant, complete_application):
    with pytest.raises(Forbidden):
        services.application_update(actor=other_applicant, application=complete_application, title="Mine now")
    with pytest.raises(Forbidden):
        services.budget_line_add(
            actor=other_applicant,
            application=complete_application,
            category="site",
            description="x",
            amount="1",
        )


@pytest.mark.rule(10)
def test_requested_amount_is_the_sum_of_lines_to_the_kopeck(applicant, complete_application):
    assert application_requested_amount(complete_application) == Decimal("1250000.50")
    line = complete_application.budget_lines.get(category__code="cro")
    services.budget_line_update(actor=applicant, line=line, amount="0.01")
    assert application_requested_amount(complete_application) == Decimal("1000000.51")
    services.budget_line_delete(actor=applicant, line=line)
    assert application_requested_amount(complete_application) == Decimal("1000000.50")


@pytest.mark.rule(10)
@pytest.mark.parametrize(
    ("category", "amount", "fields"),
    [
        ("inelig", "100", {"category"}),
        ("nonexistent", "100", {"category"}),
        ("site", "0", {"amount"}),
        ("site", "-5", {"amount"}),
        ("site", "1.005", {"amount"}),
        ("site", 1.5, {"amount"}),
        ("", "abc", {"category", "amount"}),
    ],
)
def test_budget_line_refusals_name_the_field(applicant, complete_application, category, amount, fields):
    with pytest.raises(ValidationFailed) as exc:
        services.budget_line_add(
            actor=applicant,
            application=complete_application,
            category=category,
            description="x",
            amount=amount,
        )
    assert set(exc.value.details) == fields
    assert complete_application.budget_lines.count() == 2


@pytest.mark.rule(10)
def test_category_outside_the_program_is_refused(applicant, complete_application):
    complete_application.round.program.cost_categories.remove(
        *complete_application.round.program.cost_categories.filter(code="reg")
    )
    with pytest.raises(ValidationFailed) as exc:
        services.budget_line_add(
            actor=applicant,
            application=complete_application,
            category="reg",
            description="duty",
            amount="110000",
        )
    assert exc.value.details == {"category": ["This cost category is not eligible under the program."]}


@pytest.mark.rule(10)
def test_budget_line_amount_is_positive_in_the_database(complete_application):
    line = complete_application.budget_lines.first()
    with pytest.raises(IntegrityError):
        BudgetLine.objects.filter(pk=line.pk).update(amount=Decimal("0"))


@pytest.mark.rule(8)
def test_trial_needs_a_phase_and_an_identifier(applicant, complete_application):
    with pytest.raises(ValidationFailed) as exc:
        services.trial_add(actor=applicant, application=complete_application, phase="5")
    assert set(exc.value.details) == {"phase", "nct_id"}
    with pytest.raises(ValidationFailed) as exc:
        services.trial_add(
            actor=applicant, application=complete_application, phase="3", permission_number="123"
        )
    assert exc.value.details == {"permission_date": ["Enter the date of the trial permission."]}


@pytest.mark.rule(8)
def test_permission_date_cannot_be_in_the_future(applicant, complete_application):
    tomorrow = dt.date.today() + dt.timedelta(days=2)
    with pytest.raises(ValidationFailed) as exc:
        services.trial_add(
            actor=applicant,
            application=complete_application,
            phase="3",
            permission_number="12",
            permission_date=tomorrow,
        )
    assert exc.value.details == {"permission_date": ["The permission date cannot be in the future."]}


@pytest.mark.rule(8)
def test_identifiers_are_normalised(applicant, complete_application):
    trial = services.trial_add(
        actor=applicant,
        application=complete_application,
        phase="2/3",
        permission_number=" № 456-21 ",
        permission_date=dt.date(2024, 3, 1),
        nct_id="nct 1234567",
    )
    assert (trial.permission_number, trial.nct_id) == ("456-21", "NCT01234567")


@pytest.mark.rule(8)
def test_trial_identifier_format_is_a_database_constraint(complete_application):
    trial = complete_application.trials.first()
    with pytest.raises(IntegrityError):
        CoveredTrial.objects.filter(pk=trial.pk).update(nct_id="nct1")


@pytest.mark.rule(8)
def test_same_trial_cannot_appear_for_two_firms(applicant, other_applicant, open_round):
    mine = make_complete_application(applicant, open_round, nct_id="NCT01111111")
    services.trial_add(
        actor=applicant,
        application=mine,
        phase="3",
        permission_number="77/2024",
        permission_date=dt.date(2024, 5, 1),
    )
    theirs = services.application_create(actor=other_applicant, round=open_round, title="Copycat")
    with pytest.raises(ValidationFailed) as exc:
        services.trial_add(actor=other_applicant, application=theirs, phase="3", nct_id="nct01111111")
    assert exc.value.details == {"nct_id": ["This trial is already listed in another firm's application."]}
    with pytest.raises(ValidationFailed) as exc:
        services.trial_add(
            actor=other_applicant,
            application=theirs,
            phase="3",
            permission_number="№ 77/2024",
            permission_date=dt.date(2024, 5, 1),
        )
    assert list(exc.value.details) == ["permission_number"]
    # the same number with another date is another permission
    services.trial_add(
        actor=other_applicant,
        application=theirs,
        phase="3",
        permission_number="77/2024",
        permission_date=dt.date(2024, 5, 2),
    )
    # the same firm may list its trial in another application
    again = services.application_create(actor=applicant, round=open_round, title="Second indication")
    services.trial_add(actor=applicant, application=again, phase="3", nct_id="NCT01111111")
    assert CoveredTrial.objects.filter(nct_id="NCT01111111").count() == 2


@pytest.mark.rule(8)
def test_trial_identifier_owner_is_unique_in_the_database(applicant, other_firm, complete_application):
    nct = complete_application.trials.get().nct_id
    with pytest.raises(IntegrityError):
        TrialIdentifier.objects.create(kind="nct", value=nct, organisation=other_firm)


@pytest.mark.rule(8)
def test_a_deleted_draft_trial_frees_its_identifier(applicant, other_applicant, open_round):
    mine = services.application_create(actor=applicant, round=open_round, title="Mine")
    trial = services.trial_add(actor=applicant, application=mine, phase="3", nct_id="NCT02222222")
    services.trial_delete(actor=applicant, trial=trial)
    theirs = services.application_create(actor=other_applicant, round=open_round, title="Theirs")
    assert services.trial_add(actor=other_applicant, application=theirs, phase="3", nct_id="NCT02222222").pk


@pytest.mark.rule(8)
def test_the_same_trial_twice_in_one_application_is_refused(applicant, complete_application):
    nct = complete_application.trials.get().nct_id
    with pytest.raises(ValidationFailed) as exc:
        services.trial_add(actor=applicant, application=complete_application, phase="3", nct_id=nct)
    assert exc.value.details == {"nct_id": ["This trial is already listed in this application."]}


@pytest.mark.rule(6)
def test_no_edits_after_the_close(applicant, complete_application):
    with time_machine.travel(complete_application.round.closes_at, tick=False):
        with pytest.raises(Conflict) as exc:
            services.application_update(actor=applicant, application=complete_application, title="Late")
        assert exc.value.code == "round_closed"
        with pytest.raises(Conflict):
            services.budget_line_add(
                actor=applicant,
                application=complete_application,
                category="site",
                description="x",
                amount="1",
            )
    assert Application.objects.get(pk=complete_application.pk).title == "Anti-CD123 antibody"
