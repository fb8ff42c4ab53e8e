from django.contrib import admin

from accounts.admin import ReadOnlyAdmin

from .models import AuditEntry, OutboxMessage, WorkerHeartbeat


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ["sequence", "created_at", "actor_repr", "action", "object_type", "object_id", "object_repr"]
    list_filter = ["action", "object_type"]
    search_fields = ["actor_repr", "action", "object_type", "object_id", "object_repr", "hash"]
    date_hierarchy = "created_at"
    ordering = ["-sequence"]


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ReadOnlyAdmin):
    """Read-only: sending again goes through the staff desk, which audits it."""

    list_display = ["pk", "created_at", "kind", "summary", "status", "attempts", "max_attempts", "available_at",
                    "claimed_by", "finished_at"]
    list_filter = ["status", "kind", "queue"]
    search_fields = ["key", "summary", "object_id", "last_error"]
    date_hierarchy = "created_at"
    ordering = ["-pk"]


@admin.register(WorkerHeartbeat)
class WorkerHeartbeatAdmin(ReadOnlyAdmin):
    list_display = ["name", "hostname", "pid", "processes", "queues", "started_at", "seen_at", "stopped_at"]
    ordering = ["-seen_at"]
