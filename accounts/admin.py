from django.contrib import admin

from .models import ApiToken


class ReadOnlyAdmin(admin.ModelAdmin):
    """For records that are evidence (events, versions, the audit chain): view, never add, edit or delete."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

# The User admin is registered by registry.admin, where its changes go through audited services.


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdmin):
    """Tokens are made and revoked by their owners (or `issue_api_token`), audited; the admin only looks."""

    list_display = ["name", "user", "prefix", "created_at", "expires_at", "last_used_at", "revoked_at",
                    "revoked_reason"]
    list_filter = ["revoked_reason"]
    search_fields = ["user__email", "name", "prefix"]
    list_select_related = ["user"]
    exclude = ["key_hash"]
