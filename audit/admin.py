"""Read-only admin views of the trail and its checkpoints: nothing here can add, change or delete."""

from __future__ import annotations

from django.contrib import admin

from audit.models import AuditCheckpoint, AuditEvent


class ReadOnlyAdmin(admin.ModelAdmin):
    # Millions of rows: no COUNT(*) over the whole table for the "x of y" line.
    show_full_result_count = False
    list_per_page = 50

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ("id", "created_at", "actor_label", "actor_role", "action", "object_type", "object_id")
    list_filter = ("actor_role",)
    search_fields = ("=object_id", "action", "actor_label")


@admin.register(AuditCheckpoint)
class AuditCheckpointAdmin(ReadOnlyAdmin):
    list_display = ("id", "created_at", "ok", "last_event_id", "events_checked", "broken_event_id", "problem")
