"""Conflicts of interest in the services (rules 13-15): never assigned, access ends at once, 404."""

import datetime as dt

import pytest
from django.utils import timezone

from audit.models import AuditEvent
from core.errors import DomainError, Forbidden, NotFound, ValidationFailed
from reviewers import selectors, services
from reviewers.models import Assignment, Conflict, ConflictDeclaration, Review
from tests.reviewers.conftest import assignment_of, declare, full_scores, make_reviewer, reviewers_of

pytestmark = pytest.mark.django_db


def tie(reviewer, organisation, kind="employment", **extra):
    profile = services.profile_of(reviewer)
    return services.affiliation_add(
        actor=reviewer,
        profile=profile,
        kind=kind,
        organisation_name=organisation.name,
        inn=organisation.inn,
        **extra,
    )


@pytest.mark.rule(13)
def test_a_reviewer_employed_by_the_applicant_is_never_assigned(officer, review_round, applications, panel):
    insider = panel[0]
    tie(insider, applications[0].organisation)

    run = services.assignment_run(actor=officer, round=review_round)

    assert run.status == "ok"
    assert insider.username not in reviewers_of(applications[0])
    assert all(len(reviewers_of(a)) == 3 for a in applications)
    assert Conflict.objects.get(reviewer=insider).source == "applicant"


@pytest.mark.rule(13)
def test_a_tie_ended_more_than_36_months_ago_is_not_a_conflict(officer, review_round, applications, panel):
    long_ago = timezone.localdate() - dt.timedelta(days=3 * 366 + 2)
    recent = timezone.localdate() - dt.timedelta(days=3 * 365 - 30)
    tie(
        panel[0],
        applications[0].organisation,
        ended_on=long_ago,
        started_on=long_ago - dt.timedelta(days=400),
    )
    tie(panel[1], applications[1].organisation, kind="contract", ended_on=recent)

    assert list(Conflict.objects.values_list("reviewer__username", "application_id")) == [
        (panel[1].username, applications[1].pk)
    ]


@pytest.mark.rule(13)
def test_cro_and_group_company_ties_block_by_inn(officer, review_round, applications, panel):
    cro = services.related_party_add(
        actor=officer, role="cro", name="Trial Partners", inn="7710140679", application=applications[1]
    )
    services.related_party_add(
        actor=officer,
        role="group",
        name="Holding",
        inn="7705031674",
        organisation=applications[2].organisation,
    )
    services.profile_update(actor=panel[0], profile=services.profile_of(panel[0]))
    services.affiliation_add(actor=panel[0], profile=services.profile_of(panel[0]), kind="contract",
                             organisation_name="TP", inn=cro.inn)  # fmt: skip
    services.affiliation_add(actor=panel[1], profile=services.profile_of(panel[1]), kind="financial_interest",
                             organisation_name="H", inn="7705031674")  # fmt: skip

    services.assignment_run(actor=officer, round=review_round)

    assert panel[0].username not in reviewers_of(applications[1])
    assert panel[1].username not in reviewers_of(applications[2])
    with pytest.raises(ValidationFailed) as exc:
        services.related_party_add(
            actor=officer, role="site", name="Bad", inn="7710140670", application=applications[1]
        )
    assert exc.value.details == {"inn": ["INN check digit is wrong: please check the number."]}


@pytest.mark.rule(13)
@pytest.mark.rule(15)
def test_a_tie_found_after_assignment_ends_access_at_once_and_voids_the_draft(
    officer, review_round, applications, assigned, panel
):
    target = applications[0]
    reviewer = next(u for u in panel if u.username in reviewers_of(target))
    declare(reviewer, target)
    services.review_save_draft(
        actor=reviewer, review=assignment_of(reviewer, target).review, scores={"novelty": {"value": "4"}}
    )
    assert selectors.reviewer_view(reviewer, target.pk).assignment.state == "declared"

    tie(reviewer, target.organisation)

    assignment = assignment_of(reviewer, target)
    assert (assignment.state, assignment.review.state) == ("conflict", "voided")
    with pytest.raises(NotFound):
        selectors.reviewer_view(reviewer, target.pk)
    assert target.pk not in {a.application_id for a in selectors.assignments_visible_to(reviewer)}
    assert not selectors.reviews_visible_to(reviewer).filter(assignment__application=target).exists()
    # The application got a replacement at once, from the reviewers without a conflict.
    assert len(reviewers_of(target)) == 3 and reviewer.username not in reviewers_of(target)
    assert AuditEvent.objects.filter(action="assignment.exclude", object_id=str(assignment.pk)).exists()


@pytest.mark.rule(14)
def test_a_competitor_waits_for_the_officers_decision(officer, review_round, applications, ministry):
    experts = [make_reviewer(ministry) for _ in range(3)]
    rival = experts[0]
    services.competing_project_add(actor=rival, profile=services.profile_of(rival), target="CD123")
    assert (
        Conflict.objects.filter(reviewer=rival, severity="potential").count() == 1
    )  # only the CD123 application

    run = services.assignment_run(actor=officer, round=review_round)
    assert run.status == "infeasible"  # three reviewers, k = 3, and one pair waits for a decision
    assert run.report["undecided_conflicts"] == 1
    assert run.report["blockers"][0]["application_ids"] == [applications[0].pk]
    assert not Assignment.objects.exists()

    with pytest.raises(ValidationFailed) as exc:
        services.conflict_decide(
            actor=officer, reviewer=rival, application=applications[0], outcome="cleared", reason=""
        )
    assert exc.value.details == {"reason": ["Give the reason for the decision."]}
    with pytest.raises(Forbidden):
        services.conflict_decide(
            actor=rival, reviewer=rival, application=applications[0], outcome="cleared", reason="x"
        )
    services.conflict_decide(
        actor=officer, reviewer=rival, application=applications[0], outcome="cleared",
        reason="The rival project is preclinical and targets another epitope.",
    )  # fmt: skip

    assert services.assignment_run(actor=officer, round=review_round).status == "ok"
    assert rival.username in reviewers_of(applications[0])
    assert AuditEvent.objects.get(action="conflict.decide").reason.startswith("The rival project")


@pytest.mark.rule(14)
def test_an_officer_exclusion_blocks_like_a_blocking_conflict(
    officer, review_round, applications, assigned, panel
):
    target = applications[0]
    reviewer = next(u for u in panel if u.username in reviewers_of(target))
    services.competing_project_add(actor=reviewer, profile=services.profile_of(reviewer), icd10_code="C92")
    assert assignment_of(reviewer, target).state == "assigned"  # potential: access is not cut yet

    services.conflict_decide(
        actor=officer,
        reviewer=reviewer,
        application=target,
        outcome="excluded",
        reason="Leads a rival AML trial.",
    )

    assert assignment_of(reviewer, target).state == "conflict"
    with pytest.raises(NotFound):
        selectors.reviewer_assignment_for(reviewer, target.pk)
    with pytest.raises(DomainError) as exc:
        services.conflict_decide(
            actor=officer, reviewer=reviewer, application=target, outcome="cleared", reason="x"
        )
    assert exc.value.code == "conflict_blocking"


@pytest.mark.rule(15)
def test_content_is_shown_only_after_the_timestamped_declaration(officer, applications, assigned, panel):
    target = applications[0]
    reviewer = next(u for u in panel if u.username in reviewers_of(target))
    with pytest.raises(Forbidden) as exc:
        selectors.reviewer_view(reviewer, target.pk)
    assert exc.value.code == "declaration_required"
    with pytest.raises(ValidationFailed) as refused:
        services.assignment_declare(
            actor=reviewer,
            assignment=assignment_of(reviewer, target),
            no_conflict=True,
            confidentiality=False,
        )
    assert refused.value.details == {
        "confidentiality": ["Confirm that you will keep the application confidential."]
    }

    before = timezone.now()
    declare(reviewer, target)

    view = selectors.reviewer_view(reviewer, target.pk)
    assert view.version.number == 1 and view.review.application_version_id == view.version.pk
    declaration = ConflictDeclaration.objects.get(reviewer=reviewer, application=target)
    assert (declaration.kind, declaration.confidentiality) == ("no_conflict", True)
    assert declaration.declared_at >= before and view.assignment.declared_at == declaration.declared_at
    other = next(u for u in panel if u.username not in reviewers_of(target))
    with pytest.raises(NotFound):
        selectors.reviewer_view(other, target.pk)  # not assigned: nothing to see


@pytest.mark.rule(15)
def test_declaring_a_conflict_later_removes_access_and_voids_scores(officer, applications, assigned, panel):
    target = applications[1]
    reviewer = next(u for u in panel if u.username in reviewers_of(target))
    declare(reviewer, target)
    review = assignment_of(reviewer, target).review
    services.review_save_draft(actor=reviewer, review=review, scores=full_scores("3.5"))

    with pytest.raises(DomainError):
        services.assignment_declare_conflict(
            actor=reviewer, assignment=assignment_of(reviewer, target), description=" "
        )
    services.assignment_declare_conflict(
        actor=reviewer,
        assignment=assignment_of(reviewer, target),
        description="I advised the firm on this trial.",
    )

    assert Review.objects.get(pk=review.pk).state == "voided"
    with pytest.raises(NotFound):
        selectors.reviewer_view(reviewer, target.pk)
    assert (
        Conflict.objects.get(reviewer=reviewer, application=target, source="declared").severity == "blocking"
    )
    assert reviewer.username not in reviewers_of(target) and len(reviewers_of(target)) == 3
    assert services.round_scores(target.round)[1].submitted_reviews == 0
