from django.contrib import admin


class ReadOnlyAdmin(admin.ModelAdmin):
    """For records that are evidence (events, versions, the audit chain): view, never add, edit or delete."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

# The User admin is registered by registry.admin, where its changes go through audited services.
