"""Every (state, action, role) of the grants tables is allowed or refused with a reason."""

import pytest

from accounts.enums import Role
from grants.workflow import APPLICATION_WORKFLOW, CLARIFICATION_WORKFLOW, ROUND_WORKFLOW


@pytest.mark.parametrize("workflow", [ROUND_WORKFLOW, APPLICATION_WORKFLOW, CLARIFICATION_WORKFLOW])
def test_every_refusal_has_a_reason(workflow):
    rules = workflow.matrix(Role.values)
    assert rules
    assert all(rule.allowed or rule.reason for rule in rules)


def test_only_firms_submit_and_only_officers_screen():
    allowed = {(r.state, r.action, r.role) for r in APPLICATION_WORKFLOW.matrix(Role.values) if r.allowed}
    assert {role for state, action, role in allowed if action in ("submit", "resubmit", "withdraw")} == {
        "applicant"
    }
    assert {role for state, action, role in allowed if action.startswith("screen")} == {"officer"}
    assert ("draft", "screen_eligible", "officer") not in allowed
    assert {s for s, a, _r in allowed if a == "resubmit"} == {"submitted", "withdrawn"}


def test_round_actions_belong_to_officers():
    allowed = {(r.action, r.role) for r in ROUND_WORKFLOW.matrix(Role.values) if r.allowed}
    assert {role for _action, role in allowed} == {"officer"}
