"""Who may do what to the published record: one answer per object, read by services, views and the API.

The certification process has its own (certification.access) for applications. Here: a certificate's
status (staff only), a vendor's profile and identity (its members edit, staff verify and decide), a
product (its vendor's members describe it and attest Make in Viet Nam; staff review the attestation).
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from accounts.choices import Role
from accounts.roles import user_has_role
from config.errors import NotFoundError, PermissionDeniedError
from registry.selectors import vendor_for_user


def caller_vendor_id(user) -> int | None:
    """The vendor the caller acts for, if they are a vendor's member in the vendor role."""
    if not user or not user.is_authenticated or not user_has_role(user, Role.VENDOR):
        return None
    vendor = vendor_for_user(user)
    return vendor.pk if vendor else None


def is_staff(user) -> bool:
    return bool(user) and user.is_authenticated and user_has_role(user, Role.STAFF)


@dataclass(frozen=True)
class CertificateAccess:
    may_change_status: bool  # suspend, reinstate, revoke (expiry is the scheduler's)

    def require_change(self) -> "CertificateAccess":
        if not self.may_change_status:
            raise PermissionDeniedError(_("Only certification body staff may change a certificate's status."))
        return self


def certificate_access(*, user) -> CertificateAccess:
    """Certificates are public; only staff change their status."""
    return CertificateAccess(may_change_status=is_staff(user))


@dataclass(frozen=True)
class VendorAccess:
    is_member: bool
    is_staff: bool

    @property
    def may_edit_profile(self) -> bool:
        return self.is_member

    @property
    def may_request_identity_change(self) -> bool:
        return self.is_member

    @property
    def may_verify(self) -> bool:
        return self.is_staff

    @property
    def may_decide_identity_change(self) -> bool:
        return self.is_staff

    def require_member(self) -> "VendorAccess":
        """Another vendor's profile and requests are not theirs to know of: not found."""
        if not self.is_member:
            raise NotFoundError(_("Not found."))
        return self

    def require_staff(self, message) -> "VendorAccess":
        if not self.is_staff:
            raise PermissionDeniedError(message)
        return self


def vendor_access(*, user, vendor_id: int) -> VendorAccess:
    return VendorAccess(is_member=caller_vendor_id(user) == vendor_id, is_staff=is_staff(user))


@dataclass(frozen=True)
class ProductAccess:
    is_owner: bool  # a member of the product's vendor
    is_staff: bool

    @property
    def may_edit(self) -> bool:
        return self.is_owner

    @property
    def may_attest_mvn(self) -> bool:
        return self.is_owner

    @property
    def may_review_mvn(self) -> bool:
        return self.is_staff

    def require_owner(self) -> "ProductAccess":
        if not self.is_owner:
            raise NotFoundError(_("Not found."))
        return self


def product_access(*, user, vendor_id: int) -> ProductAccess:
    return ProductAccess(is_owner=caller_vendor_id(user) == vendor_id, is_staff=is_staff(user))
