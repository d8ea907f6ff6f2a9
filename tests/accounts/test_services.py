"""Account services: registration (rule 2), organisations, people, language, API tokens, audit."""

import pytest
from rest_framework.authtoken.models import Token

from accounts import services
from accounts.enums import OrganisationKind, Role
from accounts.models import Organisation, User
from audit.models import AuditEvent
from core.errors import DomainError, Forbidden, ValidationFailed
from tests import factories

PASSWORD = "pass-Word-123"
FIRM = {
    "name": "  OOO  Pharma   Nova ",
    "inn": "7707083893",
    "ogrn": "1027700132195",
    "kpp": "773601001",
    "address": "Moscow, Vavilova 19",
}
PERSON = {"username": "anna", "password": "Long-enough-pass-42", "first_name": "Anna", "last_name": "Ivanova"}


def register(**overrides):
    return services.organisation_register(**{**FIRM, **PERSON, **overrides})


@pytest.mark.django_db
@pytest.mark.rule(2)
def test_register_creates_the_firm_and_its_first_applicant_with_audit():
    user = register()
    org = user.organisation
    assert (org.kind, org.name, org.inn) == (OrganisationKind.FIRM, "OOO Pharma Nova", "7707083893")
    assert user.role == Role.APPLICANT
    assert user.check_password("Long-enough-pass-42")
    actions = list(AuditEvent.objects.values_list("action", "actor_id"))
    assert actions == [("organisation.register", user.pk), ("user.create", user.pk)]
    # Secrets never enter the trail.
    for event in AuditEvent.objects.all():
        assert "password" not in event.after
        assert "Long-enough-pass-42" not in str(event.after)


@pytest.mark.django_db
@pytest.mark.rule(2)
def test_a_second_registration_with_the_same_inn_is_refused_on_the_inn_field():
    register()
    with pytest.raises(DomainError) as exc:
        register(username="boris", name="Another name")
    assert exc.value.field == "inn"
    assert exc.value.code == "organisation_exists"
    assert "already registered" in exc.value.message
    assert "colleague" in exc.value.message and "ministry" in exc.value.message
    assert Organisation.objects.count() == 1
    assert not User.objects.filter(username="boris").exists()


@pytest.mark.django_db
@pytest.mark.rule(1)
def test_registration_with_wrong_identifiers_names_every_field_and_saves_nothing():
    with pytest.raises(ValidationFailed) as exc:
        register(inn="7707083894", ogrn="1027700132196", kpp="77360100")
    assert set(exc.value.details) == {"inn", "ogrn", "kpp"}
    assert "INN check digit" in exc.value.details["inn"][0]
    assert Organisation.objects.count() == 0 and User.objects.count() == 0


@pytest.mark.django_db
def test_registration_refuses_a_weak_password_and_a_taken_username_without_a_half_made_firm(applicant):
    with pytest.raises(DomainError) as exc:
        register(password="123")
    assert exc.value.field == "password"
    with pytest.raises(DomainError) as exc:
        register(username=applicant.username.upper())
    assert exc.value.field == "username"
    assert not Organisation.objects.filter(inn=FIRM["inn"]).exists()


@pytest.mark.django_db
@pytest.mark.rule(1)
def test_individual_entrepreneur_registers_with_twelve_digit_inn_and_ogrnip_and_no_kpp():
    user = register(inn="500100732259", ogrn="304770000123520", kpp="", is_individual_entrepreneur=True)
    assert user.organisation.is_individual_entrepreneur
    with pytest.raises(ValidationFailed) as exc:
        register(inn="772821170190", ogrn="304770000123531", kpp="", username="petr")
    assert set(exc.value.details) == {"inn", "ogrn", "kpp"}  # not flagged as an entrepreneur


@pytest.mark.django_db
def test_officer_creates_and_updates_an_organisation_with_audit(officer):
    org = services.organisation_create(actor=officer, kind=OrganisationKind.FIRM, **FIRM)
    updated = services.organisation_update(
        actor=officer, organisation=org, address="Moscow, Tverskaya 1", kpp="7736ab001"
    )
    assert (updated.address, updated.kpp) == ("Moscow, Tverskaya 1", "7736AB001")
    event = AuditEvent.objects.filter(action="organisation.update").get()
    assert event.before == {"address": "Moscow, Vavilova 19", "kpp": "773601001"}
    assert event.after == {"address": "Moscow, Tverskaya 1", "kpp": "7736AB001"}
    assert event.actor_id == officer.pk
    # Nothing changed: nothing recorded.
    services.organisation_update(actor=officer, organisation=org, name="OOO Pharma Nova")
    assert AuditEvent.objects.filter(action="organisation.update").count() == 1


@pytest.mark.django_db
@pytest.mark.rule(2)
def test_update_to_another_organisations_inn_is_refused(officer, firm, other_firm):
    with pytest.raises(DomainError) as exc:
        services.organisation_update(actor=officer, organisation=other_firm, inn=firm.inn)
    assert exc.value.field == "inn"
    other_firm.refresh_from_db()
    assert other_firm.inn != firm.inn


@pytest.mark.django_db
def test_applicants_and_auditors_cannot_create_or_edit_organisations(applicant, auditor, firm):
    for actor in (applicant, auditor):
        with pytest.raises(Forbidden):
            services.organisation_create(actor=actor, kind=OrganisationKind.FIRM, **FIRM)
        with pytest.raises(Forbidden):
            services.organisation_update(actor=actor, organisation=firm, name="Renamed")
    firm.refresh_from_db()
    assert firm.name != "Renamed"


@pytest.mark.django_db
@pytest.mark.rule(2)
def test_user_create_gives_one_role_that_fits_the_organisation(officer, firm, ministry):
    person = services.user_create(actor=officer, organisation=firm, username="ivan", role=Role.APPLICANT)
    assert (person.organisation, person.role, person.has_usable_password()) == (firm, Role.APPLICANT, False)
    expert = services.user_create(
        actor=officer, organisation=ministry, username="expert", role=Role.REVIEWER, password=PASSWORD + "x"
    )
    assert expert.check_password(PASSWORD + "x")
    with pytest.raises(DomainError) as exc:
        services.user_create(actor=officer, organisation=firm, username="rev2", role=Role.REVIEWER)
    assert exc.value.field == "role"
    with pytest.raises(DomainError) as exc:
        services.user_create(actor=officer, organisation=ministry, username="app2", role=Role.APPLICANT)
    assert exc.value.field == "role"
    assert not User.objects.filter(username__in=["rev2", "app2"]).exists()
    assert AuditEvent.objects.filter(action="user.create").count() == 2


@pytest.mark.django_db
def test_officer_cannot_create_officers_or_auditors_but_an_admin_can(officer, ministry, applicant):
    with pytest.raises(Forbidden):
        services.user_create(actor=officer, organisation=ministry, username="o2", role=Role.OFFICER)
    with pytest.raises(Forbidden):
        services.user_create(
            actor=applicant, organisation=applicant.organisation, username="c", role=Role.APPLICANT
        )
    admin = User.objects.create_superuser("root", "root@example.org", PASSWORD)
    assert admin.role == Role.ADMIN and admin.organisation is None
    auditor = services.user_create(actor=admin, organisation=ministry, username="aud2", role=Role.AUDITOR)
    assert auditor.role == Role.AUDITOR


@pytest.mark.django_db
def test_user_update_moves_a_person_only_where_the_role_fits(officer, applicant, other_firm, ministry):
    moved = services.user_update(actor=officer, user=applicant, organisation=other_firm, last_name="Petrova")
    assert (moved.organisation, moved.last_name) == (other_firm, "Petrova")
    event = AuditEvent.objects.get(action="user.update")
    assert event.after == {"organisation_id": other_firm.pk, "last_name": "Petrova"}
    with pytest.raises(DomainError):
        services.user_update(actor=officer, user=applicant, organisation=ministry)
    auditor = factories.AuditorFactory(organisation=ministry)
    with pytest.raises(Forbidden):
        services.user_update(actor=officer, user=auditor, is_active=False)


@pytest.mark.django_db
def test_user_set_language(applicant):
    services.user_set_language(user=applicant, language="ru")
    applicant.refresh_from_db()
    assert applicant.language == "ru"
    with pytest.raises(DomainError) as exc:
        services.user_set_language(user=applicant, language="de")
    assert exc.value.field == "language"
    event = AuditEvent.objects.get(action="user.set_language")
    assert (event.before, event.after) == ({"language": "en"}, {"language": "ru"})


@pytest.mark.django_db
def test_api_token_create_rotates_and_revoke_removes_without_logging_the_key(applicant):
    first = services.api_token_create(user=applicant)
    second = services.api_token_create(user=applicant)
    assert first.key != second.key
    assert list(Token.objects.filter(user=applicant).values_list("key", flat=True)) == [second.key]
    assert services.api_token_revoke(user=applicant) is True
    assert services.api_token_revoke(user=applicant) is False
    assert not Token.objects.filter(user=applicant).exists()
    actions = list(AuditEvent.objects.values_list("action", flat=True))
    assert actions == ["api_token.create", "api_token.rotate", "api_token.revoke"]
    for event in AuditEvent.objects.all():
        assert first.key not in str(event.after) and second.key not in str(event.after)
