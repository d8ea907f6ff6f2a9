"""Demo data for the grants domain: a program, an open round with the default rubric, and
applications in several states. Called by the demo seeder; idempotent (rows are found by name).

Everything goes through the services, so the audit trail and the frozen versions are real.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.enums import Role
from grants import services
from grants.enums import ApplicationState, RoundState
from grants.models import Application, CostCategory, PriorityArea, Program, Round
from grants.reference import seed_reference_lists

PROGRAM_NAME = "Компенсация затрат на клинические исследования (first/best-in-class)"
ROUND_TITLE = "Отбор 2026 года"

# A one-page PDF: enough for puremagic to recognise it and for a browser to open it.
DEMO_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)

# (title, drug, modality, target, indication, ICD-10, ATC, area, claim, final state)
APPLICATIONS = (
    ("Анти-CD123 антитело при ОМЛ", "AUR-101", "monoclonal_antibody", "CD123 на лейкозных стволовых клетках",
     "Острый миелоидный лейкоз", "C92.0", "L01FX", "oncology", "first_in_class", ApplicationState.SUBMITTED),
    ("Ингибитор KRAS G12D", "AUR-202", "small_molecule", "KRAS G12D", "Аденокарцинома поджелудочной железы",
     "C25.9", "", "oncology", "best_in_class", ApplicationState.DRAFT),
    ("Генная терапия СМА", "BOR-7", "gene_therapy", "SMN1", "Спинальная мышечная атрофия", "G12.0", "",
     "orphan", "first_in_class", ApplicationState.SUBMITTED),
    ("мРНК-вакцина против меланомы", "SIG-mRNA-4", "mrna", "Неоантигены опухоли", "Меланома кожи", "C43.9",
     "", "mrna_cancer_vaccines", "first_in_class", ApplicationState.WITHDRAWN),
)  # fmt: skip


def _pdf(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, DEMO_PDF, content_type="application/pdf")


def _program(officer: Any) -> Program:
    program = Program.objects.filter(name=PROGRAM_NAME).first()
    if program is None:
        program = services.program_create(
            actor=officer,
            name=PROGRAM_NAME,
            description="Возмещение фактических затрат на клинические исследования после регистрации препарата.",
            rate=Decimal("1"),
            success_events=["marketing_authorisation", "conditional_authorisation"],
        )
    return program


def _round(officer: Any, program: Program) -> Round:
    round_ = Round.objects.filter(program=program, title=ROUND_TITLE).first()
    if round_ is None:
        now = timezone.now().replace(second=0, microsecond=0)
        round_ = services.round_create(
            actor=officer,
            program=program,
            title=ROUND_TITLE,
            description="Первый отбор проектов: оригинальные препараты с новым механизмом действия.",
            opens_at=now - dt.timedelta(days=3),
            closes_at=now + dt.timedelta(days=45),
            review_due_at=now + dt.timedelta(days=75),
            decision_at=now + dt.timedelta(days=90),
            budget=Decimal("1000000000"),
        )
        services.round_set_priority_areas(
            actor=officer,
            round=round_,
            areas=[
                ("oncology", Decimal("400000000")),
                ("orphan", Decimal("250000000")),
                ("mrna_cancer_vaccines", None),
                ("cell_gene_therapy", None),
                ("vaccines", None),
            ],
        )
    if round_.state == RoundState.DRAFT:
        round_ = services.round_open(actor=officer, round=round_)
    return round_


def _applicant_of(firm: Any) -> Any:
    return firm.members.filter(role=Role.APPLICANT, is_active=True).order_by("pk").first()


def _application(person: Any, round_: Round, index: int, spec: tuple) -> Application:
    title, drug, modality, target, indication, icd10, atc, area, claim, final_state = spec
    application = services.application_create(
        actor=person,
        round=round_,
        title=title,
        drug_name=drug,
        modality=modality,
        mechanism=target,
        indication=indication,
        icd10_code=icd10,
        atc_code=atc,
        priority_area=area,
        claim_kind=claim,
        novelty_statement="Препарат с новым механизмом действия; зарегистрированных аналогов нет.",
        development_stage="phase_3",
    )
    if final_state == ApplicationState.DRAFT:
        return application  # an unfinished draft: the firm's form shows what is missing
    nct = f"NCT{(int(person.organisation.inn[-6:]) * 10 + index) % 10**8:08d}"
    services.trial_add(
        actor=person,
        application=application,
        phase="3",
        nct_id=nct,
        permission_number=f"{100 + index}/2025",
        permission_date=dt.date(2025, 3, 1 + index),
        planned_enrolment=240 + 20 * index,
        start_date=dt.date(2025, 4, 1),
        end_date=dt.date(2027, 12, 31),
    )
    for category, description, amount in (
        ("site", "Оплата исследовательским центрам", "84500000.00"),
        ("cro", "Мониторинг и управление данными", "36250000.50"),
        ("ins", "Страхование пациентов", "4100000.00"),
    ):
        services.budget_line_add(
            actor=person, application=application, category=category, description=description, amount=amount
        )
    services.document_upload(
        actor=person, application=application, upload=_pdf("protocol.pdf"), kind="protocol"
    )
    services.application_submit(actor=person, application=application)
    if final_state == ApplicationState.WITHDRAWN:
        services.application_withdraw(actor=person, application=application, reason="Пересмотр бюджета")
    return application


def seed_grants_demo(*, ministry: Any, firms: list[Any], officer: Any) -> dict[str, int]:
    """Create (once) the demo program, its open round and a few applications of `firms`.

    `ministry` is the ministry organisation (kept for symmetry with the other seeders: the
    officer already belongs to it). Returns how many applications were created.
    """
    seed_reference_lists(CostCategory, PriorityArea)
    program = _program(officer)
    round_ = _round(officer, program)
    created = 0
    people = [p for p in (_applicant_of(firm) for firm in firms) if p is not None]
    if not people:
        return {"applications_created": 0}
    for index, spec in enumerate(APPLICATIONS):
        person = people[index % len(people)]
        if Application.objects.filter(round=round_, organisation=person.organisation, title=spec[0]).exists():
            continue
        _application(person, round_, index, spec)
        created += 1
    return {"applications_created": created}
