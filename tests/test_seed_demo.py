"""`manage.py seed_demo` gives the demo the organisations and logins the README promises, once."""

import datetime as dt
from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.db.models import F
from django.test import Client, RequestFactory
from django.utils import timezone

from accounts.enums import OrganisationKind, Role
from accounts.management.commands.seed_demo import DEMO_PASSWORD, USERS
from accounts.models import Organisation, User
from accounts.validators import identifier_errors
from audit.models import AuditEvent
from audit.verify import verify_chain
from deadlines.models import Deadline
from grants.models import Application, ApplicationVersion, FundingDecision, Round, RoundSelection
from reviewers.models import Assignment, AssignmentRun, ConflictDeclaration, Review
from trials.models import Agreement, CostClaim, LedgerEntry, Payout


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    """The demo uploads protocols, minutes and evidence: keep them out of the real media folder."""
    settings.MEDIA_ROOT = tmp_path / "media"


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


DOMAIN_MODELS = (
    Round, Application, ApplicationVersion, Assignment, Review, FundingDecision, Agreement, CostClaim, Payout,
    LedgerEntry, Deadline,
)  # fmt: skip


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in (Organisation, User, *DOMAIN_MODELS)}


@pytest.mark.django_db
def test_running_twice_creates_once_and_says_nothing_changed():
    first = seed()
    created = counts()
    passwords = dict(User.objects.values_list("username", "password"))
    events = AuditEvent.objects.count()

    second = seed()

    assert (created["Organisation"], created["User"]) == (4, len(USERS))
    assert "Demo data created: " in first and "4 organisations" in first and "10 users" in first
    assert "3 rounds" in first and "2 agreements" in first and "1 payout," in first
    assert "nothing changed" in second
    assert counts() == created
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


@pytest.mark.django_db
def test_every_role_finds_data_open_review_published_and_paid():
    seed()

    open_round = Round.objects.get(state="open")
    assert open_round.applications.filter(state="submitted").count() >= 2
    assert open_round.applications.filter(state="draft").exists()  # a firm's unfinished draft

    in_review = Round.objects.get(state="in_review")
    assert AssignmentRun.objects.filter(round=in_review, status="ok").exists()
    assert Assignment.objects.filter(round=in_review, state__in=["assigned", "declared"]).count() == 6
    assert Review.objects.filter(assignment__round=in_review, state="submitted").exists()
    assert Review.objects.filter(assignment__round=in_review, state="draft").exists()
    conflict = Assignment.objects.get(round=in_review, state="conflict")
    assert ConflictDeclaration.objects.filter(assignment=conflict, kind="conflict").exists()

    published = Round.objects.get(state="published")
    ledger = RoundSelection.objects.get(round=published)
    assert ledger.published_at is not None and ledger.minutes_id is not None
    outcomes = sorted(FundingDecision.objects.filter(round=published).values_list("outcome", flat=True))
    assert outcomes == ["rejected", "selected", "selected"]
    assert not Review.objects.filter(assignment__round=published).exclude(state="submitted").exists()

    payout = Payout.objects.get(state="paid")
    assert (payout.proposed_by.username, payout.approved_by.username) == ("officer", "officer2")
    assert payout.claim.state == "verified"
    assert LedgerEntry.objects.filter(kind="payout", amount=payout.amount).exists()
    assert LedgerEntry.objects.filter(kind="commitment").count() == 2
    assert CostClaim.objects.filter(state="submitted").count() == 1  # the officers' verification queue
    assert set(Agreement.objects.values_list("state", flat=True)) == {"success_verified"}
    assert verify_chain().ok


@pytest.mark.django_db
def test_the_past_agrees_with_the_rules():
    """Submissions before the close, screening and reviews after it, publication after the decisions,
    agreements after publication, nothing in the future; and the real clock is back afterwards."""
    seed()

    now = timezone.now()
    assert abs(timezone.now() - dt.datetime.now(dt.UTC)) < dt.timedelta(seconds=5)
    submitted = Application.objects.exclude(submitted_at=None)
    assert not submitted.filter(submitted_at__gte=F("round__closes_at")).exists()
    assert not submitted.filter(submitted_at__lt=F("round__opens_at") - dt.timedelta(days=10)).exists()
    assert not ApplicationVersion.objects.filter(
        submitted_at__gte=F("application__round__closes_at")
    ).exists()
    assert not Review.objects.filter(submitted_at__lte=F("assignment__round__closes_at")).exists()
    assert not Assignment.objects.filter(assigned_at__lte=F("round__closes_at")).exists()
    for ledger in RoundSelection.objects.exclude(published_at=None):
        assert ledger.round.decision_at > ledger.published_at > ledger.round.review_due_at
        assert not FundingDecision.objects.filter(
            round=ledger.round, decided_at__gt=ledger.published_at
        ).exists()
        assert ledger.appeal_window_ends_at < now
    for agreement in Agreement.objects.select_related("round__selection"):
        assert agreement.round.selection.published_at.date() < agreement.signed_on <= timezone.localdate()
    for payout in Payout.objects.all():
        assert payout.proposed_at < payout.approved_at < payout.paid_at < now
    assert not AuditEvent.objects.filter(created_at__gt=now).exists()
    assert not LedgerEntry.objects.filter(created_at__gt=now).exists()


@pytest.mark.django_db
def test_each_roles_pages_show_the_demo_data():
    seed()

    def page(username: str, url: str) -> str:
        client = Client(HTTP_ACCEPT_LANGUAGE="en")
        client.force_login(User.objects.get(username=username))
        response = client.get(url)
        assert response.status_code == 200, (username, url, response.status_code)
        return response.content.decode()

    paid = Payout.objects.get(state="paid")
    waiting = CostClaim.objects.get(state="submitted")
    assert waiting.agreement.number in page("officer", "/trials/verification/")
    assert paid.agreement.number in page("aurora", "/trials/agreements/")
    assert paid.agreement.number not in page("borey", "/trials/agreements/")
    reviewing = Assignment.objects.filter(reviewer__username="reviewer3", state="assigned").first()
    assert reviewing.application.title in page("reviewer3", "/reviews/")
    assert "Отбор 2026 года" in page("sigma", "/grants/applications/")
    rejected = FundingDecision.objects.get(outcome="rejected").application
    result = page(rejected.organisation.members.get().username, f"/grants/selection/results/{rejected.pk}/")
    assert "Итоговая оценка 2" in result  # the reviewers' comments explain the refusal
    page("auditor", "/reports/")
    page("officer2", "/trials/payouts/")


def test_the_demo_clock_tells_the_past_and_always_gives_the_real_clock_back():
    from grants.demo import demo_clock

    real, ledger_default = timezone.now, LedgerEntry._meta.get_field("created_at").default
    moment = timezone.now() - dt.timedelta(days=400)
    with pytest.raises(RuntimeError), demo_clock(moment):
        assert abs(timezone.now() - moment) < dt.timedelta(seconds=5)
        assert abs(timezone.localdate() - moment.date()) <= dt.timedelta(days=1)
        assert abs(LedgerEntry._meta.get_field("created_at").get_default() - moment) < dt.timedelta(seconds=5)
        raise RuntimeError("a failing step")
    assert timezone.now is real
    assert LedgerEntry._meta.get_field("created_at").default is ledger_default
    assert abs(LedgerEntry._meta.get_field("created_at").get_default() - real()) < dt.timedelta(seconds=5)
    with pytest.raises(ValueError), demo_clock(real() + dt.timedelta(days=1)):
        pass
