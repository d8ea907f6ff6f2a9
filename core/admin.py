"""Read-only admin views of the core tables: operators inspect them, only the code writes them."""

from django.contrib import admin

from core.models import IdempotencyKey, OutboxMessage


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ReadOnlyAdmin):
    list_display = ["id", "task_name", "created_at", "published_at", "attempts"]
    list_filter = [("published_at", admin.EmptyFieldListFilter), "task_name"]
    search_fields = ["task_name", "last_error"]
    date_hierarchy = "created_at"


@admin.register(IdempotencyKey)
class IdempotencyKeyAdmin(ReadOnlyAdmin):
    list_display = ["id", "user", "method", "path", "status_code", "completed", "created_at"]
    list_filter = ["completed", "method"]
    list_select_related = ["user"]
    search_fields = ["key", "path", "user__username"]
    date_hierarchy = "created_at"
