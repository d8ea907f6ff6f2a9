"""An assignment run's report in words: each blocker as a sentence naming applications and reviewers."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import User
from grants.models import Application
from reviewers.matching import feasibility as f
from reviewers.models import AssignmentRun

MAX_NAMED = 20


@dataclass(frozen=True)
class BlockerText:
    code: str
    text: str
    applications: list[Application]
    reviewers: list[User]
    more_applications: int
    more_reviewers: int


def _sentence(code: str, required: int, available: int, max_load: int, min_load: int) -> str:
    if code == f.DEMAND_EXCEEDS_CAPACITY:
        return _(
            "%(required)d reviews are needed, but the reviewers' maximum loads allow only %(available)d: raise the "
            "maximum load (now %(max)d) or add reviewers."
        ) % {"required": required, "available": available, "max": max_load}
    if code == f.MIN_LOADS_EXCEED_DEMAND:
        return _(
            "The reviewers' minimum loads add up to %(required)d, but only %(available)d reviews are needed: lower "
            "the minimum load (now %(min)d)."
        ) % {"required": required, "available": available, "min": min_load}
    if code == f.TOO_FEW_CANDIDATES:
        return ngettext(
            "This application needs %(required)d reviewers but only %(available)d is eligible (no conflict, "
            "shared expertise, not declined before).",
            "This application needs %(required)d reviewers but only %(available)d are eligible (no conflict, "
            "shared expertise, not declined before).",
            available,
        ) % {"required": required, "available": available}
    if code == f.MIN_LOAD_UNREACHABLE:
        return _(
            "This reviewer must take at least %(required)d applications but is eligible for only %(available)d."
        ) % {"required": required, "available": available}
    if code == f.CAPACITY_SHORTFALL:
        return _(
            "These applications need %(required)d reviews in all, but the reviewers eligible for them can give at "
            "most %(available)d within their maximum loads."
        ) % {"required": required, "available": available}
    if code == f.MIN_LOADS_UNMET:
        return _(
            "These reviewers must take %(required)d reviews in all, but the applications they are eligible for "
            "have room for only %(available)d."
        ) % {"required": required, "available": available}
    if code == f.FORCED_PAIR_CONFLICTED:
        return _("A kept assignment now has a conflict of interest.")
    if code == f.FORCED_EXCEEDS_MAX_LOAD:
        return _(
            "This reviewer already holds %(required)d assignments, above the maximum of %(available)d."
        ) % {
            "required": required,
            "available": available,
        }
    if code == f.FORCED_EXCEEDS_DEMAND:
        return _("This application already holds more reviewers than the round needs.")
    return code


def blocker_texts(run: AssignmentRun) -> list[BlockerText]:
    """The run's blockers as sentences with the named applications and reviewers (two queries)."""
    blockers = run.report.get("blockers", [])
    app_ids = {aid for b in blockers for aid in b["application_ids"][:MAX_NAMED]}
    rev_ids = {rid for b in blockers for rid in b["reviewer_ids"][:MAX_NAMED]}
    apps = Application.objects.select_related("organisation").in_bulk(app_ids) if app_ids else {}
    revs = User.objects.in_bulk(rev_ids) if rev_ids else {}
    texts = []
    for b in blockers:
        texts.append(
            BlockerText(
                code=b["code"],
                text=_sentence(
                    b["code"],
                    b["required"],
                    b["available"],
                    run.report.get("max_load", 0),
                    run.report.get("min_load", 0),
                ),
                applications=[apps[a] for a in b["application_ids"][:MAX_NAMED] if a in apps],
                reviewers=[revs[r] for r in b["reviewer_ids"][:MAX_NAMED] if r in revs],
                more_applications=max(0, len(b["application_ids"]) - MAX_NAMED),
                more_reviewers=max(0, len(b["reviewer_ids"]) - MAX_NAMED),
            )
        )
    return texts
