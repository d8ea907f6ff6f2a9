"""API shapes of reference lists, programs and rounds."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.api import ActionInfoSerializer
from grants.enums import SuccessEvent
from grants.models import CostCategory, Criterion, PriorityArea, Program, Round
from grants.serializers.common import MoneyField, allowed_actions
from grants.workflow import ROUND_WORKFLOW


class CostCategorySerializer(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True)
    description = serializers.CharField(read_only=True)

    class Meta:
        model = CostCategory
        fields = ["code", "name", "name_ru", "name_en", "description", "is_eligible"]


class PriorityAreaSerializer(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True)
    description = serializers.CharField(read_only=True)

    class Meta:
        model = PriorityArea
        fields = ["code", "name", "name_ru", "name_en", "description"]


class ProgramSerializer(serializers.ModelSerializer):
    rate = serializers.DecimalField(max_digits=5, decimal_places=4, help_text="Fraction: 0 < rate <= 1.")
    project_cap = MoneyField(required=False)
    cost_categories = serializers.SlugRelatedField(
        slug_field="code", many=True, queryset=CostCategory.objects.all(), required=False
    )
    success_events = serializers.ListField(
        child=serializers.ChoiceField(choices=SuccessEvent.choices), required=False
    )

    class Meta:
        model = Program
        fields = [
            "id",
            "name",
            "description",
            "rate",
            "project_cap",
            "cost_categories",
            "success_events",
            "admits_individual_entrepreneurs",
            "eligible_from",
            "eligible_until",
            "created_at",
        ]
        read_only_fields = ["id", "created_at"]
        extra_kwargs = {"rate": {"required": False}}


class CriterionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Criterion
        fields = [
            "code",
            "name",
            "description",
            "weight",
            "scale_min",
            "scale_max",
            "step",
            "threshold",
            "position",
        ]
        read_only_fields = ["position"]


class RoundAreaSerializer(serializers.Serializer):
    code = serializers.CharField(source="area.code")
    name = serializers.CharField(source="area.name", read_only=True)
    quota = MoneyField(allow_null=True, required=False)


ROUND_FIELDS = [
    "id",
    "program",
    "title",
    "description",
    "opens_at",
    "closes_at",
    "review_due_at",
    "decision_at",
    "appeal_window_days",
    "budget",
    "reviewers_per_application",
    "min_load",
    "max_load",
    "total_threshold",
    "ranking_basis",
    "tie_break",
    "non_fit_policy",
]


class RoundSerializer(serializers.ModelSerializer):
    budget = MoneyField(required=False)
    priority_areas = RoundAreaSerializer(source="area_links", many=True, read_only=True)
    criteria = CriterionSerializer(many=True, read_only=True)
    allowed_actions = serializers.SerializerMethodField()

    class Meta:
        model = Round
        fields = [*ROUND_FIELDS, "state", "priority_areas", "criteria", "allowed_actions", "created_at"]
        read_only_fields = ["id", "state", "created_at"]

    @extend_schema_field(ActionInfoSerializer(many=True))
    def get_allowed_actions(self, obj: Round) -> list[dict]:
        return allowed_actions(ROUND_WORKFLOW, obj, self.context.get("request"))


class RoundWriteSerializer(serializers.ModelSerializer):
    """Create (with the default rubric unless `with_default_rubric` is false) or edit a round."""

    budget = MoneyField(required=False)
    program = serializers.PrimaryKeyRelatedField(queryset=Program.objects.all())
    with_default_rubric = serializers.BooleanField(default=True, write_only=True)

    class Meta:
        model = Round
        fields = [*ROUND_FIELDS, "with_default_rubric"]
        read_only_fields = ["id"]
        # Rules (date order, quotas) are the service's, so it can report every problem at once.
        validators: list = []


class RubricSerializer(serializers.Serializer):
    criteria = serializers.ListField(child=serializers.DictField(), allow_empty=True)


class PriorityAreasInputSerializer(serializers.Serializer):
    areas = serializers.ListField(child=RoundAreaSerializer(), allow_empty=True)


class ExtendDatesSerializer(serializers.Serializer):
    closes_at = serializers.DateTimeField(required=False)
    review_due_at = serializers.DateTimeField(required=False)
    decision_at = serializers.DateTimeField(required=False)
    reason = serializers.CharField(allow_blank=True)


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="")
