"""Admin for staff. Status and published records change only through services, so those fields are
read-only here; events are evidence and cannot be added, edited or deleted."""

from django.contrib import admin

from accounts.admin import ReadOnlyAdmin
from registry.models import (
    Certificate,
    CertificateEvent,
    Product,
    ProductVersion,
    Requirement,
    Scheme,
    Vendor,
    VendorMembership,
)
from registry.services import VENDOR_FIELDS, vendor_create, vendor_update


class VendorMembershipInline(admin.TabularInline):
    model = VendorMembership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Vendor)
class VendorAdmin(admin.ModelAdmin):
    list_display = ["legal_name", "name_en", "tax_code", "province", "verified_at"]
    list_filter = ["province"]
    search_fields = ["legal_name", "name_en", "tax_code"]
    readonly_fields = ["verified_at", "created_at", "updated_at"]
    inlines = [VendorMembershipInline]

    def save_model(self, request, obj, form, change):
        # Through the services, so the audit chain records who changed what.
        fields = {name: form.cleaned_data[name] for name in VENDOR_FIELDS if name in form.cleaned_data}
        if change:
            vendor_update(vendor=obj, actor=request.user, allow_tax_code=True, **fields)
        else:
            legal_name, tax_code = fields.pop("legal_name"), fields.pop("tax_code")
            created = vendor_create(actor=request.user, legal_name=legal_name, tax_code=tax_code, **fields)
            obj.pk = created.pk


class ProductVersionInline(admin.TabularInline):
    model = ProductVersion
    extra = 0
    fields = ["version", "release_date", "created_at"]
    readonly_fields = ["version", "release_date", "created_at"]
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ["name", "vendor", "category", "made_in_vietnam", "created_at"]
    list_filter = ["category", "made_in_vietnam"]
    search_fields = ["name", "name_en", "vendor__legal_name", "vendor__tax_code"]
    list_select_related = ["vendor"]
    readonly_fields = [f.name for f in Product._meta.fields]
    inlines = [ProductVersionInline]

    # Vendors edit their products through the work pages and the API (audited services).
    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class RequirementInline(admin.TabularInline):
    model = Requirement
    extra = 0
    fields = ["order", "code", "group", "title_vi", "title_en", "method", "check_key", "mandatory", "weight", "levels"]


@admin.register(Scheme)
class SchemeAdmin(admin.ModelAdmin):
    list_display = ["code", "version", "name_vi", "category", "is_current", "published_at"]
    list_filter = ["category", "is_current"]
    search_fields = ["code", "name_vi", "name_en"]
    inlines = [RequirementInline]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # certificates and applications pin scheme versions


class CertificateEventInline(admin.TabularInline):
    model = CertificateEvent
    extra = 0
    can_delete = False
    fields = ["created_at", "action", "from_status", "to_status", "actor_repr", "reason"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Certificate)
class CertificateAdmin(ReadOnlyAdmin):
    """Suspend, reinstate and revoke from the staff desk, which goes through certificate_transition."""

    list_display = ["serial", "product", "vendor", "level", "status", "issued_at", "valid_until", "needs_review"]
    list_filter = ["status", "level", "needs_review", "scheme__code"]
    search_fields = ["serial", "product__name", "vendor__legal_name", "vendor__tax_code"]
    list_select_related = ["product", "vendor"]
    date_hierarchy = "issued_at"
    inlines = [CertificateEventInline]


@admin.register(CertificateEvent)
class CertificateEventAdmin(ReadOnlyAdmin):
    list_display = ["certificate", "action", "from_status", "to_status", "actor_repr", "created_at"]
    list_filter = ["action", "to_status"]
    search_fields = ["certificate__serial", "actor_repr", "reason"]
    list_select_related = ["certificate"]
