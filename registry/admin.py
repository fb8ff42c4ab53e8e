"""Admin for staff. Status and published records change only through services, so those fields are
read-only here; events are evidence and cannot be added, edited or deleted."""

from contextvars import ContextVar

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.admin import ReadOnlyAdmin
from config.errors import ApplicationError
from registry.models import (
    Certificate,
    CertificateEvent,
    MvnAttestation,
    Product,
    ProductVersion,
    Requirement,
    Scheme,
    Vendor,
    VendorChangeRequest,
    VendorMembership,
)
from registry.services import (
    USER_ADMIN_FIELDS,
    VENDOR_FIELDS,
    user_admin_update,
    user_create,
    user_password_set_by_staff,
    user_roles_set,
    vendor_create,
    vendor_update,
)


class VendorMembershipInline(admin.TabularInline):
    """Members are added by the operator's create_user command or registration (audited), not here."""

    model = VendorMembership
    extra = 0
    can_delete = False
    fields = ["user", "created_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Vendor)
class VendorAdmin(admin.ModelAdmin):
    """Profile edits go through vendor_create / vendor_update (audited). The tax code, and once verified the
    legal name, change only through a change request staff approve on the staff desk."""

    list_display = ["legal_name", "name_en", "tax_code", "province", "verified_at"]
    list_filter = ["province"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    search_fields = ["legal_name", "name_en", "tax_code"]
    inlines = [VendorMembershipInline]

    def get_readonly_fields(self, request, obj=None):
        fixed = ["verified_at", "verified_by", "verified_by_repr", "created_at", "updated_at"]
        if obj is None:
            return fixed
        return [*fixed, "tax_code", *(["legal_name"] if obj.verified_at else [])]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # products, applications and certificates point at it

    def save_model(self, request, obj, form, change):
        fields = {name: form.cleaned_data[name] for name in VENDOR_FIELDS if name in form.cleaned_data}
        try:
            if change:
                vendor_update(vendor=obj, actor=request.user, **fields)
            else:
                legal_name, tax_code = fields.pop("legal_name"), fields.pop("tax_code")
                obj.pk = vendor_create(actor=request.user, legal_name=legal_name, tax_code=tax_code, **fields).pk
        except ApplicationError as exc:
            raise ValidationError(str(exc.message)) from exc

    def save_related(self, request, form, formsets, change):
        pass  # memberships are read-only here


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
    can_delete = False
    fields = ["order", "code", "group", "title_vi", "title_en", "method", "check_key", "mandatory", "weight", "levels"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Scheme)
class SchemeAdmin(ReadOnlyAdmin):
    """Schemes are versioned files loaded (and audited) by `manage.py load_schemes`; a change is a new
    version of the file, never an edit in place that running applications would silently follow."""

    list_display = ["code", "version", "name_vi", "category", "is_current", "published_at"]
    list_filter = ["category", "is_current"]
    search_fields = ["code", "name_vi", "name_en"]
    inlines = [RequirementInline]


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


@admin.register(VendorChangeRequest)
class VendorChangeRequestAdmin(ReadOnlyAdmin):
    """Decided on the staff desk (vendor_change_request_decide)."""

    list_display = ["vendor", "legal_name", "tax_code", "status", "requested_by_repr", "requested_at", "decided_at"]
    list_filter = ["status"]
    search_fields = ["vendor__legal_name", "vendor__tax_code", "legal_name", "tax_code"]


@admin.register(MvnAttestation)
class MvnAttestationAdmin(ReadOnlyAdmin):
    """Reviewed on the staff desk (mvn_attestation_review)."""

    list_display = ["product", "status", "submitted_by_repr", "submitted_at", "reviewed_by_repr", "reviewed_at"]
    list_filter = ["status"]
    search_fields = ["product__name", "product__vendor__legal_name"]


# Accounts -----------------------------------------------------------------------------------------
# Registered here rather than in accounts, because every change goes through the audited services of
# this layer (accounts sits below the audit log).

User = get_user_model()
admin.site.unregister(Group)  # roles are defined in code (accounts.roles) and assigned per user, audited


# The administrator whose request is being handled: the password form only has the account it changes.
_password_actor: ContextVar = ContextVar("registry_admin_password_actor", default=None)


class StaffPasswordForm(AdminPasswordChangeForm):
    """The admin's "change password" form, saved through the audited service."""

    def save(self, commit=True):
        usable = self.cleaned_data.get("set_usable_password", True)
        return user_password_set_by_staff(user=self.user, actor=_password_actor.get(),
                                          password=self.cleaned_data["password1"] if usable else None)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    change_password_form = StaffPasswordForm
    ordering = ["email"]
    list_display = ["email", "full_name", "preferred_language", "is_active", "is_staff", "last_login"]
    list_filter = ["is_active", "is_staff", "is_superuser", "groups", "preferred_language"]
    search_fields = ["email", "full_name"]
    readonly_fields = ["last_login", "date_joined", "is_superuser"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (_("Profile"), {"fields": ["full_name", "preferred_language"]}),
        (_("Roles and access"), {"fields": ["is_active", "is_staff", "is_superuser", "groups"]}),
        (_("Dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["email", "full_name", "password1", "password2", "groups"]}),
    ]
    filter_horizontal = ["groups"]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # accounts are deactivated or pseudonymised, never deleted: the audit trail names them

    def save_model(self, request, obj, form, change):
        if change:
            fields = {f: form.cleaned_data[f] for f in USER_ADMIN_FIELDS if f in form.cleaned_data}
            user_admin_update(user=obj, actor=request.user, **fields)
        else:
            user = user_create(email=form.cleaned_data["email"], password=form.cleaned_data["password1"],
                               full_name=form.cleaned_data.get("full_name", ""), actor=request.user,
                               data={"source": "admin"})
            obj.pk = user.pk
            obj._state.adding = False

    def user_change_password(self, request, id, form_url=""):
        token = _password_actor.set(request.user)
        try:
            return super().user_change_password(request, id, form_url)
        finally:
            _password_actor.reset(token)

    def save_related(self, request, form, formsets, change):
        roles = [g.name for g in form.cleaned_data.get("groups", [])]
        user_roles_set(user=form.instance, roles=roles, actor=request.user)
