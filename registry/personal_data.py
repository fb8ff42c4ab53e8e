"""The registry's sections of a person's data export (accounts.personal_data)."""

from accounts.personal_data import personal_data_section


def personal_data_sections_register() -> None:
    from .models import VendorMembership

    @personal_data_section("vendor_membership")
    def vendor_membership(user):
        membership = VendorMembership.objects.select_related("vendor").filter(user=user).first()
        if membership is None:
            return None
        vendor = membership.vendor
        return {"vendor": vendor.legal_name, "tax_code": vendor.tax_code, "since": membership.created_at.isoformat()}
