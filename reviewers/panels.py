"""Dashboard panels: the reviewer's open reviews, and review progress per round for ministry staff."""

from __future__ import annotations

from django.utils import timezone

from accounts.models import User
from reviewers import selectors
from reviewers.enums import ACTIVE_ASSIGNMENT_STATES, ReviewState
from reviewers.models import Assignment

PANEL_ROWS = 5


def reviewer_panel(user: User) -> dict:
    open_reviews = selectors.my_assignments(user, show="open")
    return {
        "rows": list(open_reviews[:PANEL_ROWS]),
        "count": open_reviews.count(),
        "now": timezone.now(),
    }


def officer_panel(user: User) -> dict:
    rounds = list(selectors.rounds_in_review(user)[:PANEL_ROWS])
    pending = (
        Assignment.objects.filter(round__in=[r.pk for r in rounds], state__in=ACTIVE_ASSIGNMENT_STATES)
        .exclude(review__state=ReviewState.SUBMITTED)
        .values_list("round_id", "overdue_flagged_at")
    )
    counts: dict[int, list[int]] = {r.pk: [0, 0] for r in rounds}
    for round_id, flagged in pending:
        counts[round_id][0] += 1
        counts[round_id][1] += flagged is not None
    for round_ in rounds:
        round_.pending, round_.overdue = counts[round_.pk]
    return {"rounds": rounds}
