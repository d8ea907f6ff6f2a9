"""Every write of the reviewers domain (and `round_scores`, the aggregation selection consumes).
Import from here: `from reviewers.services import assignment_run, round_scores`."""

from reviewers.services.aggregation import (
    ApplicationScores,
    Consensus,
    ScoreTable,
    application_comments,
    round_score_table,
    round_scores,
    scored_rows,
)
from reviewers.services.assignment import (
    assignment_inputs,
    assignment_plan,
    assignment_run,
    review_settings,
    round_refill,
)
from reviewers.services.changes import appeal_upheld, assignment_decline, assignment_reassign, assignment_swap
from reviewers.services.conflicts import (
    assignment_declare_conflict,
    conflict_decide,
    conflicts_refresh,
    related_party_add,
    related_party_delete,
)
from reviewers.services.profiles import (
    affiliation_add,
    affiliation_delete,
    affiliation_update,
    competing_project_add,
    competing_project_delete,
    profile_of,
    profile_update,
)
from reviewers.services.reviews import (
    assignment_declare,
    consensus_record,
    review_reopen,
    review_save_draft,
    review_submit,
)

__all__ = [
    "ApplicationScores",
    "Consensus",
    "ScoreTable",
    "affiliation_add",
    "affiliation_delete",
    "affiliation_update",
    "appeal_upheld",
    "application_comments",
    "assignment_declare",
    "assignment_declare_conflict",
    "assignment_decline",
    "assignment_inputs",
    "assignment_plan",
    "assignment_reassign",
    "assignment_run",
    "assignment_swap",
    "competing_project_add",
    "competing_project_delete",
    "conflict_decide",
    "conflicts_refresh",
    "consensus_record",
    "profile_of",
    "profile_update",
    "related_party_add",
    "related_party_delete",
    "review_reopen",
    "review_save_draft",
    "review_settings",
    "review_submit",
    "round_refill",
    "round_score_table",
    "round_scores",
    "scored_rows",
]
