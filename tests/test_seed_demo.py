"""`manage.py seed_demo` gives the demo the organisations and logins the README promises, once."""

from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.test import RequestFactory

from accounts.enums import OrganisationKind, Role
from accounts.management.commands.seed_demo import DEMO_PASSWORD, USERS
from accounts.models import Organisation, User
from accounts.validators import identifier_errors
from audit.models import AuditEvent


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    """The demo uploads protocols, minutes and evidence: keep them out of the real media folder."""
    settings.MEDIA_ROOT = tmp_path / "media"


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_running_twice_creates_once_and_says_nothing_changed():
    first = seed()
    counts = (Organisation.objects.count(), User.objects.count())
    passwords = dict(User.objects.values_list("username", "password"))
    events = AuditEvent.objects.count()

    second = seed()

    assert counts == (4, len(USERS))
    assert "Demo data created: " in first and "4 organisations" in first and "10 users" in first
    assert "nothing changed" in second
    assert (Organisation.objects.count(), User.objects.count()) == counts
    assert dict(User.objects.values_list("username", "password")) == passwords
    assert AuditEvent.objects.count() == events


@pytest.mark.django_db
def test_every_demo_record_is_in_the_audit_trail():
    seed()

    created = AuditEvent.objects.filter(action__in=["organisation.create", "user.create"])
    assert created.count() == 4 + len(USERS)
    assert set(created.filter(action="user.create").values_list("object_id", flat=True)) == {
        str(pk) for pk in User.objects.values_list("pk", flat=True)
    }


@pytest.mark.django_db
@pytest.mark.rule(1)
def test_every_demo_organisation_has_valid_identifiers():
    seed()

    organisations = list(Organisation.objects.all())
    assert sorted(o.kind for o in organisations) == [OrganisationKind.FIRM] * 3 + [OrganisationKind.MINISTRY]
    for org in organisations:
        org.full_clean()  # raises on any invalid identifier
        assert (
            identifier_errors(inn=org.inn, ogrn=org.ogrn, kpp=org.kpp, is_individual_entrepreneur=False) == {}
        )


@pytest.mark.django_db
def test_every_role_can_log_in_with_the_printed_password():
    output = seed()

    for user in User.objects.select_related("organisation"):
        request = RequestFactory().post("/accounts/login/")  # axes wants the request it is guarding
        assert authenticate(request, username=user.username, password=DEMO_PASSWORD) == user
        assert user.username in output
    assert DEMO_PASSWORD in output
    roles = set(User.objects.values_list("role", flat=True))
    assert roles == {Role.ADMIN, Role.OFFICER, Role.REVIEWER, Role.AUDITOR, Role.APPLICANT}
    assert User.objects.filter(role=Role.OFFICER).count() >= 2


@pytest.mark.django_db
def test_each_firm_has_an_applicant_and_ministry_staff_belong_to_the_ministry():
    seed()

    for firm in Organisation.objects.filter(kind=OrganisationKind.FIRM):
        assert set(firm.members.values_list("role", flat=True)) == {Role.APPLICANT}
    ministry = Organisation.objects.get(kind=OrganisationKind.MINISTRY)
    staff_roles = set(ministry.members.values_list("role", flat=True))
    assert staff_roles == {Role.OFFICER, Role.REVIEWER, Role.AUDITOR}
    admin = User.objects.get(role=Role.ADMIN)
    assert admin.is_superuser and admin.is_staff and admin.organisation is None
    assert not User.objects.exclude(role=Role.ADMIN).filter(is_staff=True).exists()
