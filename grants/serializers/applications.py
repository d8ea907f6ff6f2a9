"""API shapes of applications and their parts: lines, trials, documents, versions, clarifications."""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.api import ActionInfoSerializer
from grants.enums import ClaimKind, DevelopmentStage, DocumentKind, Modality, ScreeningOutcome
from grants.models import (
    Application,
    ApplicationVersion,
    BudgetLine,
    Clarification,
    CostCategory,
    CoveredTrial,
    Document,
    ScreeningDecision,
)
from grants.serializers.common import MoneyField, allowed_actions
from grants.workflow import APPLICATION_WORKFLOW, CLARIFICATION_WORKFLOW


class OrganisationBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    inn = serializers.CharField()


class RoundBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    state = serializers.CharField()
    closes_at = serializers.DateTimeField()


class ApplicationListSerializer(serializers.ModelSerializer):
    organisation = OrganisationBriefSerializer(read_only=True)
    round = RoundBriefSerializer(read_only=True)
    priority_area = serializers.SlugRelatedField(slug_field="code", read_only=True)
    requested_amount = MoneyField(read_only=True, help_text="Sum of the budget lines.")
    allowed_actions = serializers.SerializerMethodField()

    class Meta:
        model = Application
        fields = [
            "id",
            "title",
            "organisation",
            "round",
            "state",
            "priority_area",
            "claim_kind",
            "drug_name",
            "requested_amount",
            "current_version",
            "submitted_at",
            "has_unsubmitted_changes",
            "created_at",
            "allowed_actions",
        ]
        read_only_fields = fields

    @extend_schema_field(ActionInfoSerializer(many=True))
    def get_allowed_actions(self, obj: Application) -> list[dict]:
        return allowed_actions(APPLICATION_WORKFLOW, obj, self.context.get("request"))


class BudgetLineSerializer(serializers.ModelSerializer):
    category = serializers.SlugRelatedField(slug_field="code", queryset=CostCategory.objects.all())
    amount = MoneyField()

    class Meta:
        model = BudgetLine
        fields = ["id", "category", "description", "amount"]
        read_only_fields = ["id"]


class BudgetLineInputSerializer(serializers.Serializer):
    """Category as a code and amount as typed: the service says what is wrong with them."""

    category = serializers.CharField(allow_blank=True)
    description = serializers.CharField(allow_blank=True)
    amount = serializers.JSONField(help_text='Decimal string, e.g. "1250000.50".')


class TrialSerializer(serializers.ModelSerializer):
    class Meta:
        model = CoveredTrial
        fields = [
            "id",
            "title",
            "phase",
            "permission_number",
            "permission_date",
            "nct_id",
            "planned_enrolment",
            "start_date",
            "end_date",
        ]
        read_only_fields = fields


class TrialInputSerializer(serializers.Serializer):
    """What a person types: identifiers are normalised and checked by the service (rule 8)."""

    title = serializers.CharField(required=False, allow_blank=True, max_length=300)
    phase = serializers.CharField(required=False, allow_blank=True, max_length=8)
    permission_number = serializers.CharField(required=False, allow_blank=True, max_length=100)
    permission_date = serializers.DateField(required=False, allow_null=True)
    nct_id = serializers.CharField(required=False, allow_blank=True, max_length=40)
    planned_enrolment = serializers.IntegerField(required=False, allow_null=True)
    start_date = serializers.DateField(required=False, allow_null=True)
    end_date = serializers.DateField(required=False, allow_null=True)


class DocumentSerializer(serializers.ModelSerializer):
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = Document
        fields = [
            "id",
            "kind",
            "original_name",
            "size",
            "sha256",
            "content_type",
            "uploaded_at",
            "frozen_in_version",
            "clarification",
            "download_url",
        ]
        read_only_fields = fields

    def get_download_url(self, obj: Document) -> str:
        return reverse("api-grants:document-download", kwargs={"pk": obj.pk})


class DocumentUploadSerializer(serializers.Serializer):
    file = serializers.FileField(allow_empty_file=True, use_url=False)
    kind = serializers.ChoiceField(choices=DocumentKind.choices, default=DocumentKind.OTHER)


class VersionSerializer(serializers.ModelSerializer):
    requested_amount = MoneyField(read_only=True)

    class Meta:
        model = ApplicationVersion
        fields = ["number", "content_sha256", "requested_amount", "submitted_at", "submitted_by"]
        read_only_fields = fields


class VersionDetailSerializer(VersionSerializer):
    """The receipt: version number, time and content hash, with the frozen content."""

    class Meta(VersionSerializer.Meta):
        fields = [*VersionSerializer.Meta.fields, "snapshot"]
        read_only_fields = fields


class ClarificationSerializer(serializers.ModelSerializer):
    documents = DocumentSerializer(many=True, read_only=True)
    allowed_actions = serializers.SerializerMethodField()

    class Meta:
        model = Clarification
        fields = [
            "id",
            "application",
            "question",
            "asked_at",
            "due_at",
            "answer",
            "answered_at",
            "state",
            "documents",
            "allowed_actions",
        ]
        read_only_fields = fields

    @extend_schema_field(ActionInfoSerializer(many=True))
    def get_allowed_actions(self, obj: Clarification) -> list[dict]:
        return allowed_actions(CLARIFICATION_WORKFLOW, obj, self.context.get("request"))


class ClarificationRequestSerializer(serializers.Serializer):
    question = serializers.CharField(allow_blank=True)
    due_at = serializers.DateTimeField()


class ClarificationAnswerSerializer(serializers.Serializer):
    answer = serializers.CharField(allow_blank=True)


class ScreeningSerializer(serializers.ModelSerializer):
    class Meta:
        model = ScreeningDecision
        fields = ["outcome", "reason", "checklist", "version_number", "decided_at"]
        read_only_fields = fields


class ScreenInputSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=ScreeningOutcome.choices)
    reason = serializers.CharField(required=False, allow_blank=True, default="")
    checklist = serializers.DictField(child=serializers.BooleanField(), required=False, default=dict)


class ApplicationDetailSerializer(ApplicationListSerializer):
    budget_lines = BudgetLineSerializer(many=True, read_only=True)
    trials = TrialSerializer(many=True, read_only=True)
    documents = DocumentSerializer(many=True, read_only=True)
    versions = VersionSerializer(many=True, read_only=True)
    clarifications = ClarificationSerializer(many=True, read_only=True)
    screening = serializers.SerializerMethodField()

    class Meta(ApplicationListSerializer.Meta):
        fields = [
            *ApplicationListSerializer.Meta.fields,
            "modality",
            "mechanism",
            "indication",
            "icd10_code",
            "atc_code",
            "novelty_statement",
            "comparator_name",
            "comparator_atc",
            "superiority_endpoint",
            "superiority_result",
            "superiority_trial",
            "development_stage",
            "budget_lines",
            "trials",
            "documents",
            "versions",
            "clarifications",
            "screening",
        ]
        read_only_fields = fields

    @extend_schema_field(ScreeningSerializer(allow_null=True))
    def get_screening(self, obj: Application) -> dict | None:
        decision = getattr(obj, "screening", None)
        return ScreeningSerializer(decision).data if decision is not None else None


class ApplicationWriteSerializer(serializers.Serializer):
    """Draft fields; all optional on update. Codes are normalised and checked by the service."""

    round = serializers.IntegerField(required=False, help_text="Round id (create only).")
    title = serializers.CharField(required=False, allow_blank=True, max_length=300)
    drug_name = serializers.CharField(required=False, allow_blank=True)
    modality = serializers.ChoiceField(choices=Modality.choices, required=False, allow_blank=True)
    mechanism = serializers.CharField(required=False, allow_blank=True)
    indication = serializers.CharField(required=False, allow_blank=True)
    icd10_code = serializers.CharField(required=False, allow_blank=True)
    atc_code = serializers.CharField(required=False, allow_blank=True)
    priority_area = serializers.CharField(
        required=False, allow_blank=True, allow_null=True, help_text="Area code."
    )
    claim_kind = serializers.ChoiceField(choices=ClaimKind.choices, required=False, allow_blank=True)
    novelty_statement = serializers.CharField(required=False, allow_blank=True)
    comparator_name = serializers.CharField(required=False, allow_blank=True)
    comparator_atc = serializers.CharField(required=False, allow_blank=True)
    superiority_endpoint = serializers.CharField(required=False, allow_blank=True)
    superiority_result = serializers.CharField(required=False, allow_blank=True)
    superiority_trial = serializers.CharField(required=False, allow_blank=True)
    development_stage = serializers.ChoiceField(
        choices=DevelopmentStage.choices, required=False, allow_blank=True
    )


class ProblemsSerializer(serializers.Serializer):
    complete = serializers.BooleanField()
    problems = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))
