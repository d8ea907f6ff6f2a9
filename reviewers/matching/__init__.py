"""Reviewer matching: expertise affinity and the optimal conflict-free assignment. Pure: no ORM import.

Public interface (all plain dataclasses; ids are ints):

    affinity(app, reviewer, weights) -> Decimal
    assign_reviewers(applications, reviewers, *, reviewers_per_application=3, conflicts=(), forced=(),
                     weights=None, seed=0, max_candidates=None) -> AssignmentResult
"""

from reviewers.matching.affinity import (
    ICD10_CHAPTERS,
    AffinityWeights,
    ApplicationProfile,
    ReviewerProfile,
    affinity,
    icd10_chapter,
)
from reviewers.matching.assignment import (
    ALGORITHM,
    AssignedPair,
    AssignmentResult,
    assign_reviewers,
    input_hash,
)
from reviewers.matching.feasibility import Blocker

__all__ = [
    "ALGORITHM",
    "ICD10_CHAPTERS",
    "AffinityWeights",
    "ApplicationProfile",
    "AssignedPair",
    "AssignmentResult",
    "Blocker",
    "ReviewerProfile",
    "affinity",
    "assign_reviewers",
    "icd10_chapter",
    "input_hash",
]
