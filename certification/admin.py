"""Admin for staff. The process changes only through services, so applications and results are
read-only here; events and result versions are evidence and cannot be added, edited or deleted."""

from django.contrib import admin

from accounts.admin import ReadOnlyAdmin
from certification import models as m


class ApplicationEventInline(admin.TabularInline):
    model = m.ApplicationEvent
    extra = 0
    can_delete = False
    fields = ["created_at", "action", "from_status", "to_status", "actor_repr", "note"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(m.Application)
class ApplicationAdmin(ReadOnlyAdmin):
    list_display = ["id", "product_version", "vendor", "scheme", "level", "status", "submitted_at", "decided_at"]
    list_filter = ["status", "level", "scheme__code"]
    search_fields = ["id", "product_version__product__name", "vendor__legal_name", "vendor__tax_code"]
    list_select_related = ["product_version__product", "vendor", "scheme"]
    inlines = [ApplicationEventInline]


@admin.register(m.ApplicationEvent)
class ApplicationEventAdmin(ReadOnlyAdmin):
    list_display = ["application", "action", "from_status", "to_status", "actor_repr", "created_at"]
    list_filter = ["action", "to_status"]
    search_fields = ["application__id", "actor_repr", "note"]


@admin.register(m.Artifact)
class ArtifactAdmin(ReadOnlyAdmin):
    list_display = ["application", "kind", "original_name", "size", "content_type", "sha256", "uploaded_at"]
    list_filter = ["kind", "content_type"]
    search_fields = ["original_name", "sha256", "application__id"]


@admin.register(m.Assignment)
class AssignmentAdmin(ReadOnlyAdmin):
    list_display = ["application", "evaluator", "assigned_by", "assigned_at"]
    search_fields = ["application__id", "evaluator__email"]


@admin.register(m.ConflictDeclaration)
class ConflictDeclarationAdmin(ReadOnlyAdmin):
    list_display = ["evaluator", "vendor", "relation", "started_on", "ended_on", "declared_at"]
    list_filter = ["relation"]
    search_fields = ["evaluator__email", "vendor__legal_name"]


@admin.register(m.CaseResult)
class CaseResultAdmin(ReadOnlyAdmin):
    list_display = ["application", "requirement", "result", "updated_by", "updated_at"]
    list_filter = ["result"]
    search_fields = ["application__id", "requirement__code"]
    list_select_related = ["requirement"]


@admin.register(m.CaseResultVersion)
class CaseResultVersionAdmin(ReadOnlyAdmin):
    list_display = ["case", "old_result", "new_result", "actor_repr", "created_at"]
    list_filter = ["new_result"]
    search_fields = ["actor_repr", "case__requirement__code", "case__application__id"]


@admin.register(m.CheckRun)
class CheckRunAdmin(ReadOnlyAdmin):
    list_display = ["application", "check_key", "status", "attempts", "generation", "enqueued_at", "finished_at"]
    list_filter = ["status", "check_key"]


# Parts of the process added by other areas, registered read-only when their models exist.
for _name in ("Advisory", "Finding", "SbomComponent"):
    _model = getattr(m, _name, None)
    if _model is not None and not admin.site.is_registered(_model):
        admin.site.register(_model, ReadOnlyAdmin)
