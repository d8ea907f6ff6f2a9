"""Trials fixtures: a selected application (the selection contract), agreements reached through the
real services, files that pass the content checks, and helpers to file and verify claims."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import timezone, translation

from core.errors import Conflict
from grants.models import Application, CoveredTrial
from tests import factories
from trials import services
from trials.enums import EvidenceKind

PDF_BYTES = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
CAP = Decimal("10000000.00")
COUNTERPARTY_INN = "7707083893"  # a valid organisation INN (check digit verified)
OTHER_INN = "7736207543"
TODAY = dt.date.today


@pytest.fixture(autouse=True)
def english(settings):
    """Messages are asserted in English; the Russian catalogue is produced later."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def pdf(name: str = "evidence.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF_BYTES, content_type="application/pdf")


PROGRAM_DEFAULTS = {
    "rate": Decimal("0.8000"),
    "eligible_from": dt.date(2024, 1, 1),
    "eligible_until": dt.date(2030, 12, 31),
    "success_events": ["marketing_authorisation", "conditional_authorisation", "primary_endpoint"],
}


def make_selected_many(
    *,
    officer,
    amounts,
    firms=None,
    program: dict | None = None,
    phase: str = "3",
    budget: Decimal | None = None,
):
    """Applications of one round, each selected for its amount in a published decision, reached
    through the selection side's real services (the contract). `program` overrides the program's
    rate, eligibility window and accepted success events; `phase` the covered trials' phase;
    `budget` the round's budget after publication (a budget cut after selection, set directly)."""
    from grants.models import Program, Round
    from grants.services.decisions import decision_record, minutes_upload, selection_publish
    from grants.services.selection import selection_run
    from tests.grants.selection.builders import open_round, submit, to_selection

    amounts = [Decimal(a) for a in amounts]
    firms = list(firms or [None] * len(amounts))
    round_ = open_round(officer, budget=str(sum(amounts) * 2))
    Program.objects.filter(pk=round_.program_id).update(**{**PROGRAM_DEFAULTS, **(program or {})})
    applications = [submit(round_, amount=str(a), firm=f) for a, f in zip(amounts, firms, strict=True)]
    round_ = to_selection(officer, round_)
    selection_run(actor=officer, round=round_, exception_reason="Test fixture: decided without reviews.")
    for application, amount in zip(applications, amounts, strict=True):
        decision_record(
            actor=officer,
            application=application,
            outcome="selected",
            approved_amount=amount,
            reason="Fixture",
        )
    minutes_upload(actor=officer, round=round_, upload=pdf("minutes.pdf"))
    selection_publish(actor=officer, round=round_)
    if phase != "3":
        CoveredTrial.objects.filter(application__in=applications).update(phase=phase)
    if budget is not None:
        Round.objects.filter(pk=round_.pk).update(budget=budget)
    return [Application.objects.select_related("round__program").get(pk=a.pk) for a in applications]


def make_selected(*, officer, firm=None, amount: Decimal = CAP, **kwargs):
    """One application of `firm` selected for `amount` in a published decision."""
    return make_selected_many(officer=officer, amounts=[amount], firms=[firm], **kwargs)[0]


@pytest.fixture
def selected_application(officer, firm):
    return make_selected(officer=officer, firm=firm)


@pytest.fixture
def funding_round(selected_application):
    return selected_application.round


@pytest.fixture
def program(selected_application):
    return selected_application.round.program


def sign(agreement, officer):
    return services.agreement_sign(
        actor=officer, agreement=agreement, signed_on=timezone.localdate(), firm_signatory="I. Petrov"
    )


@pytest.fixture
def draft_agreement(officer, selected_application):
    return services.agreement_create(actor=officer, application=selected_application)


@pytest.fixture
def signed_agreement(officer, draft_agreement):
    return sign(draft_agreement, officer)


@pytest.fixture
def active_agreement(officer, signed_agreement):
    return services.agreement_activate(actor=officer, agreement=signed_agreement)


def officer_evidence(officer, agreement, kind):
    return services.evidence_upload(actor=officer, agreement=agreement, upload=pdf(f"{kind}.pdf"), kind=kind)


def record_success(officer, agreement):
    return services.success_record(
        actor=officer,
        agreement=agreement,
        event_kind="marketing_authorisation",
        authorisation_number="ЛП-009876",
        authorisation_date=timezone.localdate(),
        authorisation_document=officer_evidence(officer, agreement, EvidenceKind.MARKETING_AUTHORISATION),
        class_confirmed=True,
        expert_opinion=officer_evidence(officer, agreement, EvidenceKind.EXPERT_OPINION),
    )


@pytest.fixture
def successful_agreement(officer, active_agreement):
    record_success(officer, active_agreement)
    active_agreement.refresh_from_db()
    return active_agreement


def add_line(applicant, claim, *, evidence: bool = True, **overrides):
    """A line with its three pieces of evidence (rule 30)."""
    trial = claim.agreement.trials.first()
    values = {
        "trial": trial,
        "category": "site",
        "description": "Site fees, first cohort",
        "document_date": dt.date(2025, 3, 14),
        "counterparty_inn": COUNTERPARTY_INN,
        "counterparty_name": "City Clinical Hospital No. 1",
        "document_number": "A-17",
        "amount": Decimal("1000000.00"),
    }
    values.update(overrides)
    line = services.claim_line_add(actor=applicant, claim=claim, **values)
    if evidence:
        for kind in (EvidenceKind.CONTRACT, EvidenceKind.ACCEPTANCE_ACT, EvidenceKind.PAYMENT_ORDER):
            services.evidence_upload(
                actor=applicant, agreement=claim.agreement, upload=pdf(f"{kind}.pdf"), kind=kind, line=line
            )
    return line


def verified_claim(applicant, officer, agreement, amounts=(Decimal("1000000.00"),), number_prefix="A"):
    """A claim with one accepted line per amount, verified by `officer`."""
    claim = services.claim_create(actor=applicant, agreement=agreement)
    lines = [
        add_line(applicant, claim, amount=amount, document_number=f"{number_prefix}-{claim.number}-{i}")
        for i, amount in enumerate(amounts)
    ]
    services.claim_submit(actor=applicant, claim=claim)
    for line in lines:
        services.line_verify(actor=officer, line=line, decision="accept")
    return services.claim_complete_verification(actor=officer, claim=claim)


@pytest.fixture
def second_officer(ministry):
    return factories.OfficerFactory(organisation=ministry)


def race(calls) -> list[str]:
    """Run `calls` in threads released together (each on its own database connection); their
    outcomes, sorted: "ok" or "409:<code>" for a refused conflict. Any other error fails the test."""
    barrier = threading.Barrier(len(calls))
    outcomes: list[str] = []
    errors: list[BaseException] = []

    def run(call):
        try:
            barrier.wait(timeout=10)
            call()
            outcomes.append("ok")
        except Conflict as exc:
            outcomes.append(f"409:{exc.code}")
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    return sorted(outcomes)
