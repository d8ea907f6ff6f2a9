"""Scoping of organisations, and the database's own guard on one organisation per person."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import IntegrityError, transaction

from accounts import selectors, services
from accounts.enums import Role
from accounts.models import Organisation, User
from core.errors import DomainError
from tests import factories


@pytest.mark.django_db
def test_ministry_staff_see_every_organisation(officer, reviewer, auditor, firm, other_firm, ministry):
    every = set(Organisation.objects.values_list("pk", flat=True))
    for user in (officer, auditor):
        assert set(selectors.organisations_visible_to(user).values_list("pk", flat=True)) == every
    # Reviewers see firms only through their assignments (rule 13), not through the register.
    assert list(selectors.organisations_visible_to(reviewer)) == [reviewer.organisation]


@pytest.mark.django_db
def test_an_applicant_sees_only_their_own_organisation(applicant, other_firm):
    assert list(selectors.organisations_visible_to(applicant)) == [applicant.organisation]
    assert not selectors.organisations_search(applicant, query=other_firm.inn).exists()


@pytest.mark.django_db
def test_anonymous_sees_nothing(firm):
    assert not selectors.organisations_visible_to(AnonymousUser()).exists()


@pytest.mark.django_db
def test_search_counts_members(officer, firm):
    factories.ApplicantFactory.create_batch(2, organisation=firm)
    found = selectors.organisations_search(officer, query=firm.name.upper())
    assert [(org.pk, org.member_count) for org in found] == [(firm.pk, 2)]


@pytest.mark.django_db
@pytest.mark.rule(2)
def test_the_database_refuses_a_person_without_an_organisation_unless_administrator(firm):
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create_user("floating", role=Role.APPLICANT, organisation=None)
    assert User.objects.create_user("platform", role=Role.ADMIN, organisation=None).pk


@pytest.mark.django_db
@pytest.mark.rule(2)
def test_a_person_has_exactly_one_organisation_and_one_role(officer, firm):
    person = services.user_create(actor=officer, organisation=firm, username="one", role=Role.APPLICANT)
    field = User._meta.get_field("organisation")
    assert field.many_to_one and not field.many_to_many
    assert User._meta.get_field("role").choices == Role.choices
    assert (person.organisation, person.role) == (firm, Role.APPLICANT)
    with pytest.raises(DomainError) as exc:
        services.user_create(actor=officer, organisation=None, username="nobody", role=Role.APPLICANT)
    assert exc.value.field == "role"


@pytest.mark.django_db
@pytest.mark.rule(2)
def test_the_database_refuses_a_second_organisation_with_the_same_inn(firm):
    with pytest.raises(IntegrityError), transaction.atomic():
        Organisation.objects.create(kind=firm.kind, name="Copy", inn=firm.inn, ogrn=firm.ogrn, kpp=firm.kpp)


@pytest.mark.django_db
@pytest.mark.rule(1)
def test_the_database_refuses_identifiers_that_do_not_fit_the_kind_of_legal_person():
    with pytest.raises(IntegrityError), transaction.atomic():
        Organisation.objects.create(kind="firm", name="IE", inn="500100732259", ogrn="1027700132195", kpp="")
    with pytest.raises(IntegrityError), transaction.atomic():
        Organisation.objects.create(
            kind="firm", name="No KPP", inn="7707083893", ogrn="1027700132195", kpp=""
        )
