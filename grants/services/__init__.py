"""Every write of the grants domain. Split by subject; import from here:
`from grants.services import application_submit`."""

from grants.services.applications import (
    application_create,
    application_update,
    budget_line_add,
    budget_line_delete,
    budget_line_update,
)
from grants.services.documents import document_delete, document_upload
from grants.services.programs import program_create, program_update
from grants.services.rounds import (
    round_close,
    round_create,
    round_extend_dates,
    round_open,
    round_transition,
    round_update,
)
from grants.services.rubric import default_rubric, round_set_priority_areas, round_set_rubric
from grants.services.screening import (
    application_screen,
    clarification_answer,
    clarification_request,
    clarifications_expire_due,
)
from grants.services.submission import (
    application_problems,
    application_snapshot,
    application_submit,
    application_withdraw,
    content_hash,
)
from grants.services.trials import trial_add, trial_delete, trial_update

__all__ = [
    "application_create",
    "application_problems",
    "application_screen",
    "application_snapshot",
    "application_submit",
    "application_update",
    "application_withdraw",
    "budget_line_add",
    "budget_line_delete",
    "budget_line_update",
    "clarification_answer",
    "clarification_request",
    "clarifications_expire_due",
    "content_hash",
    "default_rubric",
    "document_delete",
    "document_upload",
    "program_create",
    "program_update",
    "round_close",
    "round_create",
    "round_extend_dates",
    "round_open",
    "round_set_priority_areas",
    "round_set_rubric",
    "round_transition",
    "round_update",
    "trial_add",
    "trial_delete",
    "trial_update",
]
