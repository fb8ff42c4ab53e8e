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

    from .models import Watchlist

    @personal_data_section("watchlists")
    def watchlists(user):
        return [{"name": w.name, "email": w.email, "webhook_url": w.webhook_url,
                 "serials": [s.serial for s in w.watched_serials.all()],
                 "products": [p.pk for p in w.products.all()], "vendors": [v.pk for v in w.vendors.all()],
                 "created_at": w.created_at.isoformat()}
                for w in Watchlist.objects.filter(owner=user).prefetch_related("watched_serials", "products", "vendors")]
