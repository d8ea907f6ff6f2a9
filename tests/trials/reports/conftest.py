"""Money histories for the report tests, built through the real trials services (no ledger row is
written by hand): agreements in chosen rounds, firms and priority areas, verified claims, payouts
proposed, approved by a second officer and paid, recoveries and closings, each at a chosen moment."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from grants.models import Application, CostCategory, PriorityArea
from grants.reference import seed_reference_lists
from tests import factories
from tests.trials.conftest import make_selected_many, record_success, sign, verified_claim
from trials import services
from trials.models import Agreement, CostClaim, Payout

MOSCOW = ZoneInfo("Europe/Moscow")
KEEP = object()  # "leave the application's priority area as submitted"
_documents = itertools.count(1)


def moscow(year: int, month: int, day: int, hour: int = 12) -> dt.datetime:
    return dt.datetime(year, month, day, hour, 0, tzinfo=MOSCOW)


@dataclass
class Book:
    """Writes money histories through the services, each step at the moment it is given."""

    officer: object
    second_officer: object
    applicants: dict = field(default_factory=dict)

    def applicant_of(self, firm):
        if firm.pk not in self.applicants:
            self.applicants[firm.pk] = factories.ApplicantFactory(organisation=firm)
        return self.applicants[firm.pk]

    def select(self, *, at, firms, caps, budget: Decimal | None = None) -> list[Application]:
        """Applications of one new round, each selected for its cap in a published decision (through
        the selection side's services, at `at`); `budget` sets the round's budget afterwards."""
        with time_machine.travel(at, tick=False):
            return make_selected_many(officer=self.officer, amounts=caps, firms=firms, budget=budget)

    def start(self, *, at, application: Application, area=KEEP) -> Agreement:
        """The application's agreement, signed, started and with success recorded at `at`. `area`
        replaces the application's priority area (None: no area) before the agreement is made."""
        with time_machine.travel(at, tick=False):
            if area is not KEEP:
                Application.objects.filter(pk=application.pk).update(priority_area=area)
                application.refresh_from_db()
            agreement = services.agreement_create(actor=self.officer, application=application)
            agreement = services.agreement_activate(
                actor=self.officer, agreement=sign(agreement, self.officer)
            )
            record_success(self.officer, agreement)
            agreement.refresh_from_db()
        return agreement

    def agreement(
        self, *, at, firm, cap=Decimal("10000000.00"), area=KEEP, budget=Decimal("100000000.00")
    ) -> Agreement:
        """One firm's agreement in a round of its own."""
        (application,) = self.select(at=at, firms=[firm], caps=[cap], budget=budget)
        return self.start(at=at, application=application, area=area)

    def claim(self, *, at, agreement: Agreement, amounts: tuple[Decimal, ...]) -> CostClaim:
        """A claim whose lines are all accepted by the officer at `at`."""
        with time_machine.travel(at, tick=False):
            return verified_claim(
                self.applicant_of(agreement.organisation),
                self.officer,
                agreement,
                amounts=amounts,
                number_prefix=f"D{next(_documents)}",
            )

    def propose(self, *, at, claim: CostClaim) -> Payout:
        with time_machine.travel(at, tick=False):
            return services.payout_propose(actor=self.officer, claim=claim)

    def approve(self, *, at, payout: Payout) -> Payout:
        with time_machine.travel(at, tick=False):
            return services.payout_approve(actor=self.second_officer, payout=payout)

    def mark_paid(self, *, at, payout: Payout) -> Payout:
        with time_machine.travel(at, tick=False):
            return services.payout_mark_paid(
                actor=self.officer,
                payout=payout,
                payment_order_number=f"PO-{payout.pk}",
                payment_order_date=at.date(),
            )

    def pay(self, *, at, agreement: Agreement, amount: Decimal) -> Payout:
        """Claim `amount` of costs, then propose, approve and pay the payout, all at `at`."""
        claim = self.claim(at=at, agreement=agreement, amounts=(amount,))
        payout = self.approve(at=at, payout=self.propose(at=at, claim=claim))
        return self.mark_paid(at=at, payout=payout)

    def recover(self, *, at, agreement: Agreement, amount: Decimal, reason: str = "Audit finding"):
        with time_machine.travel(at, tick=False):
            return services.recovery_record(
                actor=self.officer,
                agreement=agreement,
                amount=amount,
                reason=reason,
                due_date=at.date() + dt.timedelta(days=10),
            )

    def close(self, *, at, agreement: Agreement) -> Agreement:
        with time_machine.travel(at, tick=False):
            return services.agreement_close(actor=self.officer, agreement=agreement, reason="Programme ended")


@pytest.fixture
def book(officer, second_officer) -> Book:
    return Book(officer=officer, second_officer=second_officer)


@pytest.fixture
def areas(db) -> list[PriorityArea]:
    seed_reference_lists(CostCategory, PriorityArea)
    return list(PriorityArea.objects.order_by("pk")[:2])
