"""The Gadget transition table: a small copy of the shape real applications use."""

from django.utils import timezone

from accounts.enums import Role
from core.workflow import SYSTEM_ROLE, Transition, Workflow
from tests.testapp.models import Gadget, TaskRun

State = Gadget.State


def has_amount(gadget, actor, data) -> str | None:
    return None if gadget.amount else "Enter the amount before submitting."


def record_submission(gadget, actor, data) -> None:
    # An effect with an observable trace: tests count these rows to see when effects run.
    TaskRun.objects.create(label=f"submitted:{gadget.pk}")


def same_organisation(gadget, user) -> str | None:
    if user.role == Role.APPLICANT and gadget.organisation_id != user.organisation_id:
        return "This gadget belongs to another organisation."
    return None


GADGET = Workflow(
    Gadget,
    [
        Transition(
            "submit",
            (State.DRAFT,),
            State.SUBMITTED,
            frozenset({Role.APPLICANT}),
            "Submit",
            guards=(has_amount,),
            effects=(record_submission,),
        ),
        Transition("withdraw", (State.SUBMITTED,), State.DRAFT, frozenset({Role.APPLICANT}), "Withdraw"),
        Transition("approve", (State.SUBMITTED,), State.APPROVED, frozenset({Role.OFFICER}), "Approve"),
        Transition(
            "reject",
            (State.SUBMITTED, State.APPROVED),
            State.REJECTED,
            frozenset({Role.OFFICER, SYSTEM_ROLE}),
            "Reject",
            needs_reason=True,
        ),
    ],
    object_check=same_organisation,
)


def submit_changes() -> dict:
    return {"submitted_at": timezone.now()}
