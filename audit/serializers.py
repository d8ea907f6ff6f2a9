"""API shapes of the trail and of its verification walks. Nothing here writes."""

from __future__ import annotations

from rest_framework import serializers

from audit.enums import ChainProblem
from audit.models import AuditEvent


class AuditEventSerializer(serializers.ModelSerializer):
    before = serializers.JSONField(help_text="Changed fields before the action (money as decimal strings).")
    after = serializers.JSONField(help_text="Changed fields after the action.")

    class Meta:
        model = AuditEvent
        fields = [
            "id",
            "created_at",
            "actor",
            "actor_label",
            "actor_role",
            "organisation_id",
            "action",
            "object_type",
            "object_id",
            "object_repr",
            "before",
            "after",
            "reason",
            "prev_hash",
            "hash",
        ]
        read_only_fields = fields


class ChainReportSerializer(serializers.Serializer):
    ok = serializers.BooleanField(help_text="True when every event checks out.")
    events_checked = serializers.IntegerField()
    last_verified_id = serializers.IntegerField(
        help_text="The last event whose hash and link hold (0: none)."
    )
    last_verified_hash = serializers.CharField()
    first_broken_id = serializers.IntegerField(
        allow_null=True, help_text="The first event that does not hold."
    )
    problem = serializers.ChoiceField(choices=ChainProblem.choices, allow_blank=True)
    problem_label = serializers.CharField(allow_blank=True)
    detail = serializers.CharField(allow_blank=True)
    head_event_id = serializers.IntegerField(help_text="The last event the chain head records.")
    checked_at = serializers.DateTimeField()


class ChainVerificationSerializer(serializers.Serializer):
    """One walk of the chain asked for through the API or the page (audit.jobs), with its outcome."""

    id = serializers.IntegerField()
    state = serializers.ChoiceField(choices=["queued", "running", "done", "failed"])
    progress = serializers.IntegerField(help_text="Per cent of the chain walked (100 when done).")
    events_checked = serializers.IntegerField(source="rows")
    requested_at = serializers.DateTimeField(source="created_at")
    finished_at = serializers.DateTimeField(allow_null=True)
    error = serializers.CharField(allow_blank=True, help_text="Why the walk failed (state `failed`).")
    report = ChainReportSerializer(allow_null=True, help_text="The outcome, once the walk is done.")
    certificate_sha256 = serializers.CharField(
        source="sha256", allow_blank=True, help_text="SHA-256 of the certificate file (state `done`)."
    )
