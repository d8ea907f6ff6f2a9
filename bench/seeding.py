"""Shared by the database benchmarks: a scratch database, a query counter, the people and a closed round
made through the services, bulk-inserted applications, and the metric rows `bench/run.py` tabulates.

Imported as `bench.seeding` by scripts that put the project first on sys.path (see `project_path`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import random
import sys
import threading
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
BENCH_DIR = BASE_DIR / "bench"
AREAS = ("oncology", "orphan", "mrna_cancer_vaccines", "cell_gene_therapy", "vaccines")
MODALITIES = ("small_molecule", "monoclonal_antibody", "other_biologic", "vaccine", "cell_therapy",
              "gene_therapy", "mrna", "radiopharmaceutical")  # fmt: skip
TARGETS = ("KRAS G12D", "CD123", "PD-L1", "GLP-1", "SMN1", "HER2", "CFTR", "BCMA", "TIGIT", "IL-23", "PCSK9",
           "CD19", "CD33", "CLL1", "EGFR", "ALK", "BRAF", "FGFR2", "claudin 18.2", "TROP2")  # fmt: skip
INDICATIONS = ("acute myeloid leukaemia", "pancreatic cancer", "spinal muscular atrophy", "cystic fibrosis",
               "multiple myeloma", "psoriasis", "melanoma", "lung cancer", "gastric cancer", "obesity")  # fmt: skip
ICD10 = ("C92.0", "C25.9", "G12.1", "E84.0", "C90.0", "L40.0", "C43.9", "C34.9", "C16.9", "E66.0")
ICD10_CHAPTERS = ("II", "IV", "VI", "XII", "III", "IX")
ATC = ("L01FX", "L01XX", "L04AC", "M09AX", "R07AX", "A10BJ", "L01EX", "J07BX", "B02BD", "N07XX")


def project_path() -> None:
    """Put the project first on sys.path and drop bench/, whose grants.py would shadow the `grants` app
    when a script runs as `python bench/<name>.py`."""
    sys.path[:] = [str(BASE_DIR)] + [p for p in sys.path if Path(p or ".").resolve() != BENCH_DIR]


OPS = {"<": lambda v, t: v < t, ">": lambda v, t: v > t, "=": lambda v, t: v == t}


def metric(
    name: str, value: float | int, unit: str, target: float | None = None, op: str = "<", **extra
) -> dict:
    """One row of `make bench`'s table: `value` must be `op` (<, > or =) `target`, in `unit` (None: no
    target, a figure to read). Extra keys (e.g. `queries`) are shown or kept with the row."""
    ok = None if target is None else OPS[op](value, target)
    return {"metric": name, "value": value, "unit": unit, "target": target, "op": op, "ok": ok, **extra}


@contextlib.contextmanager
def scratch_database(name: str, keep: bool = False) -> Iterator[None]:
    """Create (migrate) a database of this name on DATABASE_URL's server, use it, then drop it.
    Celery goes to an in-process broker: services queue notices through the outbox."""
    from django.db import connection

    from config.celery import app

    app.conf.broker_url = "memory://"
    app.conf.broker_transport_options = {}
    connection.settings_dict["TEST"]["NAME"] = name  # keeps the other TEST defaults
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        yield
    finally:
        connection.close()
        if not keep:
            connection.creation.destroy_test_db(old_name, verbosity=0)


class QueryCounter:
    """Counts the queries run on this thread's connection while in `with counter:` (no SQL kept)."""

    def __init__(self) -> None:
        self.count = 0
        self._lock = threading.Lock()
        self._stack: contextlib.ExitStack | None = None

    def __call__(self, execute, sql, params, many, context):
        with self._lock:
            self.count += 1
        return execute(sql, params, many, context)

    def __enter__(self) -> QueryCounter:
        from django.db import connection

        self._stack = contextlib.ExitStack()
        self._stack.enter_context(connection.execute_wrapper(self))
        return self

    def __exit__(self, *exc) -> None:
        assert self._stack is not None
        self._stack.close()


@contextlib.contextmanager
def timed(into: dict, key: str) -> Iterator[QueryCounter]:
    """Time the block into `into[key + "_s"]` and count its queries into `into[key + "_queries"]`."""
    counter = QueryCounter()
    started = time.perf_counter()
    with counter:
        yield counter
    into[f"{key}_s"] = round(time.perf_counter() - started, 3)
    into[f"{key}_queries"] = counter.count


def inn10(n: int) -> str:
    body = f"77{n:07d}"[-9:]
    weights = (2, 4, 10, 3, 5, 9, 4, 6, 8)
    return body + str(sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11 % 10)


def ogrn13(n: int) -> str:
    body = f"1037700{n:05d}"[-12:]
    return body + str(int(body) % 11 % 10)


def people(firms: int, rng: random.Random) -> dict:
    """The ministry with an officer, and `firms` firms with one applicant each (bulk)."""
    from accounts.enums import OrganisationKind, Role
    from accounts.models import Organisation, User

    ministry = Organisation.objects.create(
        kind=OrganisationKind.MINISTRY, name="Ministry", inn=inn10(1), ogrn=ogrn13(1), kpp="770101001"
    )
    officer = User.objects.create(username="officer", role=Role.OFFICER, organisation=ministry)
    orgs = Organisation.objects.bulk_create(
        Organisation(
            kind=OrganisationKind.FIRM,
            name=f"{rng.choice(('Bio', 'Pharm', 'Gen', 'Medi', 'Onco'))}{rng.choice(('tech', 'synth', 'lab'))} {i:03d}",
            inn=inn10(1000 + i),
            ogrn=ogrn13(1000 + i),
            kpp="770101001",
        )
        for i in range(firms)
    )
    applicants = User.objects.bulk_create(
        User(username=f"firm{i:03d}", password="!", role=Role.APPLICANT, organisation=org)
        for i, org in enumerate(orgs)
    )
    return {"ministry": ministry, "officer": officer, "firms": orgs, "applicants": applicants}


def closed_round(officer, *, budget: Decimal, quotas: dict[str, Decimal] | None = None, **fields):
    """A round made, opened and closed through the services (its close is two seconds away, then waited
    for: opening needs a close ahead, closing needs it passed). Default rubric; the AREAS admitted."""
    from django.utils import timezone

    from grants import services

    program = services.program_create(
        actor=officer, name="Clinical-trial costs (bench)", rate=Decimal("0.8"), description="Bench"
    )
    now = timezone.now().replace(microsecond=0)
    day = dt.timedelta(days=1)
    round_ = services.round_create(
        actor=officer,
        program=program,
        title="Round 2026 (bench)",
        opens_at=now - 40 * day,
        closes_at=now + dt.timedelta(seconds=2),
        review_due_at=now + 30 * day,
        decision_at=now + 45 * day,
        budget=budget,
        **fields,
    )
    quotas = quotas or {}
    services.round_set_priority_areas(
        actor=officer, round=round_, areas=[(code, quotas.get(code)) for code in AREAS]
    )
    services.round_open(actor=officer, round=round_)
    time.sleep(max((round_.closes_at - timezone.now()).total_seconds(), 0) + 0.1)
    return services.round_close(actor=officer, round=round_)


def bulk_applications(round_, seeded: dict, count: int, state: str, rng: random.Random) -> list:
    """`count` submitted applications in `state` (bulk), spread unevenly over the firms, with varied
    expertise fields (area, modality, target, indication, ICD-10, ATC) so that affinities differ."""
    from grants.models import Application, PriorityArea

    firms, applicants = seeded["firms"], seeded["applicants"]
    areas = list(PriorityArea.objects.filter(code__in=AREAS).order_by("code"))
    weights = [1 / (rank + 30) for rank in range(len(firms))]
    owners = rng.choices(range(len(firms)), weights=weights, k=count)
    apps = []
    for i in range(count):
        target, where = rng.choice(TARGETS), rng.randrange(len(INDICATIONS))
        apps.append(
            Application(
                organisation=firms[owners[i]],
                round=round_,
                created_by=applicants[owners[i]],
                title=f"{target} {rng.choice(MODALITIES).replace('_', ' ')} in {INDICATIONS[where]} {i}",
                drug_name=f"FC-{i:05d}",
                modality=rng.choice(MODALITIES),
                mechanism=f"Acts on {target}",
                indication=INDICATIONS[where],
                icd10_code=ICD10[where],
                atc_code=rng.choice(ATC),
                priority_area=rng.choice(areas),
                claim_kind=rng.choice(("first_in_class", "best_in_class")),
                development_stage="phase_3",
                state=state,
                current_version=1,
                submitted_at=round_.closes_at - dt.timedelta(hours=rng.uniform(1, 500)),
            )
        )
    return Application.objects.bulk_create(apps, batch_size=1000)


def reviewers(ministry, count: int, rng: random.Random, firms: list | None = None) -> list:
    """`count` reviewers with expertise profiles (bulk); with `firms`, about one in three has a blocking
    affiliation with one of them (detected as conflicts by the assignment run)."""
    from accounts.enums import Role
    from accounts.models import User
    from grants.models import PriorityArea
    from reviewers.models import Affiliation, ReviewerProfile

    users = User.objects.bulk_create(
        User(username=f"reviewer{j:03d}", password="!", role=Role.REVIEWER, organisation=ministry)
        for j in range(count)
    )
    words = [w.casefold() for t in TARGETS for w in t.split()] + [w for i in INDICATIONS for w in i.split()]
    profiles = ReviewerProfile.objects.bulk_create(
        ReviewerProfile(
            user=user,
            modalities=rng.sample(MODALITIES, 2),
            icd10_chapters=rng.sample(ICD10_CHAPTERS, 2),
            icd10_codes=[c[:3] for c in rng.sample(ICD10, 2)],
            atc_groups=[a[: rng.choice((3, 4))] for a in rng.sample(ATC, 3)],
            keywords=rng.sample(words, 6),
        )
        for user in users
    )
    areas = list(PriorityArea.objects.filter(code__in=AREAS).order_by("code"))
    through = ReviewerProfile.priority_areas.through
    through.objects.bulk_create(
        through(reviewerprofile_id=p.pk, priorityarea_id=a.pk) for p in profiles for a in rng.sample(areas, 2)
    )
    if firms:
        Affiliation.objects.bulk_create(
            Affiliation(
                profile=p,
                kind="employment",
                organisation_name=firm.name,
                inn=firm.inn,
                started_on=dt.date(2024, 1, 1),
            )
            for p in profiles
            if rng.random() < 1 / 3
            for firm in [rng.choice(firms)]
        )
    return users


def vacuum_analyze() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
