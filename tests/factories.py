"""Factories build objects in their first state; later states come through the real workflow."""

from __future__ import annotations

import factory

from accounts.enums import OrganisationKind, Role
from accounts.models import Organisation, User
from accounts.validators import _INN10_WEIGHTS, _weighted_check


def make_inn10(n: int) -> str:
    body = f"77{n:07d}"[-9:]
    return body + str(_weighted_check(body, _INN10_WEIGHTS))


def make_ogrn13(n: int) -> str:
    body = f"1027700{n:05d}"[-12:]
    return body + str(int(body) % 11 % 10)


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation
        skip_postgeneration_save = True

    kind = OrganisationKind.FIRM
    name = factory.Sequence(lambda n: f"Pharma {n}")
    inn = factory.Sequence(lambda n: make_inn10(n + 100))
    ogrn = factory.Sequence(lambda n: make_ogrn13(n + 100))
    kpp = "770101001"
    address = "Moscow"


class MinistryFactory(OrganisationFactory):
    kind = OrganisationKind.MINISTRY
    name = factory.Sequence(lambda n: f"Ministry {n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    first_name = "Test"
    last_name = factory.Sequence(lambda n: f"User{n}")
    role = Role.APPLICANT
    organisation = factory.SubFactory(OrganisationFactory)
    password = factory.django.Password("pass-Word-123")
    # Tests read pages in English; a test about Russian asks for it (language="ru").
    language = "en"


class ApplicantFactory(UserFactory):
    role = Role.APPLICANT


class OfficerFactory(UserFactory):
    role = Role.OFFICER
    organisation = factory.SubFactory(MinistryFactory)


class ReviewerFactory(UserFactory):
    role = Role.REVIEWER
    organisation = factory.SubFactory(MinistryFactory)


class AuditorFactory(UserFactory):
    role = Role.AUDITOR
    organisation = factory.SubFactory(MinistryFactory)


# --- grants (first states only: rounds are drafts, applications are drafts) -----------------------
def _grants_reference_lists():
    from grants.models import CostCategory, PriorityArea
    from grants.reference import seed_reference_lists

    seed_reference_lists(CostCategory, PriorityArea)


class ProgramFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "grants.Program"
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Programme {n}")
    description = "Compensation of clinical-trial costs"
    success_events = factory.LazyFunction(lambda: ["marketing_authorisation"])

    @factory.post_generation
    def cost_categories(self, create, extracted, **kwargs):
        if not create:
            return
        from grants.models import CostCategory

        _grants_reference_lists()
        self.cost_categories.set(extracted or CostCategory.objects.filter(is_eligible=True))


def _in_days(days: float):
    import datetime as dt

    from django.utils import timezone

    return timezone.now().replace(microsecond=0) + dt.timedelta(days=days)


class RoundFactory(factory.django.DjangoModelFactory):
    """A draft round whose submission window runs from yesterday to ten days ahead."""

    class Meta:
        model = "grants.Round"
        skip_postgeneration_save = True

    program = factory.SubFactory(ProgramFactory)
    title = factory.Sequence(lambda n: f"Round {n}")
    opens_at = factory.LazyFunction(lambda: _in_days(-1))
    closes_at = factory.LazyFunction(lambda: _in_days(10))
    review_due_at = factory.LazyFunction(lambda: _in_days(40))
    decision_at = factory.LazyFunction(lambda: _in_days(60))
    budget = factory.LazyFunction(lambda: __import__("decimal").Decimal("1000000000.00"))


class ApplicationFactory(factory.django.DjangoModelFactory):
    """A bare draft application of a firm (build complete ones through grants.services)."""

    class Meta:
        model = "grants.Application"
        skip_postgeneration_save = True

    organisation = factory.SubFactory(OrganisationFactory)
    round = factory.SubFactory(RoundFactory)
    created_by = factory.SubFactory(ApplicantFactory, organisation=factory.SelfAttribute("..organisation"))
    title = factory.Sequence(lambda n: f"Project {n}")


# --- selection (issue 5) ------------------------------------------------------------------------
def make_selected_application(*, officer, firm=None, amount=None):
    """A published "selected" application, reached through the real services: a round with the default
    rubric is opened, the firm submits (requested amount = `amount`), the round closes and is screened,
    the selection runs (with a recorded exception: no reviews), the committee selects the application
    for `amount` with a reason, attaches minutes and publishes. Returns the application; its
    `funding_decision` has outcome "selected", `approved_amount == amount` and `published_at` set.

    Files (protocol, minutes) go to settings.MEDIA_ROOT: point it at a temporary folder in tests.
    """
    from decimal import Decimal

    from grants.models import Application
    from grants.services.decisions import decision_record, minutes_upload, selection_publish
    from grants.services.selection import selection_run
    from tests.grants.selection.builders import open_round, pdf, submit, to_selection

    amount = Decimal(amount if amount is not None else "100000000.00")
    round_ = open_round(officer, budget=str(amount * 2))
    application = submit(round_, amount=str(amount), firm=firm)
    round_ = to_selection(officer, round_)
    selection_run(actor=officer, round=round_, exception_reason="Test fixture: decided without reviews.")
    decision_record(
        actor=officer,
        application=application,
        outcome="selected",
        approved_amount=amount,
        reason="Test fixture: selected by the committee.",
    )
    minutes_upload(actor=officer, round=round_, upload=pdf())
    selection_publish(actor=officer, round=round_)
    return Application.objects.select_related("funding_decision", "round").get(pk=application.pk)
