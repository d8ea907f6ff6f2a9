"""Choices of the grants domain. Values are stable API strings; labels are translatable."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class RoundState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    OPEN = "open", _("Open for submissions")
    CLOSED = "closed", _("Closed")
    IN_REVIEW = "in_review", _("In review")
    SELECTION = "selection", _("Selection")
    PUBLISHED = "published", _("Results published")
    ARCHIVED = "archived", _("Archived")


class ApplicationState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    ELIGIBLE = "eligible", _("Eligible")
    INELIGIBLE = "ineligible", _("Ineligible")
    UNDER_REVIEW = "under_review", _("Under review")
    # After the committee's decision (issue 5); reached only through the grants workflow.
    SELECTED = "selected", _("Selected")
    RESERVE = "reserve", _("Reserve list")
    REJECTED = "rejected", _("Not selected")


# States in which the firm may still change its working copy (only while the round is open).
EDITABLE_APPLICATION_STATES = frozenset(
    {ApplicationState.DRAFT, ApplicationState.SUBMITTED, ApplicationState.WITHDRAWN}
)


class ClarificationState(models.TextChoices):
    OPEN = "open", _("Awaiting answer")
    ANSWERED = "answered", _("Answered")
    EXPIRED = "expired", _("Expired")


class Modality(models.TextChoices):
    SMALL_MOLECULE = "small_molecule", _("Small molecule")
    MONOCLONAL_ANTIBODY = "monoclonal_antibody", _("Monoclonal antibody")
    OTHER_BIOLOGIC = "other_biologic", _("Other biologic")
    VACCINE = "vaccine", _("Vaccine")
    CELL_THERAPY = "cell_therapy", _("Cell therapy")
    GENE_THERAPY = "gene_therapy", _("Gene therapy")
    MRNA = "mrna", _("mRNA")
    RADIOPHARMACEUTICAL = "radiopharmaceutical", _("Radiopharmaceutical")
    OTHER = "other", _("Other")


class ClaimKind(models.TextChoices):
    FIRST_IN_CLASS = "first_in_class", _("First-in-class")
    BEST_IN_CLASS = "best_in_class", _("Best-in-class")


class DevelopmentStage(models.TextChoices):
    PHASE_1 = "phase_1", _("Phase 1")
    PHASE_2 = "phase_2", _("Phase 2")
    PHASE_3 = "phase_3", _("Phase 3")
    REGISTRATION = "registration", _("Marketing authorisation under review")
    POST_REGISTRATION = "post_registration", _("Post-registration (new indication)")


class TrialPhase(models.TextChoices):
    PHASE_1 = "1", _("Phase 1")
    PHASE_1_2 = "1/2", _("Phase 1/2")
    PHASE_2 = "2", _("Phase 2")
    PHASE_2_3 = "2/3", _("Phase 2/3")
    PHASE_3 = "3", _("Phase 3")
    PHASE_4 = "4", _("Phase 4")


class SuccessEvent(models.TextChoices):
    MARKETING_AUTHORISATION = "marketing_authorisation", _("Marketing authorisation")
    CONDITIONAL_AUTHORISATION = "conditional_authorisation", _("Conditional marketing authorisation")
    NEW_INDICATION = "new_indication", _("Authorisation of a new indication")
    PRIMARY_ENDPOINT = "primary_endpoint", _("Primary endpoint met")


class RankingBasis(models.TextChoices):
    RAW = "raw", _("Raw scores")
    CALIBRATED = "calibrated", _("Calibrated scores")


class NonFitPolicy(models.TextChoices):
    SKIP = "skip", _("Skip to the next application that fits")
    STOP = "stop", _("Stop at the first application that does not fit")


class TieBreak(models.TextChoices):
    """Keys the ranking may use, in the round's order, before the earlier submission decides (rule 22)."""

    CRITERION = "criterion", _("Higher mean on a criterion")
    LOWER_REQUEST = "lower_request", _("Lower requested amount")
    EARLIER_SUBMISSION = "earlier_submission", _("Earlier submission")


class DocumentKind(models.TextChoices):
    PROTOCOL = "protocol", _("Trial protocol")
    PERMISSION = "permission", _("Trial permission")
    EVIDENCE = "evidence", _("Evidence for the claim")
    BUDGET = "budget", _("Budget justification")
    TEAM = "team", _("Team and production capacity")
    CLARIFICATION = "clarification", _("Answer to a clarification")
    OTHER = "other", _("Other")


class ScreeningOutcome(models.TextChoices):
    ELIGIBLE = "eligible", _("Eligible")
    INELIGIBLE = "ineligible", _("Ineligible")


# Screening checklist: key -> question the officer confirms (stored with the decision).
SCREENING_CHECKLIST = {
    "applicant": _("The applicant is a Russian organisation admitted by the program"),
    "priority_area": _("The priority area is admitted in this round"),
    "claim": _("The first/best-in-class claim is stated with its evidence"),
    "trials": _("Each covered trial is identified and in a covered phase"),
    "budget": _("Budget lines are in eligible cost categories and within the cap"),
    "documents": _("Required documents are attached and readable"),
}


# --- selection: decision, publication, appeals (issue 5) ------------------------------------------
class DecisionOutcome(models.TextChoices):
    """The committee's decision on one application (rule 25)."""

    SELECTED = "selected", _("Selected")
    RESERVE = "reserve", _("Reserve list")
    REJECTED = "rejected", _("Not selected")


# Application states an eligible application may be decided from, and the decided states.
DECIDABLE_APPLICATION_STATES = frozenset({ApplicationState.ELIGIBLE, ApplicationState.UNDER_REVIEW})
DECIDED_APPLICATION_STATES = frozenset(
    {ApplicationState.SELECTED, ApplicationState.RESERVE, ApplicationState.REJECTED}
)


class AppealGround(models.TextChoices):
    """Procedural grounds only: the merits are not re-evaluated (rule 26; domain-rules §1.2)."""

    CONFLICT_OF_INTEREST = "conflict_of_interest", _("A reviewer had a conflict of interest")
    PROCEDURE = "procedure", _("The procedure was not followed")
    FACTUAL_ERROR = "factual_error", _("A factual error in the assessment")


class AppealState(models.TextChoices):
    SUBMITTED = "submitted", _("Awaiting decision")
    UPHELD = "upheld", _("Upheld")
    DISMISSED = "dismissed", _("Dismissed")


class SelectionDocumentKind(models.TextChoices):
    MINUTES = "minutes", _("Committee minutes")
    APPEAL = "appeal", _("Appeal evidence")
