"""Demo data for the reviewers domain: the demo reviewers' expertise, and a closed round in review
whose eligible applications have an assignment run, some submitted reviews, a draft and a declared
conflict (refilled from the third reviewer). Called by the demo seeder
(`accounts/management/commands/seed_demo.py`) after the grants demo; idempotent (the profiles are
filled once, the round is found by title).

Everything goes through the services (profiles, the solver, declarations, reviews), so the audit
trail, the assignment run and the review deadlines are real. The round's past is told on the grants
demo's clock (`grants.demo.demo_clock`): submitted before its close, assigned and reviewed after it.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from grants.demo import (
    applicant_of,
    assign_reviewers,
    close_and_screen,
    demo_clock,
    demo_program,
    msk,
    past_round,
    submit_in_time,
    write_review,
)
from grants.enums import ApplicationState
from grants.models import Round
from reviewers import services
from reviewers.enums import AssignmentState
from reviewers.models import Assignment

IN_REVIEW_ROUND_TITLE = "Летний отбор 2026 года"

# username -> expertise (priority areas, modalities, ICD-10 chapters, ATC groups, keywords)
EXPERTISE: dict[str, dict[str, list[str]]] = {
    "reviewer1": {
        "priority_areas": ["oncology", "mrna_cancer_vaccines", "orphan"],
        "modalities": ["monoclonal_antibody", "small_molecule"],
        "icd10_chapters": ["II"],
        "atc_groups": ["L01"],
        "keywords": ["лейкоз", "антитело", "ингибитор киназы"],
    },
    "reviewer2": {
        "priority_areas": ["orphan", "cell_gene_therapy"],
        "modalities": ["gene_therapy", "cell_therapy"],
        "icd10_chapters": ["III", "IV", "VI"],
        "atc_groups": ["B02", "M09"],
        "keywords": ["генная терапия", "AAV", "орфанные"],
    },
    "reviewer3": {
        "priority_areas": ["oncology", "orphan", "vaccines", "mrna_cancer_vaccines"],
        "modalities": ["mrna", "vaccine", "monoclonal_antibody", "small_molecule"],
        "icd10_chapters": ["II", "IV"],
        "atc_groups": ["L03", "J07", "C10"],
        "keywords": ["мРНК", "вакцина", "иммунотерапия"],
    },
}

# (title, drug, modality, target, indication, ICD-10, ATC, area, claim, final state): see grants.demo
IN_REVIEW_APPLICATIONS = (
    ("CAR-T против CD19/CD22 при В-ОЛЛ", "AUR-CAR19", "cell_therapy", "CD19 и CD22",
     "Острый лимфобластный лейкоз из В-клеток", "C91.0", "L01XL", "oncology", "first_in_class",
     ApplicationState.SUBMITTED),
    ("Антисмысловой олигонуклеотид при БАС", "BOR-ASO1", "other", "мРНК SOD1",
     "Боковой амиотрофический склероз", "G12.2", "", "orphan", "best_in_class", ApplicationState.SUBMITTED),
    ("Персонализированная мРНК-вакцина при раке лёгкого", "SIG-mRNA-7", "mrna", "Неоантигены опухоли",
     "Немелкоклеточный рак лёгкого", "C34.9", "L03AX", "mrna_cancer_vaccines", "first_in_class",
     ApplicationState.SUBMITTED),
)  # fmt: skip

CONFLICT_NOTE = "В 2025 году консультировал заявителя по дизайну этого исследования."


def seed_reviewer_profiles(reviewers: list[Any]) -> int:
    """Fill the expertise of the demo reviewers whose profile is still empty; returns how many."""
    filled = 0
    for user in reviewers:
        expertise = EXPERTISE.get(user.username)
        if expertise is None:
            continue
        profile = services.profile_of(user)
        if profile.modalities or profile.priority_areas.exists():
            continue
        services.profile_update(actor=user, profile=profile, **expertise)
        filled += 1
    return filled


def seed_reviewers_demo(*, officer: Any, firms: list[Any], reviewers: list[Any]) -> dict[str, int]:
    """The reviewers' profiles, then (once) the round in review. Returns what it created."""
    profiles = seed_reviewer_profiles(reviewers)
    program = demo_program(officer)
    if Round.objects.filter(program=program, title=IN_REVIEW_ROUND_TITLE).exists():
        return {"reviewer_profiles": profiles}
    people = [p for p in (applicant_of(firm) for firm in firms) if p is not None]
    by_name = {user.username: user for user in reviewers}
    if not people or not all(name in by_name for name in EXPERTISE):
        return {"reviewer_profiles": profiles}
    round_ = past_round(
        officer,
        program,
        title=IN_REVIEW_ROUND_TITLE,
        description="Дополнительный отбор: клеточная и генная терапия, орфанные заболевания, мРНК-вакцины.",
        dates={
            "opens_at": msk(2026, 8, 3, 10),
            "closes_at": msk(2026, 10, 30, 18),
            "review_due_at": msk(2026, 12, 14, 18),
            "decision_at": msk(2027, 1, 25, 18),
        },
        budget=Decimal("600000000"),
        areas=[
            ("oncology", None),
            ("orphan", None),
            ("mrna_cancer_vaccines", None),
            ("cell_gene_therapy", None),
        ],
        reviewers_per_application=2,
    )
    applications = submit_in_time(people, round_, IN_REVIEW_APPLICATIONS, first_index=10)
    round_ = close_and_screen(officer, round_)
    assign_reviewers(officer, round_, msk(2026, 11, 5, 11))
    active = Assignment.objects.filter(round=round_, state=AssignmentState.ASSIGNED).select_related(
        "reviewer", "round"
    )

    # reviewer2 declares a conflict on their first assignment: the solver refills the place.
    conflicted = active.filter(reviewer=by_name["reviewer2"]).order_by("application_id").first()
    conflicts = 0
    if conflicted is not None:
        with demo_clock(msk(2026, 11, 9, 14)):
            services.assignment_declare_conflict(
                actor=conflicted.reviewer, assignment=conflicted, description=CONFLICT_NOTE
            )
        conflicts = 1

    # reviewer1 submits all but their last review; reviewer3 opens one and leaves it as a draft;
    # the rest wait (every reviewer still has something to do before the due date).
    reviewed = 0
    mine = list(active.filter(reviewer=by_name["reviewer1"]).order_by("application_id"))
    for n, assignment in enumerate(mine[:-1]):
        write_review(assignment, "4", msk(2026, 11, 12, 10) + dt.timedelta(days=2 * n))
        reviewed += 1
    draft = active.filter(reviewer=by_name["reviewer3"]).order_by("application_id").first()
    if draft is not None:
        write_review(draft, "3.5", msk(2026, 11, 20, 17), submit=False)
        reviewed += 1
    return {
        "reviewer_profiles": profiles,
        "rounds": 1,
        "applications": len(applications),
        "assignments": Assignment.objects.filter(round=round_).count(),
        "reviews": reviewed,
        "conflicts": conflicts,
    }
