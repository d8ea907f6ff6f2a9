"""Reviewers models, split by aggregate; import them from here."""

from reviewers.models.assignment import Assignment, AssignmentRun, ReviewSettings
from reviewers.models.conflicts import Conflict, ConflictDecision, ConflictDeclaration, RelatedParty
from reviewers.models.profile import Affiliation, CompetingProject, ReviewerProfile
from reviewers.models.review import ConsensusScore, Review, Score

__all__ = [
    "Affiliation",
    "Assignment",
    "AssignmentRun",
    "CompetingProject",
    "Conflict",
    "ConflictDecision",
    "ConflictDeclaration",
    "ConsensusScore",
    "RelatedParty",
    "Review",
    "ReviewSettings",
    "ReviewerProfile",
    "Score",
]
