"""API shapes of the trail. Read-only: nothing here writes."""

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
