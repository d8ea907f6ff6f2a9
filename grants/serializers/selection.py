"""API shapes of the selection: rounds in selection, proposals, ranking rows, decisions, appeals."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from grants.enums import AppealGround, DecisionOutcome
from grants.models import Appeal, FundingDecision, Round, SelectionDocument, SelectionProposal
from grants.selectors_selection import is_ministry
from grants.serializers.common import MoneyField


class SelectionDocumentSerializer(serializers.ModelSerializer):
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = SelectionDocument
        fields = [
            "id",
            "kind",
            "original_name",
            "size",
            "sha256",
            "content_type",
            "uploaded_at",
            "download_url",
        ]

    def get_download_url(self, document: SelectionDocument) -> str:
        return reverse("api-grants:selection-document-download", args=[document.pk])


class SelectionRoundSerializer(serializers.ModelSerializer):
    """A round as the selection sees it: budget, commitments, latest run, publication."""

    budget = MoneyField(read_only=True)
    committed = serializers.SerializerMethodField()
    remaining = serializers.SerializerMethodField()
    latest_proposal_number = serializers.IntegerField(read_only=True, allow_null=True)
    latest_funded_amount = MoneyField(read_only=True, allow_null=True)
    decision_count = serializers.IntegerField(read_only=True)
    open_appeal_count = serializers.IntegerField(read_only=True)
    published_at = serializers.SerializerMethodField()
    appeal_window_ends_at = serializers.SerializerMethodField()
    minutes = serializers.SerializerMethodField()

    class Meta:
        model = Round
        fields = [
            "id",
            "title",
            "state",
            "ranking_basis",
            "reviewers_per_application",
            "budget",
            "committed",
            "remaining",
            "latest_proposal_number",
            "latest_funded_amount",
            "decision_count",
            "open_appeal_count",
            "published_at",
            "appeal_window_ends_at",
            "minutes",
        ]

    def _ledger(self, round_: Round) -> Any:
        return getattr(round_, "selection", None) if hasattr(round_, "selection") else None

    @extend_schema_field({"type": "string", "format": "decimal"})
    def get_committed(self, round_: Round) -> str:
        ledger = self._ledger(round_)
        return f"{ledger.committed if ledger else 0:.2f}"

    @extend_schema_field({"type": "string", "format": "decimal"})
    def get_remaining(self, round_: Round) -> str:
        ledger = self._ledger(round_)
        return f"{round_.budget - (ledger.committed if ledger else 0):.2f}"

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_published_at(self, round_: Round) -> Any:
        ledger = self._ledger(round_)
        return ledger.published_at if ledger else None

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_appeal_window_ends_at(self, round_: Round) -> Any:
        ledger = self._ledger(round_)
        return ledger.appeal_window_ends_at if ledger else None

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_minutes(self, round_: Round) -> int | None:
        ledger = self._ledger(round_)
        return ledger.minutes_id if ledger else None


class ProposalSerializer(serializers.ModelSerializer):
    budget = MoneyField(read_only=True)
    funded_amount = MoneyField(read_only=True)

    class Meta:
        model = SelectionProposal
        fields = [
            "id",
            "round",
            "number",
            "ranking_basis",
            "input_sha256",
            "snapshot_sha256",
            "budget",
            "funded_amount",
            "funded_count",
            "reserve_count",
            "below_threshold_count",
            "incomplete_count",
            "exception_reason",
            "created_by",
            "created_at",
        ]


class ProposalDetailSerializer(ProposalSerializer):
    class Meta(ProposalSerializer.Meta):
        fields = [*ProposalSerializer.Meta.fields, "snapshot"]


class RunSerializer(serializers.Serializer):
    exception_reason = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text="Required while an eligible application lacks its k submitted reviews (rule 23).",
    )


class RankingRowSerializer(serializers.Serializer):
    """One application of the ranking: scores, what the proposal did, what the committee decided."""

    application = serializers.IntegerField(source="application.pk")
    title = serializers.CharField(source="application.title")
    organisation = serializers.CharField(source="application.organisation.name")
    priority_area = serializers.CharField(
        source="application.priority_area.code", allow_null=True, default=None
    )
    requested_amount = MoneyField(source="application.frozen_amount")
    rank = serializers.IntegerField(source="proposed.rank", allow_null=True, default=None)
    proposal_status = serializers.CharField(source="proposed.status", allow_null=True, default=None)
    proposed_outcome = serializers.CharField(source="proposed.outcome", allow_null=True, default=None)
    proposed_amount = MoneyField(source="proposed.amount", allow_null=True, default=None)
    cumulative = MoneyField()
    skipped = serializers.BooleanField()
    total = serializers.DecimalField(
        max_digits=12, decimal_places=4, source="scores.total", allow_null=True, default=None
    )
    calibrated_total = serializers.DecimalField(
        max_digits=12, decimal_places=4, source="scores.calibrated_total", allow_null=True, default=None
    )
    consensus_total = serializers.DecimalField(
        max_digits=12, decimal_places=4, source="scores.consensus_total", allow_null=True, default=None
    )
    spread = serializers.DecimalField(
        max_digits=12, decimal_places=4, source="scores.spread", allow_null=True, default=None
    )
    needs_discussion = serializers.BooleanField(source="scores.needs_discussion", default=False)
    submitted_reviews = serializers.IntegerField(source="scores.submitted_reviews", default=0)
    criterion_means = serializers.DictField(
        child=serializers.DecimalField(max_digits=12, decimal_places=4),
        source="scores.criterion_means",
        default=dict,
    )
    decision = serializers.CharField(source="decision.outcome", allow_null=True, default=None)
    approved_amount = MoneyField(source="decision.approved_amount", allow_null=True, default=None)


class DecisionLineSerializer(serializers.Serializer):
    application = serializers.IntegerField()
    outcome = serializers.ChoiceField(choices=DecisionOutcome.choices)
    approved_amount = MoneyField(
        required=False,
        allow_null=True,
        help_text="Selected only; default: the proposal's amount, else the request.",
    )
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text="Required when the line differs from the proposal.",
    )


class DecisionsInputSerializer(serializers.Serializer):
    decisions = DecisionLineSerializer(many=True, allow_empty=False)


class FundingDecisionSerializer(serializers.ModelSerializer):
    """Firms see their published result; ministry staff also see the proposal, reason and who decided."""

    approved_amount = MoneyField(read_only=True)
    proposed_amount = MoneyField(read_only=True)
    application_title = serializers.CharField(source="application.title", read_only=True)

    MINISTRY_ONLY = (
        "proposed_outcome",
        "proposed_amount",
        "proposed_rank",
        "reason",
        "decided_by",
        "decided_at",
    )

    class Meta:
        model = FundingDecision
        fields = [
            "id",
            "application",
            "application_title",
            "round",
            "outcome",
            "approved_amount",
            "published_at",
            "reopened_at",
            "proposed_outcome",
            "proposed_amount",
            "proposed_rank",
            "reason",
            "decided_by",
            "decided_at",
        ]

    def to_representation(self, instance: FundingDecision) -> dict:
        data = super().to_representation(instance)
        request = self.context.get("request")
        if request is None or not is_ministry(request.user):
            for name in self.MINISTRY_ONLY:
                data.pop(name, None)
        return data


class ReviewerCommentSerializer(serializers.Serializer):
    label = serializers.CharField(help_text="Reviewer 1, 2, ...: never the reviewer's identity.")
    overall_comment = serializers.CharField()
    criterion_comments = serializers.DictField(child=serializers.CharField())


class ResultSerializer(FundingDecisionSerializer):
    comments = serializers.SerializerMethodField()

    class Meta(FundingDecisionSerializer.Meta):
        fields = [*FundingDecisionSerializer.Meta.fields, "comments"]

    @extend_schema_field(ReviewerCommentSerializer(many=True))
    def get_comments(self, decision: FundingDecision) -> list[dict]:
        comments = self.context.get("comments") or []
        return [
            {
                "label": c.label,
                "overall_comment": c.overall_comment,
                "criterion_comments": dict(c.criterion_comments),
            }
            for c in comments
        ]


class AppealSerializer(serializers.ModelSerializer):
    documents = SelectionDocumentSerializer(many=True, read_only=True)
    result = serializers.CharField(source="decision.outcome", read_only=True)

    class Meta:
        model = Appeal
        fields = [
            "id",
            "application",
            "result",
            "grounds",
            "text",
            "state",
            "submitted_at",
            "decided_at",
            "decision_reason",
            "documents",
        ]


class AppealCreateSerializer(serializers.Serializer):
    application = serializers.IntegerField()
    grounds = serializers.ChoiceField(choices=AppealGround.choices)
    text = serializers.CharField(max_length=20000)
    files = serializers.ListField(child=serializers.FileField(), required=False, default=list)


class AppealReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(help_text="Shown to the firm.")


class MinutesUploadSerializer(serializers.Serializer):
    file = serializers.FileField()
