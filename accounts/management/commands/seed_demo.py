"""`manage.py seed_demo`: the ministry, three firms, one login per role, and a populated product:
an open round with applications, a round in review, a published round and its agreements and
payouts (see `DOMAIN_SEEDERS`).

Idempotent: rows are found by their natural key (INN, username) and only missing ones are created,
through the account services (so the audit trail records them); existing rows are left as they are.
After the accounts, `seed_all` runs the domain seeders of `DOMAIN_SEEDERS` in order (grants →
reviewers → selection → trials), each idempotent in the same way and going through its services.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.enums import OrganisationKind, Role
from accounts.models import Organisation, User
from accounts.services import organisation_create, user_create
from audit.services import record_event

DEMO_PASSWORD = "firstclass-demo"


@dataclass(frozen=True)
class OrganisationSpec:
    key: str
    kind: str
    name: str
    inn: str
    ogrn: str
    kpp: str
    address: str


@dataclass(frozen=True)
class UserSpec:
    username: str
    role: str
    organisation: str  # OrganisationSpec.key; "" for the administrator, who belongs to none
    first_name: str
    last_name: str


# The ministry's identifiers are the Ministry of Health's published ones; the firms' are invented
# but carry correct check digits, regional prefixes (77 Moscow, 50 Moscow region, 78 St Petersburg)
# and a KPP on the same tax office as the INN.
ORGANISATIONS: tuple[OrganisationSpec, ...] = (
    OrganisationSpec(
        "ministry",
        OrganisationKind.MINISTRY,
        "Минздрав России (демо)",
        "7707778246",
        "1127746460896",
        "770701001",
        "127994, Москва, Рахмановский пер., д. 3",
    ),
    OrganisationSpec(
        "aurora",
        OrganisationKind.FIRM,
        "АО «Аврора Фарма»",
        "7705123452",
        "1027705123456",
        "770501001",
        "115054, Москва, ул. Валовая, д. 10",
    ),
    OrganisationSpec(
        "borey",
        OrganisationKind.FIRM,
        "ООО «Борей Биотех»",
        "5024123459",
        "1105024123456",
        "502401001",
        "143401, Московская обл., Красногорск, ул. Ленина, д. 5",
    ),
    OrganisationSpec(
        "sigma",
        OrganisationKind.FIRM,
        "ПАО «Сигма Терапевтикс»",
        "7814123452",
        "1037814123456",
        "781401001",
        "197374, Санкт-Петербург, Приморский пр., д. 54",
    ),
)

USERS: tuple[UserSpec, ...] = (
    UserSpec("admin", Role.ADMIN, "", "Алексей", "Админов"),  # first: it adds everything else
    UserSpec("officer", Role.OFFICER, "ministry", "Ольга", "Смирнова"),
    UserSpec("officer2", Role.OFFICER, "ministry", "Павел", "Орлов"),
    UserSpec("reviewer1", Role.REVIEWER, "ministry", "Ирина", "Кузнецова"),
    UserSpec("reviewer2", Role.REVIEWER, "ministry", "Дмитрий", "Волков"),
    UserSpec("reviewer3", Role.REVIEWER, "ministry", "Елена", "Соколова"),
    UserSpec("auditor", Role.AUDITOR, "ministry", "Сергей", "Морозов"),
    UserSpec("aurora", Role.APPLICANT, "aurora", "Анна", "Лебедева"),
    UserSpec("borey", Role.APPLICANT, "borey", "Борис", "Новиков"),
    UserSpec("sigma", Role.APPLICANT, "sigma", "Мария", "Фёдорова"),
)


@dataclass
class SeedReport:
    """How many rows of each kind were created and how many were already there."""

    created: Counter[str] = field(default_factory=Counter)
    existing: Counter[str] = field(default_factory=Counter)

    def note(self, kind: str, *, created: bool) -> None:
        (self.created if created else self.existing)[kind] += 1

    @property
    def changed(self) -> bool:
        return sum(self.created.values()) > 0


def seed_admin(report: SeedReport) -> User:
    """The platform administrator, bootstrapped like `createsuperuser`: nobody exists yet to add them."""
    spec = USERS[0]
    admin = User.objects.filter(username=spec.username).first()
    report.note("users", created=admin is None)
    if admin is None:
        admin = User.objects.create_superuser(
            spec.username,
            _email(spec),
            DEMO_PASSWORD,
            first_name=spec.first_name,
            last_name=spec.last_name,
        )
        record_event(
            actor="system:seed_demo",
            action="user.create",
            obj=admin,
            after={"username": admin.username, "role": admin.role, "is_superuser": True},
        )
    return admin


def seed_organisations(admin: User, report: SeedReport) -> dict[str, Organisation]:
    """The ministry and the three firms, keyed by `OrganisationSpec.key`, added by the administrator."""
    result: dict[str, Organisation] = {}
    for spec in ORGANISATIONS:
        org = Organisation.objects.filter(inn=spec.inn).first()
        report.note("organisations", created=org is None)
        if org is None:
            org = organisation_create(
                actor=admin,
                kind=spec.kind,
                name=spec.name,
                inn=spec.inn,
                ogrn=spec.ogrn,
                kpp=spec.kpp,
                address=spec.address,
            )
        result[spec.key] = org
    return result


def seed_users(admin: User, organisations: dict[str, Organisation], report: SeedReport) -> list[User]:
    """One login per role (several where later journeys need them), all with `DEMO_PASSWORD`."""
    users = [admin]
    for spec in USERS[1:]:
        user = User.objects.filter(username=spec.username).first()
        report.note("users", created=user is None)
        if user is None:
            user = user_create(
                actor=admin,
                organisation=organisations[spec.organisation],
                username=spec.username,
                role=spec.role,
                first_name=spec.first_name,
                last_name=spec.last_name,
                email=_email(spec),
                password=DEMO_PASSWORD,
            )
        users.append(user)
    return users


def _email(spec: UserSpec) -> str:
    return f"{spec.username}@example.org"


@dataclass(frozen=True)
class DemoContext:
    """What the domain seeders get: the demo organisations and users, by key and username."""

    organisations: dict[str, Organisation]
    users: dict[str, User]

    @property
    def ministry(self) -> Organisation:
        return self.organisations["ministry"]

    @property
    def firms(self) -> list[Organisation]:
        return [org for key, org in self.organisations.items() if key != "ministry"]


def _grants(ctx: DemoContext) -> dict[str, int]:
    from grants.demo import seed_grants_demo

    return seed_grants_demo(ministry=ctx.ministry, firms=ctx.firms, officer=ctx.users["officer"])


def _reviewers(ctx: DemoContext) -> dict[str, int]:
    from reviewers.demo import seed_reviewers_demo

    reviewers = [u for u in ctx.users.values() if u.role == Role.REVIEWER]
    return seed_reviewers_demo(officer=ctx.users["officer"], firms=ctx.firms, reviewers=reviewers)


def _selection(ctx: DemoContext) -> dict[str, int]:
    from grants.demo import seed_selection_demo

    return seed_selection_demo(officer=ctx.users["officer"], firms=ctx.firms)


def _trials(ctx: DemoContext) -> dict[str, int]:
    from trials.demo import seed_trials_demo

    return seed_trials_demo(
        officer=ctx.users["officer"], second_officer=ctx.users["officer2"], firms=ctx.firms
    )


# Each seeder returns how many rows of each kind it created ("applications_created" counts as
# "applications"); a second run returns zeros.
DOMAIN_SEEDERS: tuple[tuple[str, Callable[[DemoContext], dict[str, int]]], ...] = (
    ("grants", _grants),
    ("reviewers", _reviewers),
    ("selection", _selection),
    ("trials", _trials),
)


def seed_domains(ctx: DemoContext, report: SeedReport) -> None:
    for _name, seeder in DOMAIN_SEEDERS:
        for kind, count in seeder(ctx).items():
            if count:
                report.created[kind.removesuffix("_created")] += count


def seed_all() -> tuple[SeedReport, list[User]]:
    """Every demo step in dependency order, in one transaction."""
    report = SeedReport()
    with transaction.atomic():
        admin = seed_admin(report)
        organisations = seed_organisations(admin, report)
        users = seed_users(admin, organisations, report)
        seed_domains(DemoContext(organisations, {u.username: u for u in users}), report)
    return report, users


class Command(BaseCommand):
    help = (
        "Create the demo ministry, firms and one user per role, with rounds, reviews, decisions, "
        "agreements and payouts (idempotent)."
    )

    def handle(self, *args: object, **options: object) -> None:
        report, users = seed_all()
        if report.changed:
            created = ", ".join(_count(n, kind) for kind, n in sorted(report.created.items()))
            self.stdout.write(self.style.SUCCESS(f"Demo data created: {created}."))
        else:
            self.stdout.write("Demo data already present: nothing changed.")
        self.stdout.write(logins_table(users))


def _count(n: int, kind: str) -> str:
    """Say "3 rounds" but "1 round": the kinds are plural nouns with underscores for spaces."""
    noun = kind.replace("_", " ")
    return f"{n} {noun.removesuffix('s') if n == 1 else noun}"


def logins_table(users: list[User]) -> str:
    """A plain-text table of the demo logins, for the terminal and the README."""
    rows = [("login", "password", "role", "organisation")]
    rows += [(u.username, DEMO_PASSWORD, u.get_role_display(), str(u.organisation or "—")) for u in users]
    widths = [max(len(str(row[i])) for row in rows) for i in range(4)]
    lines = [
        "  ".join(str(cell).ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in rows
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)
