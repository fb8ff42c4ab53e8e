from django.contrib import admin

from accounts.admin import ReadOnlyAdmin

from .models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ["sequence", "created_at", "actor_repr", "action", "object_type", "object_id", "object_repr"]
    list_filter = ["action", "object_type"]
    search_fields = ["actor_repr", "action", "object_type", "object_id", "object_repr", "hash"]
    date_hierarchy = "created_at"
    ordering = ["-sequence"]
