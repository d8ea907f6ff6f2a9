"""API shapes of agreements, trials, reports, claims, payouts, recoveries and the ledger.

Output serializers read only what the selectors join or annotate, so a list page runs a fixed number of
queries. Input serializers check shapes only; the services decide every business rule.
"""

from __future__ import annotations

from decimal import Decimal

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.api import ActionInfoSerializer
from grants.serializers.common import MoneyField, allowed_actions
from trials.balances import AgreementBalances, balances_of
from trials.enums import EvidenceKind, LedgerKind, TrialStatus
from trials.models import (
    Agreement,
    ClaimLine,
    CostClaim,
    EvidenceFile,
    LedgerEntry,
    OutcomeReport,
    Payout,
    ProgressReport,
    Recovery,
    SuccessDecision,
    Trial,
)
from trials.workflow import AGREEMENT_WORKFLOW, CLAIM_WORKFLOW, PAYOUT_WORKFLOW


# --- shared ---------------------------------------------------------------------------------------
class OrganisationRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    inn = serializers.CharField()


class BalancesSerializer(serializers.Serializer):
    """An agreement's money, derived from the ledger (rule 35); decimal strings in roubles."""

    cap = MoneyField()
    committed = MoneyField()
    released = MoneyField()
    active_commitments = MoneyField()
    paid = MoneyField()
    recovered = MoneyField()
    net_paid = MoneyField()
    remaining_cap = MoneyField()

    def to_representation(self, instance: AgreementBalances) -> dict:
        return {
            name: f"{getattr(instance, name):.2f}"
            for name in (
                "cap",
                "committed",
                "released",
                "active_commitments",
                "paid",
                "recovered",
                "net_paid",
                "remaining_cap",
            )
        }


class EvidenceFileSerializer(serializers.ModelSerializer):
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = EvidenceFile
        fields = [
            "id",
            "agreement",
            "kind",
            "line",
            "progress_report",
            "outcome_report",
            "original_name",
            "size",
            "sha256",
            "content_type",
            "uploaded_at",
            "download_url",
        ]
        read_only_fields = fields

    def get_download_url(self, evidence: EvidenceFile) -> str:
        return reverse("api-trials:evidence-download", args=[evidence.pk])


class EvidenceUploadSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=EvidenceKind.choices)
    file = serializers.FileField()


# --- agreements -----------------------------------------------------------------------------------
class AgreementSerializer(serializers.ModelSerializer):
    """An agreement row with its ledger balances (annotated by the selector: no extra query)."""

    organisation = OrganisationRefSerializer(read_only=True)
    approved_amount = MoneyField(read_only=True)
    cap = MoneyField(read_only=True)
    balances = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()

    class Meta:
        model = Agreement
        fields = [
            "id",
            "number",
            "application",
            "round",
            "organisation",
            "state",
            "approved_amount",
            "cap",
            "reporting_interval_months",
            "signed_on",
            "firm_signatory",
            "activated_at",
            "closed_at",
            "created_at",
            "balances",
            "url",
        ]
        read_only_fields = fields

    @extend_schema_field(BalancesSerializer)
    def get_balances(self, agreement: Agreement) -> dict:
        return BalancesSerializer(balances_of(agreement)).data

    def get_url(self, agreement: Agreement) -> str:
        return reverse("api-trials:agreement-detail", args=[agreement.pk])


class AgreementTrialSerializer(serializers.ModelSerializer):
    class Meta:
        model = Trial
        fields = [
            "id",
            "agreement",
            "title",
            "phase",
            "nct_id",
            "permission_number",
            "permission_date",
            "sites",
            "planned_enrolment",
            "actual_enrolment",
            "planned_start",
            "planned_end",
            "actual_start",
            "actual_end",
            "status",
            "updated_at",
        ]
        read_only_fields = fields


class ProgressReportSerializer(serializers.ModelSerializer):
    is_overdue = serializers.BooleanField(read_only=True)

    class Meta:
        model = ProgressReport
        fields = [
            "id",
            "agreement",
            "number",
            "period_start",
            "due_at",
            "state",
            "summary",
            "enrolled",
            "submitted_at",
            "submitted_by",
            "overdue_at",
            "is_overdue",
        ]
        read_only_fields = fields


class OutcomeReportSerializer(serializers.ModelSerializer):
    evidence = EvidenceFileSerializer(many=True, read_only=True)

    class Meta:
        model = OutcomeReport
        fields = [
            "id",
            "agreement",
            "summary",
            "primary_endpoint_met",
            "state",
            "submitted_at",
            "submitted_by",
            "evidence",
        ]
        read_only_fields = fields


class SuccessDecisionSerializer(serializers.ModelSerializer):
    class Meta:
        model = SuccessDecision
        fields = [
            "id",
            "outcome",
            "event_kind",
            "authorisation_number",
            "authorisation_date",
            "conditional_obligations",
            "endpoint_trial",
            "endpoint_result",
            "class_status",
            "class_confirmed",
            "authorisation_document",
            "endpoint_document",
            "expert_opinion",
            "reason",
            "decided_by",
            "decided_at",
        ]
        read_only_fields = fields


class AgreementDetailSerializer(AgreementSerializer):
    """One agreement with its trials, reports, decision and the officer's success evidence."""

    trials = AgreementTrialSerializer(many=True, read_only=True)
    progress_reports = ProgressReportSerializer(many=True, read_only=True)
    decision = serializers.SerializerMethodField()
    outcome_report = serializers.SerializerMethodField()
    decision_evidence = EvidenceFileSerializer(many=True, read_only=True)
    allowed_actions = serializers.SerializerMethodField()

    class Meta(AgreementSerializer.Meta):
        fields = [
            *AgreementSerializer.Meta.fields,
            "trials",
            "progress_reports",
            "decision",
            "outcome_report",
            "decision_evidence",
            "allowed_actions",
        ]
        read_only_fields = fields

    @extend_schema_field(ActionInfoSerializer(many=True))
    def get_allowed_actions(self, agreement: Agreement) -> list[dict]:
        return allowed_actions(AGREEMENT_WORKFLOW, agreement, self.context.get("request"))

    @extend_schema_field(SuccessDecisionSerializer(allow_null=True))
    def get_decision(self, agreement: Agreement) -> dict | None:
        record = getattr(agreement, "decision_record", None)
        return SuccessDecisionSerializer(record).data if record else None

    @extend_schema_field(OutcomeReportSerializer(allow_null=True))
    def get_outcome_report(self, agreement: Agreement) -> dict | None:
        report = getattr(agreement, "outcome", None)
        return OutcomeReportSerializer(report).data if report else None


class AgreementCreateSerializer(serializers.Serializer):
    application = serializers.IntegerField(help_text="A selected application without an agreement.")
    cap = MoneyField(required=False, allow_null=True, help_text="At most the selected amount (default).")
    reporting_interval_months = serializers.IntegerField(required=False, default=6)


class AgreementSignSerializer(serializers.Serializer):
    signed_on = serializers.DateField()
    firm_signatory = serializers.CharField(max_length=200)


class TrialsReasonSerializer(serializers.Serializer):
    reason = serializers.CharField()


class SuccessRecordSerializer(serializers.Serializer):
    """Rule 29: the success event of an accepted kind with its evidence (ids of files uploaded to
    `/agreements/{id}/evidence/`) and the confirmed first/best-in-class status."""

    event_kind = serializers.CharField()
    class_confirmed = serializers.BooleanField()
    expert_opinion = serializers.IntegerField(allow_null=True)
    authorisation_number = serializers.CharField(required=False, allow_blank=True, default="")
    authorisation_date = serializers.DateField(required=False, allow_null=True, default=None)
    authorisation_document = serializers.IntegerField(required=False, allow_null=True, default=None)
    conditional_obligations = serializers.CharField(required=False, allow_blank=True, default="")
    endpoint_trial = serializers.IntegerField(required=False, allow_null=True, default=None)
    endpoint_result = serializers.CharField(required=False, allow_blank=True, default="")
    endpoint_document = serializers.IntegerField(required=False, allow_null=True, default=None)


class OutcomeReportInputSerializer(serializers.Serializer):
    summary = serializers.CharField(allow_blank=True, required=False, default="")
    primary_endpoint_met = serializers.BooleanField(allow_null=True, required=False, default=None)
    submit = serializers.BooleanField(required=False, default=False)


class TrialUpdateSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=TrialStatus.choices, required=False)
    sites = serializers.ListField(child=serializers.CharField(max_length=300), required=False)
    actual_enrolment = serializers.IntegerField(min_value=0, required=False, allow_null=True)
    actual_start = serializers.DateField(required=False, allow_null=True)
    actual_end = serializers.DateField(required=False, allow_null=True)


class ProgressReportSubmitSerializer(serializers.Serializer):
    summary = serializers.CharField()
    enrolled = serializers.IntegerField(min_value=0, required=False, allow_null=True, default=None)


# --- claims ---------------------------------------------------------------------------------------
class ClaimSerializer(serializers.ModelSerializer):
    agreement_number = serializers.CharField(source="agreement.number", read_only=True)
    line_count = serializers.IntegerField(read_only=True)
    pending_count = serializers.IntegerField(read_only=True)
    claimed_total = MoneyField(read_only=True)
    accepted_total = MoneyField(read_only=True)

    class Meta:
        model = CostClaim
        fields = [
            "id",
            "agreement",
            "agreement_number",
            "number",
            "state",
            "created_at",
            "submitted_at",
            "verification_due_at",
            "verification_overdue_at",
            "verified_at",
            "verified_by",
            "line_count",
            "pending_count",
            "claimed_total",
            "accepted_total",
        ]
        read_only_fields = fields


class ClaimLineSerializer(serializers.ModelSerializer):
    category = serializers.CharField(source="category.code", read_only=True)
    amount = MoneyField(read_only=True)
    accepted_amount = MoneyField(read_only=True, allow_null=True)
    evidence = EvidenceFileSerializer(many=True, read_only=True)

    class Meta:
        model = ClaimLine
        fields = [
            "id",
            "claim",
            "trial",
            "category",
            "description",
            "document_date",
            "counterparty_inn",
            "counterparty_name",
            "document_number",
            "amount",
            "state",
            "accepted_amount",
            "decision_reason",
            "verified_by",
            "verified_at",
            "evidence",
        ]
        read_only_fields = fields


class ClaimDetailSerializer(ClaimSerializer):
    lines = ClaimLineSerializer(many=True, read_only=True)
    allowed_actions = serializers.SerializerMethodField()

    class Meta(ClaimSerializer.Meta):
        fields = [*ClaimSerializer.Meta.fields, "lines", "allowed_actions"]
        read_only_fields = fields

    @extend_schema_field(ActionInfoSerializer(many=True))
    def get_allowed_actions(self, claim: CostClaim) -> list[dict]:
        return allowed_actions(CLAIM_WORKFLOW, claim, self.context.get("request"))


class ClaimCreateSerializer(serializers.Serializer):
    agreement = serializers.IntegerField()


class ClaimLineInputSerializer(serializers.Serializer):
    trial = serializers.IntegerField()
    category = serializers.CharField(help_text="Cost category code, e.g. `site`.")
    description = serializers.CharField(max_length=500)
    document_date = serializers.DateField()
    counterparty_inn = serializers.CharField(max_length=12)
    counterparty_name = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    document_number = serializers.CharField(max_length=64)
    amount = MoneyField()

    def validate_amount(self, value: Decimal) -> Decimal:
        if value <= 0:
            raise serializers.ValidationError(_("The amount must be above zero."))
        return value


class LineVerifySerializer(serializers.Serializer):
    decision = serializers.ChoiceField(
        choices=[("accept", "accept"), ("reduce", "reduce"), ("reject", "reject")]
    )
    accepted_amount = MoneyField(required=False, allow_null=True, default=None)
    reason = serializers.CharField(required=False, allow_blank=True, default="")


# --- money ----------------------------------------------------------------------------------------
class PayoutSerializer(serializers.ModelSerializer):
    agreement_number = serializers.CharField(source="agreement.number", read_only=True)
    claim_number = serializers.IntegerField(source="claim.number", read_only=True)
    accepted_total = MoneyField(read_only=True)
    amount = MoneyField(read_only=True)
    rate = serializers.DecimalField(max_digits=5, decimal_places=4, read_only=True)

    class Meta:
        model = Payout
        fields = [
            "id",
            "agreement",
            "agreement_number",
            "claim",
            "claim_number",
            "accepted_total",
            "rate",
            "amount",
            "state",
            "proposed_by",
            "proposed_at",
            "approved_by",
            "approved_at",
            "paid_by",
            "paid_at",
            "payment_order_number",
            "payment_order_date",
            "cancel_reason",
        ]
        read_only_fields = fields


class PayoutDetailSerializer(PayoutSerializer):
    allowed_actions = serializers.SerializerMethodField()

    class Meta(PayoutSerializer.Meta):
        fields = [*PayoutSerializer.Meta.fields, "allowed_actions"]
        read_only_fields = fields

    @extend_schema_field(ActionInfoSerializer(many=True))
    def get_allowed_actions(self, payout: Payout) -> list[dict]:
        return allowed_actions(PAYOUT_WORKFLOW, payout, self.context.get("request"))


class PayoutProposeSerializer(serializers.Serializer):
    claim = serializers.IntegerField(help_text="A verified claim.")


class PayoutPaidSerializer(serializers.Serializer):
    payment_order_number = serializers.CharField(max_length=32)
    payment_order_date = serializers.DateField()


class RecoverySerializer(serializers.ModelSerializer):
    agreement_number = serializers.CharField(source="agreement.number", read_only=True)
    amount = MoneyField(read_only=True)

    class Meta:
        model = Recovery
        fields = [
            "id",
            "agreement",
            "agreement_number",
            "payout",
            "amount",
            "reason",
            "due_date",
            "created_by",
            "created_at",
        ]
        read_only_fields = fields


class RecoveryCreateSerializer(serializers.Serializer):
    agreement = serializers.IntegerField()
    payout = serializers.IntegerField(required=False, allow_null=True, default=None)
    amount = MoneyField()
    reason = serializers.CharField()
    due_date = serializers.DateField()

    def validate_amount(self, value: Decimal) -> Decimal:
        if value <= 0:
            raise serializers.ValidationError(_("The amount must be above zero."))
        return value


class LedgerEntrySerializer(serializers.ModelSerializer):
    agreement_number = serializers.CharField(source="agreement.number", read_only=True)
    amount = MoneyField(read_only=True)
    kind = serializers.ChoiceField(choices=LedgerKind.choices, read_only=True)

    class Meta:
        model = LedgerEntry
        fields = [
            "id",
            "round",
            "agreement",
            "agreement_number",
            "kind",
            "amount",
            "payout",
            "recovery",
            "reason",
            "created_at",
            "created_by",
        ]
        read_only_fields = fields
