"""Choices of the reviewers domain. Values are stable API strings; labels are translatable."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class AffiliationKind(models.TextChoices):
    """A reviewer's tie to an organisation. The first three block (rule 13); "other" is potential."""

    EMPLOYMENT = "employment", _("Employment")
    CONTRACT = "contract", _("Contract or consultancy")
    FINANCIAL_INTEREST = "financial_interest", _("Financial interest (shares, options, fees, grants)")
    OTHER = "other", _("Other tie")


BLOCKING_AFFILIATIONS = frozenset(
    {AffiliationKind.EMPLOYMENT, AffiliationKind.CONTRACT, AffiliationKind.FINANCIAL_INTEREST}
)


class PartyRole(models.TextChoices):
    """How an organisation is tied to an application besides the applicant itself."""

    GROUP = "group", _("Company of the applicant's group")
    CRO = "cro", _("Contract research organisation")
    SITE = "site", _("Trial site")


class ConflictSeverity(models.TextChoices):
    BLOCKING = "blocking", _("Blocking")
    POTENTIAL = "potential", _("Potential (an officer decides)")


class ConflictSource(models.TextChoices):
    """Where a conflict comes from. Detected sources are recomputed; the last two are records."""

    APPLICANT = "applicant", _("Tie with the applicant firm")
    GROUP = "group", _("Tie with a company of the applicant's group")
    CRO = "cro", _("Tie with the contract research organisation")
    SITE = "site", _("Tie with a trial site")
    COMPETITOR = "competitor", _("Works on a competing product (same target or indication)")
    DECLARED = "declared", _("Declared by the reviewer")
    OFFICER = "officer", _("Excluded by an officer")


DETECTED_SOURCES = frozenset(
    {
        ConflictSource.APPLICANT,
        ConflictSource.GROUP,
        ConflictSource.CRO,
        ConflictSource.SITE,
        ConflictSource.COMPETITOR,
    }
)


class ConflictOutcome(models.TextChoices):
    """An officer's decision on a potential conflict (rule 14)."""

    CLEARED = "cleared", _("No conflict: the reviewer may review")
    EXCLUDED = "excluded", _("Conflict: the reviewer is excluded")


class DeclarationKind(models.TextChoices):
    NO_CONFLICT = "no_conflict", _("No conflict of interest, and I keep the content confidential")
    CONFLICT = "conflict", _("I have a conflict of interest")


class AssignmentState(models.TextChoices):
    ASSIGNED = "assigned", _("Assigned")
    DECLARED = "declared", _("Declared, reviewing")
    DECLINED = "declined", _("Declined")
    CONFLICT = "conflict", _("Conflict of interest")
    REASSIGNED = "reassigned", _("Reassigned")


# Assignments that still hold a place among the application's k reviewers.
ACTIVE_ASSIGNMENT_STATES = (AssignmentState.ASSIGNED, AssignmentState.DECLARED)


class AssignmentSource(models.TextChoices):
    SOLVER = "solver", _("Assignment run")
    MANUAL = "manual", _("Officer's swap")


class RunKind(models.TextChoices):
    INITIAL = "initial", _("Assignment of the round")
    REFILL = "refill", _("Refill after a decline, conflict or reassignment")


class RunStatus(models.TextChoices):
    OK = "ok", _("Assigned")
    INFEASIBLE = "infeasible", _("Impossible: nothing assigned")


class ReviewState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    REOPENED = "reopened", _("Reopened by an officer")
    VOIDED = "voided", _("Voided")
