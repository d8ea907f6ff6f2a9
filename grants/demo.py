"""Demo data for the grants domain: a program, an open round with the default rubric, and
applications in several states; and (`seed_selection_demo`) a past round taken through review,
selection, the committee's decisions, minutes and publication. Called by the demo seeder
(`accounts/management/commands/seed_demo.py`); idempotent (rows are found by name).

Everything goes through the services, so the audit trail, the frozen versions and the deadlines are
real. The past is told on the `demo_clock`: each step runs through the services at the moment it
would have happened (submissions before the close, reviews after it, publication after the
decisions), so the dates agree with the rules; deadlines already due by today fire when the
sweeper first runs and find their work done.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.enums import Role
from grants import services
from grants.enums import SCREENING_CHECKLIST, ApplicationState, RoundState
from grants.models import Application, CostCategory, PriorityArea, Program, Round
from grants.reference import seed_reference_lists

PROGRAM_NAME = "Компенсация затрат на клинические исследования (first/best-in-class)"
ROUND_TITLE = "Отбор 2026 года"
PUBLISHED_ROUND_TITLE = "Отбор 2025 года"
MOSCOW = zoneinfo.ZoneInfo("Europe/Moscow")

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


# The published round's applications: two selected (they get agreements in the trials demo), one
# scored below the threshold.
PUBLISHED_APPLICATIONS = (
    ("Биспецифическое антитело CD3×CLDN18.2", "AUR-310", "monoclonal_antibody", "Клаудин 18.2 и CD3",
     "Аденокарцинома желудка", "C16.9", "L01FX", "oncology", "first_in_class", ApplicationState.SUBMITTED),
    ("AAV-генная терапия гемофилии B", "BOR-2", "gene_therapy", "Фактор IX (вариант Padua)",
     "Наследственный дефицит фактора IX", "D67", "B02BD", "orphan", "first_in_class",
     ApplicationState.SUBMITTED),
    ("Пероральный ингибитор PCSK9", "SIG-12", "small_molecule", "PCSK9",
     "Семейная гиперхолестеринемия", "E78.0", "C10AX", "orphan", "best_in_class", ApplicationState.SUBMITTED),
)  # fmt: skip
# Criterion scores each reviewer gives the published round's applications (the third fails the threshold).
PUBLISHED_SCORES = {0: ("4.5", "4"), 1: ("4", "4.5"), 2: ("2.5", "2")}


# What a complete best-in-class claim states besides the novelty (rule 7).
BEST_IN_CLASS_EVIDENCE = {
    "comparator_name": "Стандартная терапия (препарат сравнения класса)",
    "superiority_endpoint": "Первичная конечная точка: частота ответа на 24-й неделе",
    "superiority_result": "Превосходство над препаратом сравнения: 41% против 27%, p<0,001",
    "superiority_trial": "Рандомизированное исследование фазы 2 против активного контроля",
}


def msk(year: int, month: int, day: int, hour: int = 12) -> dt.datetime:
    """A Moscow wall-clock time (dates in the demo are told the way officers set them)."""
    return dt.datetime(year, month, day, hour, tzinfo=MOSCOW)


def _msk_on(day: dt.date, hour: int) -> dt.datetime:
    return msk(day.year, day.month, day.day, hour)


def _pdf(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, DEMO_PDF, content_type="application/pdf")


def demo_pdf(name: str) -> SimpleUploadedFile:
    """A small valid PDF upload for the other domains' demo data (evidence, minutes)."""
    return _pdf(name)


def demo_program(officer: Any) -> Program:
    """The demo program (created once); every demo round belongs to it."""
    seed_reference_lists(CostCategory, PriorityArea)
    return _program(officer)


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
        today = timezone.localdate()
        round_ = services.round_create(
            actor=officer,
            program=program,
            title=ROUND_TITLE,
            description="Первый отбор проектов: оригинальные препараты с новым механизмом действия.",
            opens_at=_msk_on(today - dt.timedelta(days=3), 10),
            closes_at=_msk_on(today + dt.timedelta(days=45), 18),
            review_due_at=_msk_on(today + dt.timedelta(days=75), 18),
            decision_at=_msk_on(today + dt.timedelta(days=90), 18),
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


def applicant_of(firm: Any) -> Any:
    """The firm's first active applicant (the demo has one per firm)."""
    return firm.members.filter(role=Role.APPLICANT, is_active=True).order_by("pk").first()


def submit_application(person: Any, round_: Round, index: int, spec: tuple) -> Application:
    """An application of `person`'s firm in `round_` brought to `spec`'s final state (see
    `APPLICATIONS`); `index` keeps its trial identifiers apart from the other demo applications'."""
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
        **(
            BEST_IN_CLASS_EVIDENCE
            if claim == "best_in_class" and final_state != ApplicationState.DRAFT
            else {}
        ),
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
    extra = Decimal(7_350_000) * (index % 6)  # the demo's projects differ in size
    for category, description, amount in (
        ("site", "Оплата исследовательским центрам", Decimal("84500000.00") + extra),
        ("cro", "Мониторинг и управление данными", Decimal("36250000.50") + extra / 3),
        ("ins", "Страхование пациентов", Decimal("4100000.00")),
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
    officer already belongs to it). Returns how many rounds and applications were created.
    """
    seed_reference_lists(CostCategory, PriorityArea)
    program = _program(officer)
    new_round = not Round.objects.filter(program=program, title=ROUND_TITLE).exists()
    round_ = _round(officer, program)
    created = 0
    people = [p for p in (applicant_of(firm) for firm in firms) if p is not None]
    if not people:
        return {"rounds_created": int(new_round), "applications_created": 0}
    for index, spec in enumerate(APPLICATIONS):
        person = people[index % len(people)]
        if Application.objects.filter(round=round_, organisation=person.organisation, title=spec[0]).exists():
            continue
        submit_application(person, round_, index, spec)
        created += 1
    return {"rounds_created": int(new_round), "applications_created": created}


# --- the demo clock -----------------------------------------------------------------------------
@contextmanager
def demo_clock(moment: dt.datetime) -> Iterator[None]:
    """Run the services as if the server's clock read `moment` (it keeps ticking from there).

    Demo seeding only, in one process before the servers start: `django.utils.timezone.now` (which
    the services, `localdate()` and `auto_now` read) and the model fields defaulting to it are
    pointed at the shifted clock, and put back on exit.
    """
    real = timezone.now
    if moment > real():
        raise ValueError("The demo clock only tells the past.")
    offset = moment - real()

    def shifted() -> dt.datetime:
        return real() + offset

    fields = [f for model in apps.get_models() for f in model._meta.concrete_fields if f.default is real]
    timezone.now = shifted
    for f in fields:
        f.default = shifted
        f.__dict__.pop("_get_default", None)  # a cached_property holding the default callable
    try:
        yield
    finally:
        timezone.now = real
        for f in fields:
            f.default = real
            f.__dict__.pop("_get_default", None)


# --- past rounds --------------------------------------------------------------------------------
def past_round(
    officer: Any,
    program: Program,
    *,
    title: str,
    description: str,
    dates: dict[str, dt.datetime],
    budget: Decimal,
    areas: list[tuple[str, Decimal | None]],
    reviewers_per_application: int,
) -> Round:
    """A round created and opened ten days before its `dates["opens_at"]`, with those dates."""
    with demo_clock(dates["opens_at"] - dt.timedelta(days=10)):
        round_ = services.round_create(
            actor=officer,
            program=program,
            title=title,
            description=description,
            budget=budget,
            reviewers_per_application=reviewers_per_application,
            **dates,
        )
        services.round_set_priority_areas(actor=officer, round=round_, areas=areas)
        return services.round_open(actor=officer, round=round_)


def submit_in_time(people: list[Any], round_: Round, specs: tuple, *, first_index: int) -> list[Application]:
    """The firms' applications, each submitted a few weeks before the round's close."""
    applications = []
    for i, spec in enumerate(specs):
        with demo_clock(round_.closes_at - dt.timedelta(days=4 + 11 * i, hours=3 * i)):
            applications.append(submit_application(people[i % len(people)], round_, first_index + i, spec))
    return applications


def close_and_screen(officer: Any, round_: Round) -> Round:
    """Close the round just after its closing time and screen every submitted application eligible
    three days later, through the workflow."""
    with demo_clock(round_.closes_at + dt.timedelta(minutes=5)):
        round_ = services.round_close(actor=officer, round=round_)
    checklist = dict.fromkeys(SCREENING_CHECKLIST, True)
    with demo_clock(round_.closes_at + dt.timedelta(days=3)):
        for application in Application.objects.filter(
            round=round_, state=ApplicationState.SUBMITTED
        ).order_by("pk"):
            services.application_screen(
                actor=officer, application=application, outcome="eligible", checklist=checklist
            )
    return Round.objects.get(pk=round_.pk)


def assign_reviewers(officer: Any, round_: Round, at: dt.datetime) -> Any:
    """The real solver's assignment run at `at` (the round goes into review)."""
    from reviewers import services as reviewers

    with demo_clock(at):
        run = reviewers.assignment_run(actor=officer, round=round_)
    if run.status != "ok":
        raise RuntimeError(f"Demo assignment infeasible: {run.report}")
    return run


def write_review(assignment: Any, value: str, at: dt.datetime, *, submit: bool = True) -> Any:
    """The reviewer declares no conflict and writes (and submits) a review scoring every criterion `value`."""
    from reviewers import services as reviewers

    with demo_clock(at):
        declared = reviewers.assignment_declare(
            actor=assignment.reviewer, assignment=assignment, no_conflict=True, confidentiality=True
        )
        codes = list(assignment.round.criteria.order_by("position").values_list("code", flat=True))
        if not submit:
            return reviewers.review_save_draft(
                actor=assignment.reviewer,
                review=declared.review,
                scores={codes[0]: {"value": value, "comment": REVIEW_COMMENTS[codes[0]]}},
            )
        verdict = "рекомендую к финансированию." if Decimal(value) >= 3 else "не рекомендую к финансированию."
        return reviewers.review_submit(
            actor=assignment.reviewer,
            review=declared.review,
            scores={code: {"value": value, "comment": REVIEW_COMMENTS[code]} for code in codes},
            overall_comment=f"Итоговая оценка {value} из 5: {verdict}",
        )


REVIEW_COMMENTS = {
    "novelty": "Механизм действия подтверждён доклиническими данными; аналогов в клинической практике нет.",
    "unmet_need": "Существующая терапия недостаточно эффективна у значительной части пациентов.",
    "evidence": "Дизайн исследования адекватен, первичная конечная точка клинически значима.",
    "team": "Команда имеет опыт регистрационных исследований; производство локализовано.",
    "budget": "Бюджет обоснован, стоимость на пациента соответствует рыночной.",
}


def seed_selection_demo(*, officer: Any, firms: list[Any]) -> dict[str, int]:
    """A past round, published: applications of `firms` reviewed by two demo reviewers each, the
    selection run, the committee's decisions as proposed (two selected, one below the threshold),
    minutes attached and the results published; the appeal window has long ended.

    Needs the reviewer profiles (the reviewers demo runs first). Returns what it created.
    """
    from grants.selectors_selection import proposed_outcomes
    from grants.services.decisions import DecisionInput, decisions_record, minutes_upload, selection_publish
    from grants.services.selection import selection_run
    from reviewers.models import Assignment

    program = demo_program(officer)
    if Round.objects.filter(program=program, title=PUBLISHED_ROUND_TITLE).exists():
        return {}
    people = [p for p in (applicant_of(firm) for firm in firms) if p is not None]
    if not people:
        return {}
    round_ = past_round(
        officer,
        program,
        title=PUBLISHED_ROUND_TITLE,
        description="Отбор 2025 года: результаты опубликованы, соглашения заключены.",
        dates={
            "opens_at": msk(2025, 9, 1, 10),
            "closes_at": msk(2025, 11, 28, 18),
            "review_due_at": msk(2026, 2, 27, 18),
            "decision_at": msk(2026, 3, 31, 18),
        },
        budget=Decimal("500000000"),
        areas=[("oncology", None), ("orphan", None), ("cell_gene_therapy", None)],
        reviewers_per_application=2,
    )
    applications = submit_in_time(people, round_, PUBLISHED_APPLICATIONS, first_index=20)
    round_ = close_and_screen(officer, round_)
    assign_reviewers(officer, round_, msk(2025, 12, 5, 11))
    order = {a.pk: i for i, a in enumerate(applications)}
    assignments = Assignment.objects.filter(round=round_, state="assigned").select_related(
        "reviewer", "round"
    )
    reviews = 0
    for n, assignment in enumerate(assignments.order_by("application_id", "reviewer_id")):
        values = PUBLISHED_SCORES[order[assignment.application_id]]
        write_review(assignment, values[n % len(values)], msk(2026, 1, 12, 10) + dt.timedelta(days=3 * n))
        reviews += 1
    with demo_clock(msk(2026, 3, 2, 10)):
        round_ = services.round_transition(actor=officer, round=round_, action="start_selection")
    with demo_clock(msk(2026, 3, 20, 11)):
        proposal = selection_run(actor=officer, round=round_)
    proposed = proposed_outcomes(proposal)
    with demo_clock(msk(2026, 3, 27, 16)):
        decisions_record(
            actor=officer,
            round=round_,
            decisions=[DecisionInput(a.pk, proposed[a.pk].outcome) for a in applications],
        )
        minutes_upload(actor=officer, round=round_, upload=_pdf("protokol-komissii-2026-03-27.pdf"))
    with demo_clock(msk(2026, 3, 30, 15)):
        selection_publish(actor=officer, round=round_)
    return {
        "rounds": 1,
        "applications": len(applications),
        "reviews": reviews,
        "decisions": len(applications),
    }
