"""Reviewers fixtures: a round closed and screened through the real workflow, reviewers with profiles."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone, translation

from grants import services as grants
from grants.enums import SCREENING_CHECKLIST
from grants.models import Application, CostCategory, PriorityArea, Round
from grants.reference import seed_reference_lists
from reviewers import services
from reviewers.models import Assignment
from tests import factories
from tests.grants.conftest import make_complete_application

ALL_TICKED = dict.fromkeys(SCREENING_CHECKLIST, True)
EXPERT = {
    "priority_areas": ["oncology"],
    "modalities": ["monoclonal_antibody"],
    "icd10_chapters": ["II"],
    "atc_groups": ["L01"],
    "keywords": ["leukaemia"],
}


@pytest.fixture(autouse=True)
def english():
    """Messages are asserted in English; the Russian catalogue is produced later."""
    with translation.override("en"):
        yield


@pytest.fixture
def client(client, settings):
    """Pages in English (LocaleMiddleware reads the language cookie; the default language is Russian)."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def make_reviewer(ministry, *, username: str | None = None, **expertise):
    kwargs = {"organisation": ministry}
    if username:
        kwargs["username"] = username
    user = factories.ReviewerFactory(**kwargs)
    values = {**EXPERT, **expertise}
    services.profile_update(actor=user, profile=services.profile_of(user), **values)
    return user


def open_round_with(officer, *, k: int = 3, max_load: int = 10, min_load: int = 0) -> Round:
    seed_reference_lists(CostCategory, PriorityArea)
    round_ = factories.RoundFactory(
        program=factories.ProgramFactory(),
        reviewers_per_application=k,
        max_load=max_load,
        min_load=min_load,
    )
    grants.round_set_rubric(actor=officer, round=round_, criteria=grants.default_rubric())
    grants.round_set_priority_areas(
        actor=officer, round=round_, areas=[("oncology", Decimal("300000000")), ("orphan", None)]
    )
    return grants.round_open(actor=officer, round=round_)


def submit_for(round_: Round, firm=None, *, title: str = "Anti-CD123 antibody", **fields) -> Application:
    firm = firm or factories.OrganisationFactory()
    applicant = factories.ApplicantFactory(organisation=firm)
    application = make_complete_application(applicant, round_, title=title)
    if fields:
        grants.application_update(actor=applicant, application=application, **fields)
    grants.application_submit(actor=applicant, application=application)
    return Application.objects.get(pk=application.pk)


def close_and_screen(officer, round_: Round) -> Round:
    """Move the round's window into the past (setup only), then close and screen through the workflow."""
    now = timezone.now().replace(microsecond=0)
    Round.objects.filter(pk=round_.pk).update(
        opens_at=now - dt.timedelta(days=20),
        closes_at=now - dt.timedelta(hours=1),
        review_due_at=now + dt.timedelta(days=30),
        decision_at=now + dt.timedelta(days=60),
    )
    round_.refresh_from_db()
    grants.round_close(actor=officer, round=round_)
    for application in Application.objects.filter(round=round_, state="submitted").order_by("pk"):
        grants.application_screen(
            actor=officer, application=application, outcome="eligible", checklist=ALL_TICKED
        )
    round_.refresh_from_db()
    return round_


@pytest.fixture
def review_round(officer):
    """A closed round whose three applications (three firms) are screened eligible; k = 3."""
    round_ = open_round_with(officer)
    submit_for(round_, title="Anti-CD123 antibody")  # blocks CD123, C92.0, L01FX
    submit_for(round_, title="CAR-T for AML", mechanism="Autologous CAR-T cells against CD33",
               modality="cell_therapy")  # fmt: skip
    submit_for(round_, title="Bispecific for AML", mechanism="T-cell engager against CLL1", atc_code="L01XX")
    return close_and_screen(officer, round_)


@pytest.fixture
def applications(review_round):
    return list(Application.objects.filter(round=review_round).order_by("pk"))


@pytest.fixture
def panel(ministry):
    """Four reviewers who all know oncology antibodies."""
    return [make_reviewer(ministry, username=f"expert{i}") for i in range(4)]


@pytest.fixture
def assigned(officer, review_round, panel):
    """The round after a successful assignment run."""
    run = services.assignment_run(actor=officer, round=review_round)
    assert run.status == "ok", run.report
    return run


def assignment_of(reviewer, application) -> Assignment:
    return Assignment.objects.get(reviewer=reviewer, application=application)


def declare(reviewer, application) -> Assignment:
    return services.assignment_declare(
        actor=reviewer,
        assignment=assignment_of(reviewer, application),
        no_conflict=True,
        confidentiality=True,
    )


def full_scores(value: str = "4", comment: str = "Sound.") -> dict:
    codes = [c["code"] for c in grants.default_rubric()]
    return {code: {"value": value, "comment": comment} for code in codes}


def submit_review(reviewer, application, value: str = "4"):
    if assignment_of(reviewer, application).state == "assigned":
        declare(reviewer, application)
    return services.review_submit(
        actor=reviewer,
        review=assignment_of(reviewer, application).review,
        scores=full_scores(value),
        overall_comment="A strong application.",
    )


def reviewers_of(application) -> set:
    return set(
        Assignment.objects.filter(application=application, state__in=("assigned", "declared")).values_list(
            "reviewer__username", flat=True
        )
    )
