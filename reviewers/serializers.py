"""API shapes of the reviewers domain. Serializers parse and present; the services decide."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from grants.serializers.common import allowed_actions
from reviewers.enums import AffiliationKind, ConflictOutcome, PartyRole
from reviewers.models import (
    Affiliation,
    Assignment,
    AssignmentRun,
    CompetingProject,
    Conflict,
    ConflictDecision,
    ConsensusScore,
    RelatedParty,
    Review,
    ReviewerProfile,
    Score,
)
from reviewers.workflow import ASSIGNMENT_WORKFLOW, REVIEW_WORKFLOW

# --- profiles -------------------------------------------------------------------------------------


class AffiliationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Affiliation
        fields = ["id", "kind", "organisation_name", "inn", "ogrn", "started_on", "ended_on", "note"]


class AffiliationInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=AffiliationKind.choices)
    organisation_name = serializers.CharField(max_length=300)
    inn = serializers.CharField(max_length=12)
    ogrn = serializers.CharField(max_length=15, required=False, allow_blank=True, default="")
    started_on = serializers.DateField(required=False, allow_null=True, default=None)
    ended_on = serializers.DateField(required=False, allow_null=True, default=None)
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class CompetingProjectSerializer(serializers.ModelSerializer):
    class Meta:
        model = CompetingProject
        fields = ["id", "organisation_name", "target", "icd10_code", "atc_code", "ended_on"]
        extra_kwargs = {name: {"required": False} for name in fields if name != "id"}


class ReviewerProfileSerializer(serializers.ModelSerializer):
    user = serializers.SerializerMethodField()
    priority_areas = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    affiliations = AffiliationSerializer(many=True, read_only=True)
    competing_projects = CompetingProjectSerializer(many=True, read_only=True)

    class Meta:
        model = ReviewerProfile
        fields = [
            "id", "user", "priority_areas", "modalities", "icd10_chapters", "icd10_codes", "atc_groups",
            "keywords", "max_load", "affiliations", "competing_projects", "updated_at",
        ]  # fmt: skip

    @extend_schema_field(
        {"type": "object", "properties": {"id": {"type": "integer"}, "name": {"type": "string"}}}
    )
    def get_user(self, profile: ReviewerProfile) -> dict:
        return {"id": profile.user_id, "name": profile.user.get_full_name() or profile.user.username}


class ExpertiseInputSerializer(serializers.Serializer):
    priority_areas = serializers.ListField(child=serializers.CharField(), required=False)
    modalities = serializers.ListField(child=serializers.CharField(), required=False)
    icd10_chapters = serializers.ListField(child=serializers.CharField(), required=False)
    icd10_codes = serializers.ListField(child=serializers.CharField(), required=False)
    atc_groups = serializers.ListField(child=serializers.CharField(), required=False)
    keywords = serializers.ListField(child=serializers.CharField(), required=False)
    max_load = serializers.IntegerField(required=False, allow_null=True)


# --- assignments and reviews ---------------------------------------------------------------------


class AssignmentSerializer(serializers.ModelSerializer):
    application = serializers.SerializerMethodField()
    reviewer = serializers.SerializerMethodField()
    review = serializers.SerializerMethodField()
    allowed_actions = serializers.SerializerMethodField()

    class Meta:
        model = Assignment
        fields = [
            "id", "round", "application", "reviewer", "state", "source", "affinity", "due_at", "assigned_at",
            "declared_at", "ended_at", "overdue_flagged_at", "review", "allowed_actions",
        ]  # fmt: skip

    @extend_schema_field(
        {
            "type": "object",
            "properties": {
                "id": {"type": "integer"},
                "title": {"type": "string"},
                "applicant": {"type": "string"},
            },
        }
    )
    def get_application(self, a: Assignment) -> dict:
        return {
            "id": a.application_id,
            "title": a.application.title,
            "applicant": a.application.organisation.name,
        }

    @extend_schema_field(
        {"type": "object", "properties": {"id": {"type": "integer"}, "name": {"type": "string"}}}
    )
    def get_reviewer(self, a: Assignment) -> dict:
        return {"id": a.reviewer_id, "name": a.reviewer.get_full_name() or a.reviewer.username}

    @extend_schema_field(
        {
            "type": "object",
            "nullable": True,
            "properties": {"id": {"type": "integer"}, "state": {"type": "string"}},
        }
    )
    def get_review(self, a: Assignment) -> dict | None:
        review = getattr(a, "review", None)
        return {"id": review.pk, "state": review.state} if review else None

    @extend_schema_field({"type": "array", "items": {"type": "object"}})
    def get_allowed_actions(self, a: Assignment) -> list[dict]:
        return allowed_actions(ASSIGNMENT_WORKFLOW, a, self.context.get("request"))


class ScoreSerializer(serializers.ModelSerializer):
    criterion = serializers.CharField(source="criterion.code", read_only=True)
    criterion_name = serializers.CharField(source="criterion.name", read_only=True)

    class Meta:
        model = Score
        fields = ["criterion", "criterion_name", "value", "comment", "scale_min", "scale_max", "step"]


class ReviewSerializer(serializers.ModelSerializer):
    """A review; `reviewer` is shown only to ministry readers (co-reviewers read anonymous reviews)."""

    scores = ScoreSerializer(many=True, read_only=True)
    application = serializers.IntegerField(source="assignment.application_id", read_only=True)
    version = serializers.IntegerField(source="application_version.number", read_only=True)
    reviewer = serializers.SerializerMethodField()
    allowed_actions = serializers.SerializerMethodField()

    class Meta:
        model = Review
        fields = [
            "id", "assignment", "application", "version", "reviewer", "state", "overall_comment", "scores",
            "submitted_at", "allowed_actions",
        ]  # fmt: skip

    @extend_schema_field({"type": "object", "nullable": True})
    def get_reviewer(self, review: Review) -> dict | None:
        if not self.context.get("show_reviewer", True):
            return None
        user = review.assignment.reviewer
        return {"id": user.pk, "name": user.get_full_name() or user.username}

    @extend_schema_field({"type": "array", "items": {"type": "object"}})
    def get_allowed_actions(self, review: Review) -> list[dict]:
        return allowed_actions(REVIEW_WORKFLOW, review, self.context.get("request"))


class AnonymousReviewSerializer(serializers.Serializer):
    """Another reviewer's submitted review as a co-reviewer reads it: no identity (rule 17)."""

    label = serializers.CharField()
    overall_comment = serializers.CharField()
    scores = ScoreSerializer(many=True)
    submitted_at = serializers.DateTimeField()


class ScoreInputSerializer(serializers.Serializer):
    value = serializers.CharField(required=False, allow_blank=True, allow_null=True)
    comment = serializers.CharField(required=False, allow_blank=True)

    def to_internal_value(self, data):
        if (
            isinstance(data, dict)
            and isinstance(data.get("value"), int | float)
            and not isinstance(data["value"], bool)
        ):
            data = {**data, "value": str(data["value"])}
        return super().to_internal_value(data)


class ReviewInputSerializer(serializers.Serializer):
    """Scores keyed by criterion code, e.g. {"novelty": {"value": "4.5", "comment": "..."}}."""

    scores = serializers.DictField(child=ScoreInputSerializer(), required=False)
    overall_comment = serializers.CharField(required=False, allow_blank=True)


class DeclarationSerializer(serializers.Serializer):
    no_conflict = serializers.BooleanField(help_text="I have no conflict of interest with this application.")
    confidentiality = serializers.BooleanField(help_text="I will keep the application confidential.")


class ConflictDeclarationSerializer(serializers.Serializer):
    description = serializers.CharField(max_length=4000)


class ReviewReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=4000)


class SwapSerializer(serializers.Serializer):
    reviewer = serializers.IntegerField(help_text="The new reviewer's user id.")
    reason = serializers.CharField(max_length=4000)


class ApplicationContentSerializer(serializers.Serializer):
    """The frozen version a declared reviewer scores (rule 11)."""

    application = serializers.IntegerField()
    version = serializers.IntegerField()
    submitted_at = serializers.DateTimeField()
    content = serializers.JSONField(
        help_text="The version's snapshot: fields, trials, budget lines, documents."
    )


# --- officers ------------------------------------------------------------------------------------


class RunSerializer(serializers.ModelSerializer):
    class Meta:
        model = AssignmentRun
        fields = [
            "id", "round", "kind", "status", "inputs_hash", "objective", "seed", "algorithm", "solver",
            "solver_version", "pairs_added", "report", "created_by", "created_at",
        ]  # fmt: skip


class RunInputSerializer(serializers.Serializer):
    round = serializers.IntegerField()


class ConflictSerializer(serializers.ModelSerializer):
    class Meta:
        model = Conflict
        fields = [
            "id",
            "reviewer",
            "application",
            "severity",
            "source",
            "organisation_name",
            "inn",
            "note",
            "detected_at",
        ]


class ConflictDecisionSerializer(serializers.ModelSerializer):
    outcome = serializers.ChoiceField(choices=ConflictOutcome.choices)

    class Meta:
        model = ConflictDecision
        fields = ["id", "reviewer", "application", "outcome", "reason", "decided_by", "decided_at"]
        read_only_fields = ["decided_by", "decided_at"]
        validators: list = []  # the service refuses a second decision with its own message


class RelatedPartySerializer(serializers.ModelSerializer):
    role = serializers.ChoiceField(choices=PartyRole.choices)

    class Meta:
        model = RelatedParty
        fields = ["id", "role", "organisation", "application", "name", "inn", "ogrn", "added_by", "added_at"]
        read_only_fields = ["added_by", "added_at"]
        validators: list = []


class ConsensusSerializer(serializers.ModelSerializer):
    criterion_scores = serializers.DictField(child=serializers.CharField())

    class Meta:
        model = ConsensusScore
        fields = ["id", "application", "criterion_scores", "total", "reason", "recorded_by", "recorded_at"]
        read_only_fields = ["total", "recorded_by", "recorded_at"]


class ApplicationScoresSerializer(serializers.Serializer):
    """One row of `round_scores` (rule 21)."""

    application_id = serializers.IntegerField()
    submitted_reviews = serializers.IntegerField()
    reviews_required = serializers.IntegerField()
    criterion_means = serializers.DictField(child=serializers.DecimalField(max_digits=12, decimal_places=6))
    total = serializers.DecimalField(max_digits=12, decimal_places=6, allow_null=True)
    calibrated_total = serializers.DecimalField(max_digits=12, decimal_places=6, allow_null=True)
    spread = serializers.DecimalField(max_digits=12, decimal_places=6, allow_null=True)
    needs_discussion = serializers.BooleanField()
    consensus_total = serializers.DecimalField(max_digits=12, decimal_places=6, allow_null=True)
    consensus_reason = serializers.CharField()


class RoundScoresSerializer(serializers.Serializer):
    round = serializers.IntegerField()
    calibration_method = serializers.CharField()
    calibration_min_reviews = serializers.IntegerField()
    applications = ApplicationScoresSerializer(many=True)
