"""Assignment (rule 16): k reviewers per application within loads, or a report and nothing assigned;
the same inputs give the same assignment; declines and swaps keep conflicts enforced."""

import pytest

from audit.models import AuditEvent
from core.errors import DomainError, Forbidden
from grants.models import Application
from reviewers import services
from reviewers.models import Assignment, AssignmentRun
from tests.reviewers.conftest import (
    assignment_of,
    close_and_screen,
    make_reviewer,
    open_round_with,
    reviewers_of,
    submit_for,
    submit_review,
)

pytestmark = pytest.mark.django_db


@pytest.mark.rule(16)
def test_every_eligible_application_gets_k_reviewers_within_the_loads(officer, ministry):
    round_ = open_round_with(officer, k=2, max_load=3)
    for i in range(5):
        submit_for(round_, title=f"Antibody {i}")
    close_and_screen(officer, round_)
    experts = [make_reviewer(ministry) for _ in range(4)]
    novice = make_reviewer(ministry, priority_areas=[], modalities=[], icd10_chapters=[], atc_groups=[],
                           keywords=["cardiology"])  # fmt: skip

    run = services.assignment_run(actor=officer, round=round_)

    assert (run.status, run.pairs_added, run.kind) == ("ok", 10, "initial")
    loads = {u.username: Assignment.objects.filter(reviewer=u).count() for u in experts}
    assert all(load <= 3 for load in loads.values()) and sum(loads.values()) == 10
    assert not Assignment.objects.filter(reviewer=novice).exists()  # no shared expertise: no arc
    for application in Application.objects.filter(round=round_):
        assert len(reviewers_of(application)) == 2
        assert application.state == "under_review"
    round_.refresh_from_db()
    assert round_.state == "in_review"
    assert len(run.inputs_hash) == 64 and run.objective > 0 and run.solver == "ortools.SimpleMinCostFlow"
    event = AuditEvent.objects.get(action="assignment_run.ok")
    assert len(event.after["added"]) == 10


@pytest.mark.rule(16)
def test_an_impossible_assignment_names_what_blocks_it_and_assigns_nothing(
    officer, review_round, applications, ministry
):
    make_reviewer(ministry)
    make_reviewer(ministry)  # two reviewers, k = 3

    run = services.assignment_run(actor=officer, round=review_round)

    assert (run.status, run.pairs_added) == ("infeasible", 0)
    codes = {b["code"] for b in run.report["blockers"]}
    assert "demand_exceeds_capacity" in codes or "too_few_candidates" in codes
    short = [b for b in run.report["blockers"] if b["code"] == "too_few_candidates"]
    assert sorted(b["application_ids"][0] for b in short) == [a.pk for a in applications]
    assert {(b["required"], b["available"]) for b in short} == {(3, 2)}
    assert not Assignment.objects.exists()
    assert set(Application.objects.filter(round=review_round).values_list("state", flat=True)) == {"eligible"}


@pytest.mark.rule(16)
def test_load_limits_that_block_are_reported(officer, ministry):
    round_ = open_round_with(officer, k=3, max_load=2)
    for i in range(3):
        submit_for(round_, title=f"Antibody {i}")
    close_and_screen(officer, round_)
    for _ in range(4):
        make_reviewer(ministry)

    run = services.assignment_run(actor=officer, round=round_)

    assert run.status == "infeasible"
    [blocker] = [b for b in run.report["blockers"] if b["code"] == "demand_exceeds_capacity"]
    assert (blocker["required"], blocker["available"]) == (9, 8)
    assert run.report["max_load"] == 2


@pytest.mark.rule(16)
def test_the_same_inputs_give_the_same_assignment(officer, review_round, panel):
    first = services.assignment_plan(services.assignment_inputs(review_round, refill=False))
    second = services.assignment_plan(services.assignment_inputs(review_round, refill=False))
    assert first.input_hash == second.input_hash
    assert first.pairs == second.pairs

    run = services.assignment_run(actor=officer, round=review_round)

    assert run.inputs_hash == first.input_hash
    stored = sorted(Assignment.objects.values_list("application_id", "reviewer_id"))
    assert stored == sorted((p.application_id, p.reviewer_id) for p in first.pairs)


@pytest.mark.rule(16)
def test_the_run_is_for_officers_once_screening_is_done(officer, ministry):
    round_ = open_round_with(officer)
    submit_for(round_)
    with pytest.raises(DomainError) as exc:
        services.assignment_run(actor=officer, round=round_)
    assert exc.value.code == "round_not_in_review"
    reviewer = make_reviewer(ministry)
    with pytest.raises(Forbidden):
        services.assignment_run(actor=reviewer, round=round_)
    assert not AssignmentRun.objects.exists()


@pytest.mark.rule(16)
def test_a_decline_is_refilled_keeping_the_other_pairs(officer, review_round, applications, assigned, panel):
    target = applications[0]
    before = reviewers_of(target)
    leaving = next(u for u in panel if u.username in before)
    others = {a.pk: reviewers_of(a) for a in applications[1:]}

    with pytest.raises(DomainError) as exc:
        services.assignment_decline(actor=leaving, assignment=assignment_of(leaving, target), reason="")
    assert exc.value.code == "reason_required"
    services.assignment_decline(
        actor=leaving, assignment=assignment_of(leaving, target), reason="On leave in May."
    )

    after = reviewers_of(target)
    assert leaving.username not in after and len(after) == 3 and before - {leaving.username} <= after
    assert {a.pk: reviewers_of(a) for a in applications[1:]} == others
    refill = AssignmentRun.objects.order_by("-pk").first()
    assert (refill.kind, refill.status, refill.pairs_added, refill.report["kept"]) == ("refill", "ok", 1, 8)
    assert assignment_of(leaving, target).state == "declined"


@pytest.mark.rule(16)
def test_a_submitted_review_cannot_be_declined_or_swapped(officer, applications, assigned, panel):
    target = applications[0]
    done = next(u for u in panel if u.username in reviewers_of(target))
    submit_review(done, target)
    spare = next(u for u in panel if u.username not in reviewers_of(target))
    with pytest.raises(DomainError) as exc:
        services.assignment_decline(
            actor=done, assignment=assignment_of(done, target), reason="Changed my mind"
        )
    assert exc.value.message == "The review is already submitted; it stays as it is."
    with pytest.raises(DomainError):
        services.assignment_swap(
            actor=officer, assignment=assignment_of(done, target), reviewer=spare, reason="x"
        )


@pytest.mark.rule(16)
@pytest.mark.rule(13)
def test_a_manual_swap_still_enforces_conflicts_loads_and_past_pairs(
    officer, review_round, applications, assigned, panel, ministry
):
    target = applications[0]
    current = next(u for u in panel if u.username in reviewers_of(target))
    spare = next(u for u in panel if u.username not in reviewers_of(target))
    insider = make_reviewer(ministry)
    services.affiliation_add(actor=insider, profile=services.profile_of(insider), kind="employment",
                             organisation_name="Firm", inn=target.organisation.inn)  # fmt: skip
    rival = make_reviewer(ministry)
    services.competing_project_add(actor=rival, profile=services.profile_of(rival), target="CD123")
    assignment = assignment_of(current, target)

    def refused(reviewer) -> str:
        with pytest.raises(DomainError) as exc:
            services.assignment_swap(
                actor=officer, assignment=assignment, reviewer=reviewer, reason="Overloaded"
            )
        return exc.value.code

    assert refused(insider) == "conflict_blocking"
    assert refused(rival) == "conflict_undecided"
    assert (
        refused(next(u for u in panel if u.username in reviewers_of(target) and u != current))
        == "already_assigned"
    )
    load = Assignment.objects.filter(reviewer=spare, state__in=("assigned", "declared")).count()
    services.profile_update(actor=officer, profile=services.profile_of(spare), max_load=load)
    assert refused(spare) == "load_exceeded"
    services.profile_update(actor=officer, profile=services.profile_of(spare), max_load=None)

    new = services.assignment_swap(actor=officer, assignment=assignment, reviewer=spare, reason="Overloaded")

    assert (new.source, new.state, new.run_id) == ("manual", "assigned", None)
    assert assignment_of(current, target).state == "reassigned"
    assert reviewers_of(target) == (reviewers_of(target) - {current.username}) | {spare.username}
    assert AuditEvent.objects.get(action="assignment.swap").reason == "Overloaded"


@pytest.mark.rule(16)
def test_an_application_moved_during_the_run_refuses_the_whole_run(officer, review_round, panel, monkeypatch):
    """Another officer marks an application ineligible between the run's read and its bulk move: the
    run refuses with a conflict and leaves nothing behind (no assignments, no run, no events)."""
    from grants.workflow import APPLICATION_WORKFLOW

    victim = Application.objects.filter(round=review_round, state="eligible").order_by("pk").first()
    real_guard = APPLICATION_WORKFLOW.guard_refusal

    def guard_then_interfere(row, actor, transition, context):
        if row.pk == victim.pk:  # the concurrent change lands after the rows were read
            Application.objects.filter(pk=victim.pk).update(state="ineligible")
        return real_guard(row, actor, transition, context)

    monkeypatch.setattr(APPLICATION_WORKFLOW, "guard_refusal", guard_then_interfere)
    events_before = AuditEvent.objects.count()
    with pytest.raises(DomainError) as exc:
        services.assignment_run(actor=officer, round=review_round)
    assert exc.value.code == "stale_state"
    assert not Assignment.objects.exists() and not AssignmentRun.objects.exists()
    assert not Application.objects.filter(round=review_round, state="under_review").exists()
    assert AuditEvent.objects.count() == events_before
