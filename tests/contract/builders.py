"""Realistic objects for the contract tests, built with factories and the real services.

A `World` is one firm's slice of the system: a program and an open round, a submitted application with
its budget lines, covered trial, documents and frozen version, a clarification request with a file, the
audit events, deadlines and a notification all of that produced; later stages of the firm's life
(`@stage`): an application decided and appealed, one reviewed by the world's own reviewer (with their
profile, ties and review), one selected without an agreement, and one funded (agreement, claim, payout,
reports, recovery). `world.get(Model)` builds (once) the
object of that model, so every object of one world belongs together: the budget line of a route
`applications/{pk}/budget-lines/{line_pk}/` is a line of the application `pk`.

Register a builder for each new model that a route can name (`@builds("app.Model")`). A model without a
builder still resolves when a row of it hangs off an object the world already built (by foreign key).

`tests/contract/resolve.py` fills a route's URL arguments from a world.
"""

from __future__ import annotations

import datetime as dt
import itertools
import secrets
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models

from accounts.enums import Role
from tests import factories

PDF_BYTES = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"

Builder = Callable[["World"], models.Model]
BUILDERS: dict[str, Builder] = {}
STAGES: list[Callable[[World], Any]] = []  # later stages of a firm's life that routes take (see below)


def stage(fn: Callable[[World], Any]) -> Callable[[World], Any]:
    """Register a stage (built by `World.build_all` even when no builder of a model reaches it)."""
    STAGES.append(fn)
    return fn


def builds(label: str) -> Callable[[Builder], Builder]:
    """Register the builder of `label` ("app_label.ModelName")."""

    def register(fn: Builder) -> Builder:
        BUILDERS[label.lower()] = fn
        return fn

    return register


def new_marker() -> str:
    """A token that appears in a world's names and texts and nowhere else (fixed length: no marker
    is a prefix of another)."""
    return "mk" + secrets.token_hex(5)


def pdf(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF_BYTES, content_type="application/pdf")


class People:
    """The cast of one test: firm A (the owner), firm B (the outsider), and the ministry's staff."""

    def __init__(self) -> None:
        from grants.models import CostCategory, PriorityArea
        from grants.reference import seed_reference_lists

        seed_reference_lists(CostCategory, PriorityArea)  # a transactional test may have flushed them
        self.marker = new_marker()
        self.firm = factories.OrganisationFactory(name=f"Pharma A {self.marker}")
        self.applicant = factories.ApplicantFactory(organisation=self.firm, last_name=f"Owner {self.marker}")
        self.outsider_firm = factories.OrganisationFactory(name=f"Pharma B {new_marker()}")
        self.outsider = factories.ApplicantFactory(organisation=self.outsider_firm)
        self.ministry = factories.MinistryFactory()
        self.officer = factories.OfficerFactory(organisation=self.ministry)
        self.second_officer = factories.OfficerFactory(organisation=self.ministry)  # approves payouts
        self.reviewer = factories.ReviewerFactory(organisation=self.ministry)
        self.auditor = factories.AuditorFactory(organisation=self.ministry)
        self.admin = factories.UserFactory(role=Role.ADMIN, organisation=self.ministry)

    def by_role(self, role: str):
        return {
            Role.APPLICANT: self.applicant,
            Role.OFFICER: self.officer,
            Role.REVIEWER: self.reviewer,
            Role.AUDITOR: self.auditor,
            Role.ADMIN: self.admin,
        }[role]

    def viewers(self) -> dict[str, Any]:
        """Everyone who might legitimately see firm A's objects, by role."""
        return {role: self.by_role(role) for role in Role.values}


class World:
    """One firm's objects, built on demand and kept (see the module docstring)."""

    _numbers = itertools.count(1)

    def __init__(self, people: People, *, firm: Any = None) -> None:
        self.people = people
        self.number = next(self._numbers)
        self.marker = new_marker()
        # Programs and rounds are public: their names carry a marker of their own, not a secret.
        self.public_marker = new_marker()
        if firm is None:
            self.firm = people.firm
            self.applicant = people.applicant
        else:
            self.firm = firm
            self.applicant = factories.ApplicantFactory(organisation=firm)
        self.officer = people.officer
        self._built: dict[type[models.Model], models.Model] = {}
        self.extras: dict[type[models.Model], list[models.Model]] = {}
        self.stages: dict[str, Any] = {}  # later stages of the firm's life (a decided application, ...)
        self.assigned_reviewer: Any = None  # the reviewer of the firm's reviewed application

    @classmethod
    def of_new_firm(cls, people: People) -> World:
        return cls(people, firm=factories.OrganisationFactory(name=f"Pharma {new_marker()}"))

    def secrets(self) -> list[str]:
        """Strings that only someone entitled to this firm's data may ever be shown."""
        return [self.marker, self.firm.name, self.firm.inn]

    def has_builder(self, model: type[models.Model]) -> bool:
        return model._meta.label_lower in BUILDERS

    def get(self, model: type[models.Model]) -> models.Model | None:
        """This world's object of `model`: built by its builder, or found hanging off built objects."""
        if model not in self._built:
            builder = BUILDERS.get(model._meta.label_lower)
            obj = builder(self) if builder else self._derived(model)
            if obj is None:
                return None
            self._built[model] = obj
        return self._built[model]

    def _derived(self, model: type[models.Model]) -> models.Model | None:
        for field in model._meta.get_fields():
            if (field.many_to_one or field.one_to_one) and field.concrete:
                target = field.related_model
                if target in self._built:
                    found = model._default_manager.filter(**{field.name: self._built[target]}).first()
                    if found is not None:
                        return found
        return None

    def build_all(self) -> World:
        for label in list(BUILDERS):
            try:
                model = apps.get_model(label)
            except LookupError:
                continue
            self.get(model)
        for stage in STAGES:  # stages no builder reaches, built now so no request builds them later
            stage(self)
        return self

    def instances(self, model: type[models.Model]) -> list[models.Model]:
        """The built object of `model` and any other states of it this world keeps (e.g. a draft)."""
        main = self.get(model)
        found = [main] if main is not None else []
        return found + [obj for obj in self.extras.get(model, []) if obj.pk != getattr(main, "pk", None)]


def _model(label: str) -> type[models.Model]:
    return apps.get_model(label)


# --- accounts ---------------------------------------------------------------------------------
@builds("accounts.Organisation")
def organisation(world: World) -> models.Model:
    return world.firm


@builds("accounts.User")
def user(world: World) -> models.Model:
    return world.applicant


# --- grants: programs and rounds (public once open, but each world has its own) --------------------
@builds("grants.Program")
def program(world: World) -> models.Model:
    return factories.ProgramFactory(name=f"Programme {world.public_marker}")


@builds("grants.Round")
def round_(world: World) -> models.Model:
    from grants import services

    draft = factories.RoundFactory(
        program=world.get(_model("grants.Program")), title=f"Round {world.public_marker}"
    )
    services.round_set_rubric(actor=world.officer, round=draft, criteria=services.default_rubric())
    services.round_set_priority_areas(
        actor=world.officer,
        round=draft,
        areas=[("oncology", Decimal("300000000")), ("orphan", None), ("hiv", None)],
    )
    return services.round_open(actor=world.officer, round=draft)


@builds("grants.Criterion")
def criterion(world: World) -> models.Model:
    return world.get(_model("grants.Round")).criteria.order_by("position", "id").first()


@builds("grants.RoundPriorityArea")
def round_priority_area(world: World) -> models.Model:
    return world.get(_model("grants.Round")).area_links.order_by("id").first()


@builds("grants.PriorityArea")
def priority_area(world: World) -> models.Model:
    return _model("grants.PriorityArea").objects.get(code="oncology")


@builds("grants.CostCategory")
def cost_category(world: World) -> models.Model:
    return _model("grants.CostCategory").objects.get(code="site")


# --- grants: the firm's application and its parts ----------------------------------------------
def complete_draft(world: World, *, title: str, round_: Any = None) -> models.Model:
    """A draft with every item submission needs, through the services (in the world's round unless
    another is given)."""
    from grants import services

    application = services.application_create(
        actor=world.applicant,
        round=round_ or world.get(_model("grants.Round")),
        title=title,
        drug_name=f"FC-{world.number}",
        modality="monoclonal_antibody",
        mechanism=f"Blocks CD123 on leukaemic stem cells ({world.marker})",
        indication="Acute myeloid leukaemia",
        icd10_code="C92.0",
        atc_code="L01FX",
        priority_area="oncology",
        claim_kind="first_in_class",
        novelty_statement="No approved drug acts on this target.",
        development_stage="phase_3",
    )
    services.trial_add(
        actor=world.applicant,
        application=application,
        phase="3",
        nct_id=f"NCT{application.pk:08d}",
        planned_enrolment=300,
        start_date=dt.date(2025, 1, 1),
        end_date=dt.date(2027, 1, 1),
    )
    services.budget_line_add(
        actor=world.applicant,
        application=application,
        category="site",
        description=f"Site fees {world.marker}",
        amount="1000000.50",
    )
    services.budget_line_add(
        actor=world.applicant,
        application=application,
        category="cro",
        description="Monitoring",
        amount="250000",
    )
    services.document_upload(
        actor=world.applicant,
        application=application,
        upload=pdf(f"protocol-{world.marker}.pdf"),
        kind="protocol",
    )
    application.refresh_from_db()
    return application


@builds("grants.Application")
def application(world: World) -> models.Model:
    """A submitted application (version 1); the world also keeps a second one, still a draft."""
    from grants import services

    submitted = complete_draft(world, title=f"Project {world.marker}")
    services.application_submit(actor=world.applicant, application=submitted)
    submitted.refresh_from_db()
    draft = complete_draft(world, title=f"Draft project {world.marker}")
    world.extras.setdefault(type(submitted), []).append(draft)
    return submitted


def _application(world: World) -> Any:
    return world.get(_model("grants.Application"))


@builds("grants.BudgetLine")
def budget_line(world: World) -> models.Model:
    return _application(world).budget_lines.order_by("id").first()


@builds("grants.CoveredTrial")
def covered_trial(world: World) -> models.Model:
    return _application(world).trials.order_by("id").first()


@builds("grants.Document")
def document(world: World) -> models.Model:
    return _application(world).documents.filter(clarification=None).order_by("id").first()


@builds("grants.ApplicationVersion")
def application_version(world: World) -> models.Model:
    return _application(world).versions.order_by("number").first()


@builds("grants.Clarification")
def clarification(world: World) -> models.Model:
    """An officer's question with the firm's file already attached to the answer."""
    from grants import services

    found = _application(world)
    asked = services.clarification_request(
        actor=world.officer,
        application=found,
        question=f"Question {world.marker}: is the site contract signed?",
        due_at=found.round.closes_at + dt.timedelta(days=20),
    )
    services.document_upload(
        actor=world.applicant,
        application=found,
        upload=pdf(f"contract-{world.marker}.pdf"),
        clarification=asked,
    )
    return asked


# --- audit, deadlines --------------------------------------------------------------------------
@builds("audit.AuditEvent")
def audit_event(world: World) -> models.Model:
    found = _application(world)
    events = _model("audit.AuditEvent").objects.filter(
        object_type=found._meta.label_lower, object_id=str(found.pk)
    )
    return events.order_by("-id").first()


@builds("deadlines.Deadline")
def deadline(world: World) -> models.Model:
    return _model("deadlines.Deadline").objects.for_target(world.get(_model("grants.Clarification"))).first()


@builds("deadlines.Notification")
def notification(world: World) -> models.Model:
    from deadlines.services import notify

    found = world.get(_model("grants.Clarification"))
    (row,) = notify(
        recipients=[world.applicant],
        kind="contract.clarification",
        template="generic",
        context={
            "subject": f"Question on Project {world.marker}",
            "text": found.question,
            "due_at": found.due_at,
        },
        deadline=world.get(_model("deadlines.Deadline")),
        url=f"/api/v1/clarifications/{found.pk}/",
    )
    return row


# --- grants: selection (a second round of the firm, taken to a published result) -----------------
@stage
def decided(world: World) -> Any:
    """The firm's application in a second round that was closed, screened, selected (with a recorded
    exception: no reviews) and published as "not selected", then appealed by the firm."""
    if "decided" not in world.stages:
        from grants.services.appeals import appeal_submit
        from grants.services.decisions import decision_record, minutes_upload, selection_publish
        from grants.services.selection import selection_run
        from tests.grants.selection.builders import open_round, submit, to_selection

        officer = world.officer
        round_ = open_round(officer, budget="10000000", title=f"Round {world.public_marker} (decided)")
        found = submit(round_, amount="1000000", title=f"Decided project {world.marker}", firm=world.firm)
        round_ = to_selection(officer, round_)
        selection_run(actor=officer, round=round_, exception_reason="Contract test: decided without reviews.")
        decision_record(
            actor=officer,
            application=found,
            outcome="rejected",
            reason=f"Below the threshold ({world.marker}).",
        )
        minutes_upload(actor=officer, round=round_, upload=pdf("minutes.pdf"))
        selection_publish(actor=officer, round=round_)
        appeal_submit(
            actor=world.applicant,
            application=found,
            grounds="procedure",
            text=f"The procedure was not followed ({world.marker}).",
            files=[pdf(f"appeal-{world.marker}.pdf")],
        )
        world.stages["decided"] = _model("grants.Application").objects.get(pk=found.pk)
        world.extras.setdefault(_model("grants.Application"), []).append(world.stages["decided"])
    return world.stages["decided"]


@builds("grants.FundingDecision")
def funding_decision(world: World) -> models.Model:
    return decided(world).funding_decision


@builds("grants.Appeal")
def appeal(world: World) -> models.Model:
    return decided(world).appeals.order_by("id").first()


@builds("grants.SelectionDocument")
def selection_document(world: World) -> models.Model:
    """The firm's own file: the one attached to its appeal (the minutes belong to the round)."""
    return (
        _model("grants.SelectionDocument").objects.filter(appeal=world.get(_model("grants.Appeal"))).first()
    )


@builds("grants.SelectionProposal")
def selection_proposal(world: World) -> models.Model:
    return decided(world).funding_decision.proposal


@builds("grants.RoundSelection")
def round_selection(world: World) -> models.Model:
    return decided(world).round.selection


# --- reviewers: a third round of the firm, taken through review --------------------------------------
# The world's own reviewer knows the firm's field; their tie and competing project are elsewhere, so
# nothing conflicts and the assignment run picks them (k = 1; the world's marker among their keywords
# makes them the best match when other worlds' reviewers exist). `people.reviewer` has no profile and is
# never assigned: the "reviewer without assignments" of the 404 tests.
REVIEWER_EXPERTISE = {
    "priority_areas": ["oncology"],
    "modalities": ["monoclonal_antibody"],
    "icd10_chapters": ["II"],
    "atc_groups": ["L01"],
    "keywords": ["leukaemia"],
}


@stage
def reviewed(world: World) -> Any:
    """The firm's application in a round that was closed, screened and assigned to the world's own
    reviewer (`world.assigned_reviewer`), who declared no conflict and submitted a review; an officer
    recorded the application's CRO. Returns the assignment."""
    if "reviewed" not in world.stages:
        from grants import services as grants
        from reviewers import services as reviewing
        from tests.reviewers.conftest import close_and_screen, full_scores, open_round_with

        officer = world.officer
        reviewer = factories.ReviewerFactory(
            organisation=world.people.ministry, last_name=f"Reviewer {new_marker()}"
        )
        profile = reviewing.profile_of(reviewer)
        expertise = {**REVIEWER_EXPERTISE, "keywords": [*REVIEWER_EXPERTISE["keywords"], world.marker]}
        reviewing.profile_update(actor=reviewer, profile=profile, **expertise)
        reviewing.affiliation_add(
            actor=reviewer,
            profile=profile,
            kind="contract",
            organisation_name="Institute of Cardiology",
            inn=factories.make_inn10(9_000_000 + world.number),
            started_on=dt.date(2019, 1, 1),
            ended_on=dt.date(2020, 1, 1),
        )
        reviewing.competing_project_add(
            actor=reviewer, profile=profile, organisation_name="Lipid Lab", target="PCSK9", icd10_code="E78"
        )
        round_ = open_round_with(officer, k=1)
        found = complete_draft(world, title=f"Reviewed project {world.marker}", round_=round_)
        grants.application_submit(actor=world.applicant, application=found)
        round_ = close_and_screen(officer, round_)
        run = reviewing.assignment_run(actor=officer, round=round_)
        assert run.status == "ok", run.report
        assignment = _model("reviewers.Assignment").objects.get(application=found)
        if assignment.reviewer_id != reviewer.pk:  # another world's reviewer matched as well: swap by hand
            assignment = reviewing.assignment_swap(
                actor=officer, assignment=assignment, reviewer=reviewer, reason="Contract test setup."
            )
        assignment = reviewing.assignment_declare(
            actor=reviewer, assignment=assignment, no_conflict=True, confidentiality=True
        )
        reviewing.review_submit(
            actor=reviewer,
            review=assignment.review,
            scores=full_scores(),
            overall_comment=f"A strong application ({world.marker}).",
        )
        reviewing.related_party_add(
            actor=officer,
            role="cro",
            name=f"CRO of {world.marker}",
            inn=factories.make_inn10(8_000_000 + world.number),
            application=found,
        )
        world.assigned_reviewer = reviewer
        world.stages["reviewed"] = _model("reviewers.Assignment").objects.get(pk=assignment.pk)
        world.extras.setdefault(type(found), []).append(_model("grants.Application").objects.get(pk=found.pk))
    return world.stages["reviewed"]


@builds("reviewers.Assignment")
def assignment(world: World) -> models.Model:
    return reviewed(world)


@builds("reviewers.Review")
def review(world: World) -> models.Model:
    return reviewed(world).review


@builds("reviewers.AssignmentRun")
def assignment_run(world: World) -> models.Model:
    return (
        _model("reviewers.AssignmentRun").objects.filter(round=reviewed(world).round).order_by("pk").first()
    )


@builds("reviewers.ReviewerProfile")
def reviewer_profile(world: World) -> models.Model:
    """The profile of the reviewer assigned to the firm: the reviewer's own data, not the firm's."""
    return reviewed(world).reviewer.reviewer_profile


@builds("reviewers.Affiliation")
def affiliation(world: World) -> models.Model:
    return world.get(_model("reviewers.ReviewerProfile")).affiliations.order_by("pk").first()


@builds("reviewers.CompetingProject")
def competing_project(world: World) -> models.Model:
    return world.get(_model("reviewers.ReviewerProfile")).competing_projects.order_by("pk").first()


@builds("reviewers.RelatedParty")
def related_party(world: World) -> models.Model:
    return _model("reviewers.RelatedParty").objects.filter(application=reviewed(world).application).first()


# --- trials: an agreement of a selected application, with success, a verified claim and a payout -----
@stage
def funded(world: World) -> Any:
    """The firm's selected application (published through the real selection services) with its
    agreement signed and active, success recorded, one claim verified and paid."""
    if "funded" not in world.stages:
        from tests.trials.conftest import record_success, sign, verified_claim
        from trials import services

        officer = world.officer
        selected = factories.make_selected_application(officer=officer, firm=world.firm, amount="10000000.00")
        agreement = services.agreement_create(actor=officer, application=selected)
        agreement = services.agreement_activate(actor=officer, agreement=sign(agreement, officer))
        record_success(officer, agreement)
        agreement.refresh_from_db()
        claim = verified_claim(world.applicant, officer, agreement, number_prefix=world.marker)
        payout = services.payout_propose(actor=officer, claim=claim)
        payout = services.payout_approve(actor=world.people.second_officer, payout=payout)
        services.payout_mark_paid(
            actor=officer,
            payout=payout,
            payment_order_number=f"PO-{world.number}",
            payment_order_date=timezone_today(),
        )
        world.stages["funded"] = type(agreement).objects.get(pk=agreement.pk)
        world.extras.setdefault(type(selected), []).append(selected)
    return world.stages["funded"]


@stage
def selected(world: World) -> Any:
    """A second selected application of the firm, published, with no agreement drawn up yet."""
    if "selected" not in world.stages:
        found = factories.make_selected_application(
            officer=world.officer, firm=world.firm, amount="5000000.00"
        )
        world.stages["selected"] = found
        world.extras.setdefault(type(found), []).append(found)
    return world.stages["selected"]


def timezone_today() -> dt.date:
    from django.utils import timezone

    return timezone.localdate()


@builds("trials.Agreement")
def agreement(world: World) -> models.Model:
    return funded(world)


@builds("trials.Trial")
def trial(world: World) -> models.Model:
    return funded(world).trials.order_by("id").first()


@builds("trials.CostClaim")
def cost_claim(world: World) -> models.Model:
    return funded(world).claims.order_by("id").first()


@builds("trials.ClaimLine")
def claim_line(world: World) -> models.Model:
    return world.get(_model("trials.CostClaim")).lines.order_by("id").first()


@builds("trials.EvidenceFile")
def evidence_file(world: World) -> models.Model:
    return funded(world).evidence.filter(line__isnull=False).order_by("id").first()


@builds("trials.Payout")
def payout(world: World) -> models.Model:
    return funded(world).payouts.order_by("id").first()


@builds("trials.ProgressReport")
def progress_report(world: World) -> models.Model:
    """The first progress report, scheduled when the agreement became active."""
    return funded(world).progress_reports.order_by("number", "id").first()


@builds("trials.Recovery")
def recovery(world: World) -> models.Model:
    """Part of the payout demanded back (an ineligible cost found after payment)."""
    from trials import services

    return services.recovery_record(
        actor=world.officer,
        agreement=funded(world),
        amount="1000.00",
        reason=f"Ineligible VAT ({world.marker})",
        due_date=timezone_today() + dt.timedelta(days=30),
        payout=world.get(_model("trials.Payout")),
    )


@builds("trials.LedgerEntry")
def ledger_entry(world: World) -> models.Model:
    """The agreement's first money movement (its commitment)."""
    return _model("trials.LedgerEntry").objects.filter(agreement=funded(world)).order_by("pk").first()


@builds("trials.SuccessDecision")
def success_decision(world: World) -> models.Model:
    return funded(world).decision


# --- core: a background export job (people's own; auditors read all) -------------------------------
@builds("core.Job")
def job(world: World) -> models.Model:
    """An auditor's ledger export, run to the end: queued, claimed and finished with its file."""
    import tempfile
    from pathlib import Path

    from core import jobs
    from trials.exports import EXPORT_KIND, EXPORT_TASK

    queued = jobs.job_request(
        kind=EXPORT_KIND,
        params={"table": "ledger", "filters": ""},
        requested_by=world.people.auditor,
        task_name=EXPORT_TASK,
    )
    running = jobs.job_claim(queued.pk)
    handle, name = tempfile.mkstemp(suffix=".csv", dir=jobs.jobs_root())
    with open(handle, "w", encoding="utf-8") as out:
        out.write(f"firm,amount\n{world.firm.name},1000000.00\n")
    return jobs.job_finish(
        running,
        path=Path(name),
        file_name="ledger.csv",
        content_type="text/csv",
        rows=1,
        manifest={"table": "ledger"},
    )


@stage
def verify_job(world: World) -> models.Model:
    """An auditor's walk of the audit chain (audit.jobs), run to the end with its certificate."""
    if "verify_job" not in world.stages:
        from audit import jobs
        from core.models_jobs import Job

        job = jobs.verify_request(actor=world.people.auditor)
        jobs.verify_run(job_id=job.pk)
        world.stages["verify_job"] = Job.objects.get(pk=job.pk)
    return world.stages["verify_job"]
