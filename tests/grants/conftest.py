"""Grants fixtures: a program, an open round reached through the real workflow, complete drafts."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
import xlsxwriter
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation

from grants import services
from grants.models import CostCategory, PriorityArea
from grants.reference import seed_reference_lists
from tests import factories

PDF_BYTES = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 40


def xlsx_bytes() -> bytes:
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    workbook.add_worksheet().write(0, 0, "budget")
    workbook.close()
    return buffer.getvalue()


def pdf_upload(name: str = "protocol.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF_BYTES, content_type="application/pdf")


@pytest.fixture(autouse=True)
def english():
    """Messages are asserted in English; the Russian catalogue is produced later."""
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def reference_lists(db):
    # A transactional test elsewhere may have flushed the seeded rows; put them back.
    seed_reference_lists(CostCategory, PriorityArea)


@pytest.fixture
def program(reference_lists):
    return factories.ProgramFactory()


@pytest.fixture
def draft_round(program, officer):
    round_ = factories.RoundFactory(program=program)
    services.round_set_rubric(actor=officer, round=round_, criteria=services.default_rubric())
    services.round_set_priority_areas(
        actor=officer,
        round=round_,
        areas=[("oncology", Decimal("300000000")), ("orphan", None), ("hiv", None)],
    )
    return round_


@pytest.fixture
def open_round(draft_round, officer):
    return services.round_open(actor=officer, round=draft_round)


def make_complete_application(applicant, round_, *, nct_id: str = "", title: str = "Anti-CD123 antibody"):
    """A draft with every item submission needs, built through the services."""
    application = services.application_create(
        actor=applicant,
        round=round_,
        title=title,
        drug_name="FC-101",
        modality="monoclonal_antibody",
        mechanism="Blocks CD123 on leukaemic stem cells",
        indication="Acute myeloid leukaemia",
        icd10_code="C92.0",
        atc_code="L01FX",
        priority_area="oncology",
        claim_kind="first_in_class",
        novelty_statement="No approved drug acts on this target.",
        development_stage="phase_3",
    )
    services.trial_add(
        actor=applicant,
        application=application,
        phase="3",
        nct_id=nct_id or f"NCT{application.pk:08d}",
        planned_enrolment=300,
        start_date=dt.date(2025, 1, 1),
        end_date=dt.date(2027, 1, 1),
    )
    services.budget_line_add(
        actor=applicant,
        application=application,
        category="site",
        description="Site fees",
        amount="1000000.50",
    )
    services.budget_line_add(
        actor=applicant,
        application=application,
        category="cro",
        description="Monitoring",
        amount=Decimal("250000"),
    )
    services.document_upload(actor=applicant, application=application, upload=pdf_upload(), kind="protocol")
    application.refresh_from_db()
    return application


@pytest.fixture
def complete_application(applicant, open_round):
    return make_complete_application(applicant, open_round)


@pytest.fixture
def submitted_application(applicant, complete_application):
    services.application_submit(actor=applicant, application=complete_application)
    complete_application.refresh_from_db()
    return complete_application


def after_close(round_, minutes: float = 1):
    return round_.closes_at + dt.timedelta(minutes=minutes)


def moscow(*args) -> dt.datetime:
    return timezone.make_aware(dt.datetime(*args))
