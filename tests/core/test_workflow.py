import threading
from decimal import Decimal

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction
from django.utils import timezone

from accounts.enums import Role
from audit.models import AuditEvent
from core.errors import Conflict, DomainError, Forbidden
from core.workflow import SYSTEM_ROLE, Transition, Workflow, available_actions, perform
from tests.testapp.models import Gadget, TaskRun
from tests.testapp.workflow import GADGET

pytestmark = pytest.mark.django_db


def events_for(gadget):
    return list(AuditEvent.objects.filter(object_type="testapp.gadget", object_id=str(gadget.pk)))


def test_perform_moves_state_writes_changes_and_audits_in_one_go(make_gadget, applicant):
    gadget = make_gadget()
    when = timezone.now()

    result = perform(GADGET, gadget, "submit", actor=applicant, changes={"submitted_at": when})

    assert result.state == "submitted"
    assert result.submitted_at == when
    assert Gadget.objects.get(pk=gadget.pk).state == "submitted"
    [event] = events_for(gadget)
    assert event.action == "gadget.submit"
    assert event.actor == applicant
    assert event.actor_role == "applicant"
    assert event.before == {"state": "draft", "submitted_at": None}
    assert event.after == {"state": "submitted", "submitted_at": when.isoformat()}


def test_action_not_available_from_current_state_is_a_conflict_naming_the_state(make_gadget, officer):
    gadget = make_gadget()

    with pytest.raises(Conflict) as caught:
        perform(GADGET, gadget, "approve", actor=officer)

    assert caught.value.code == "invalid_transition"
    assert caught.value.status_code == 409
    assert "Draft" in caught.value.message
    assert caught.value.details == {"state": "draft", "action": "approve"}
    assert Gadget.objects.get(pk=gadget.pk).state == "draft"
    assert events_for(gadget) == []


def test_unknown_action_is_refused_the_same_way(make_gadget, applicant):
    with pytest.raises(Conflict) as caught:
        perform(GADGET, make_gadget(), "teleport", actor=applicant)
    assert caught.value.code == "invalid_transition"


def test_wrong_role_is_forbidden(make_gadget, officer):
    gadget = make_gadget()

    with pytest.raises(Forbidden) as caught:
        perform(GADGET, gadget, "submit", actor=officer)

    assert caught.value.code == "role_not_allowed"
    assert caught.value.status_code == 403
    assert "Submit" in caught.value.message
    assert Gadget.objects.get(pk=gadget.pk).state == "draft"


def test_object_check_refuses_another_firms_applicant(make_gadget, other_applicant):
    gadget = make_gadget()

    with pytest.raises(Forbidden) as caught:
        perform(GADGET, gadget, "submit", actor=other_applicant)

    assert caught.value.code == "object_not_allowed"
    assert caught.value.message == "This gadget belongs to another organisation."
    assert events_for(gadget) == []


def test_guard_refusal_carries_the_guards_reason(make_gadget, applicant):
    gadget = make_gadget(amount=None)

    with pytest.raises(DomainError) as caught:
        perform(GADGET, gadget, "submit", actor=applicant)

    assert caught.value.code == "guard_failed"
    assert caught.value.status_code == 400
    assert caught.value.message == "Enter the amount before submitting."
    assert Gadget.objects.get(pk=gadget.pk).state == "draft"


@pytest.mark.parametrize("reason", ["", "   "])
def test_decision_needing_a_reason_is_refused_without_one(make_gadget, applicant, officer, reason):
    gadget = perform(GADGET, make_gadget(), "submit", actor=applicant)

    with pytest.raises(DomainError) as caught:
        perform(GADGET, gadget, "reject", actor=officer, reason=reason)

    assert caught.value.code == "reason_required"
    assert caught.value.field == "reason"
    assert Gadget.objects.get(pk=gadget.pk).state == "submitted"


def test_reason_is_kept_in_the_audit_event(make_gadget, applicant, officer):
    gadget = perform(GADGET, make_gadget(), "submit", actor=applicant)

    perform(GADGET, gadget, "reject", actor=officer, reason="  Out of scope  ")

    assert [(e.action, e.reason) for e in events_for(gadget)] == [
        ("gadget.submit", ""),
        ("gadget.reject", "Out of scope"),
    ]


def test_object_read_before_someone_else_moved_it_is_stale(make_gadget, applicant):
    gadget = make_gadget()
    perform(GADGET, gadget, "submit", actor=applicant)  # `gadget` in memory still says draft

    with pytest.raises(Conflict) as caught:
        perform(GADGET, gadget, "submit", actor=applicant)

    assert caught.value.code == "stale_state"
    assert len(events_for(gadget)) == 1


def test_conditional_update_refuses_when_state_moves_between_read_and_write(make_gadget, applicant):
    def racing_guard(gadget, actor, data):
        # Stands in for another transaction that commits between our read and our UPDATE.
        Gadget.objects.filter(pk=gadget.pk).update(state="approved")
        return None

    workflow = Workflow(
        Gadget, [Transition("submit", ("draft",), "submitted", {Role.APPLICANT}, "Submit", (racing_guard,))]
    )
    gadget = make_gadget()

    with pytest.raises(Conflict) as caught:
        perform(workflow, gadget, "submit", actor=applicant)

    assert caught.value.code == "stale_state"
    assert events_for(gadget) == []


def test_system_actor_may_perform_transitions_listing_the_system_role(make_gadget, applicant):
    gadget = perform(GADGET, make_gadget(), "submit", actor=applicant)

    result = perform(GADGET, gadget, "reject", actor="system:deadlines.sweep", reason="Expired")

    assert result.state == "rejected"
    assert events_for(gadget)[-1].actor_label == "system:deadlines.sweep"
    with pytest.raises(Forbidden):
        perform(GADGET, make_gadget(), "submit", actor="system:deadlines.sweep")


def test_state_cannot_be_written_through_changes(make_gadget, applicant):
    with pytest.raises(ValueError):
        perform(GADGET, make_gadget(), "submit", actor=applicant, changes={"state": "approved"})


def test_two_transitions_for_one_state_and_action_are_a_configuration_error():
    with pytest.raises(ImproperlyConfigured):
        Workflow(
            Gadget,
            [
                Transition("go", ("draft",), "submitted", {Role.APPLICANT}, "Go"),
                Transition("go", ("draft", "approved"), "rejected", {Role.APPLICANT}, "Go"),
            ],
        )


@pytest.mark.django_db(transaction=True)
def test_effects_run_only_after_the_outer_transaction_commits(make_gadget, applicant):
    gadget = make_gadget()

    with transaction.atomic():
        perform(GADGET, gadget, "submit", actor=applicant)
        assert TaskRun.objects.count() == 0

    assert list(TaskRun.objects.values_list("label", flat=True)) == [f"submitted:{gadget.pk}"]


@pytest.mark.django_db(transaction=True)
def test_effects_never_run_when_the_transaction_rolls_back(make_gadget, applicant):
    gadget = make_gadget()

    with pytest.raises(RuntimeError), transaction.atomic():
        perform(GADGET, gadget, "submit", actor=applicant)
        raise RuntimeError("the service failed after the transition")

    assert TaskRun.objects.count() == 0
    assert Gadget.objects.get(pk=gadget.pk).state == "draft"
    assert events_for(gadget) == []


@pytest.mark.django_db(transaction=True)
def test_two_racing_threads_one_wins_one_conflicts_one_audit_event(make_gadget, applicant):
    for _round in range(3):
        gadget = make_gadget()
        barrier = threading.Barrier(2)
        outcomes: list = []

        def click(gadget_id=gadget.pk, barrier=barrier, outcomes=outcomes):
            try:
                seen = Gadget.objects.get(pk=gadget_id)
                barrier.wait(timeout=10)
                outcomes.append(perform(GADGET, seen, "submit", actor=applicant).state)
            except Conflict as exc:
                outcomes.append(exc.code)
            finally:
                connection.close()

        threads = [threading.Thread(target=click) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)

        assert sorted(outcomes)[1] == "submitted", outcomes
        assert sorted(outcomes)[0] in {"stale_state", "invalid_transition"}, outcomes
        assert Gadget.objects.get(pk=gadget.pk).state == "submitted"
        assert [e.action for e in events_for(gadget)] == ["gadget.submit"]
        assert TaskRun.objects.filter(label=f"submitted:{gadget.pk}").count() == 1


def test_available_actions_show_guard_refusals_and_hide_other_roles_actions(make_gadget, applicant, officer):
    gadget = make_gadget(amount=None)

    [submit] = available_actions(GADGET, gadget, applicant)
    assert (submit.action, submit.label, submit.allowed) == ("submit", "Submit", False)
    assert submit.reason == "Enter the amount before submitting."
    assert available_actions(GADGET, gadget, officer) == []

    gadget.amount = Decimal("5.00")
    gadget.save(update_fields=["amount"])
    gadget = perform(GADGET, gadget, "submit", actor=applicant)
    assert [(a.action, a.allowed, a.needs_reason) for a in available_actions(GADGET, gadget, officer)] == [
        ("approve", True, False),
        ("reject", True, True),
    ]


def test_available_actions_can_list_forbidden_ones_with_reasons(make_gadget, applicant, other_applicant):
    gadget = perform(GADGET, make_gadget(), "submit", actor=applicant)

    actions = {a.action: a for a in available_actions(GADGET, gadget, applicant, include_forbidden=True)}

    assert actions["withdraw"].allowed
    assert not actions["approve"].allowed
    assert "Approve" in actions["approve"].reason
    assert available_actions(GADGET, gadget, other_applicant) == []
    [withdraw] = available_actions(GADGET, gadget, other_applicant, include_forbidden=True)[:1]
    assert withdraw.reason == "This gadget belongs to another organisation."


def test_matrix_lists_every_state_action_role_with_a_reason_for_each_refusal():
    roles = [*Role.values, SYSTEM_ROLE]
    rules = GADGET.matrix(roles)

    assert len(rules) == len(GADGET.states) * len(GADGET.actions) * len(roles) == 4 * 4 * 6
    assert all(rule.reason for rule in rules if not rule.allowed)
    allowed = {(r.state, r.action, r.role) for r in rules if r.allowed}
    assert allowed == {
        ("draft", "submit", "applicant"),
        ("submitted", "withdraw", "applicant"),
        ("submitted", "approve", "officer"),
        ("submitted", "reject", "officer"),
        ("submitted", "reject", "system"),
        ("approved", "reject", "officer"),
        ("approved", "reject", "system"),
    }
