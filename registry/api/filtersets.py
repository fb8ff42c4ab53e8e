"""API filtersets. The product filterset is shared with the HTML list page and lives in registry."""

import django_filters
from django.utils.translation import gettext_lazy as _

from registry.choices import CertificateStatus, Level
from registry.filtersets import IdFilter, ProductFilterSet
from registry.models import Certificate

__all__ = ["CertificateFilterSet", "ProductFilterSet"]


class CertificateFilterSet(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=CertificateStatus.choices, label=_("Status"))
    vendor = IdFilter(field_name="vendor_id", label=_("Vendor"))
    # any version of the scheme, by its code
    scheme = django_filters.CharFilter(field_name="scheme__code", label=_("Scheme"))
    level = django_filters.ChoiceFilter(choices=Level.choices, label=_("Level"))

    class Meta:
        model = Certificate
        fields: list[str] = []
