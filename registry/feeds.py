"""Atom feeds of new and changed certificates: all, per vendor and per category (Django's syndication)."""

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.http import Http404
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from registry.choices import Category, CertificateStatus
from registry.models import CertificateEvent, Vendor

FEED_ITEMS = 50
_ACTIONS = {
    "issue": gettext_lazy("issued"),
    "suspend": gettext_lazy("suspended"),
    "reinstate": gettext_lazy("reinstated"),
    "revoke": gettext_lazy("revoked"),
    "expire": gettext_lazy("expired"),
}


def certificate_events_recent(*, vendor_id: int | None = None, category: str | None = None, limit: int = FEED_ITEMS):
    """The latest certificate events (issued, suspended, reinstated, revoked, expired), newest first."""
    qs = CertificateEvent.objects.select_related(
        "certificate", "certificate__product", "certificate__scheme").order_by("-created_at", "-id")
    if vendor_id is not None:
        qs = qs.filter(certificate__vendor_id=vendor_id)
    if category is not None:
        qs = qs.filter(certificate__product__category=category)
    return qs[:limit]


class CertificateFeed(Feed):
    feed_type = Atom1Feed

    def get_object(self, request, *args, **kwargs):
        return None

    def title(self, obj):
        return _("New and changed certificates")

    def subtitle(self, obj):
        return _("Certificates issued, suspended, reinstated, revoked or expired in the national registry of "
                 "certified cybersecurity products.")

    def link(self, obj):
        return "/recent/"

    def items(self, obj):
        return list(certificate_events_recent(**self.filters(obj)))

    def filters(self, obj) -> dict:
        return {}

    def item_title(self, event):
        certificate = event.certificate
        return f"{certificate.serial}: {_ACTIONS.get(event.action, event.action)} · {certificate.product.name}"

    def item_description(self, event):
        certificate = event.certificate
        parts = [
            _("Status: %(status)s") % {"status": dict(CertificateStatus.choices).get(event.to_status, event.to_status)},
            _("Vendor: %(vendor)s") % {"vendor": certificate.vendor_legal_name},
            _("Scheme: %(scheme)s") % {"scheme": f"{certificate.scheme.code} v{certificate.scheme.version}"},
        ]
        if event.reason:
            parts.append(_("Reason: %(reason)s") % {"reason": event.reason})
        return " · ".join(parts)

    def item_link(self, event):
        return f"/verify/{event.certificate.serial}/"

    def item_guid(self, event):
        return f"{settings.SITE_URL}/feeds/events/{event.pk}"

    item_guid_is_permalink = False

    def item_pubdate(self, event):
        return event.created_at

    def item_updateddate(self, event):
        return event.created_at

    def item_categories(self, event):
        return [event.certificate.product.category, event.action]


class VendorCertificateFeed(CertificateFeed):
    def get_object(self, request, pk):
        vendor = Vendor.objects.filter(pk=pk).first()
        if vendor is None:
            raise Http404(_("Not found."))
        return vendor

    def title(self, obj):
        return _("Certificates of %(vendor)s") % {"vendor": obj.legal_name}

    def link(self, obj):
        return f"/vendors/{obj.pk}/"

    def filters(self, obj) -> dict:
        return {"vendor_id": obj.pk}


class CategoryCertificateFeed(CertificateFeed):
    def get_object(self, request, category):
        if category not in Category.values:
            raise Http404(_("Not found."))
        return category

    def title(self, obj):
        return _("Certificates: %(category)s") % {"category": dict(Category.choices)[obj]}

    def link(self, obj):
        return f"/?category={obj}"

    def filters(self, obj) -> dict:
        return {"category": obj}
