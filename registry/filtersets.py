"""One filterset for the product list, shared by the HTML page and the API (NetBox style).

Works with a plain GET QueryDict:

    ProductFilterSet(request.GET, queryset=product_visible_list(user=request.user)).qs

Parameters: q, category, vendor (id), made_in_vietnam (true/false), certificate_status,
scheme (code), level, ordering (name, -name, issued_at, -issued_at, vendor, -vendor).
"""

import django_filters
from django import forms
from django.db.models import Exists, F, OuterRef, QuerySet, Subquery
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from config.bounds import IdFormField
from registry.choices import Category, CertificateStatus, Level
from registry.models import Certificate, Product, Scheme
from registry.selectors import products_search


class AnyYesNoWidget(django_filters.widgets.BooleanWidget):
    """true/false in the query string, with 'Any' rather than 'Unknown' as the empty choice."""

    def __init__(self, attrs=None):
        super().__init__(attrs)
        self.choices = [("", _("Any")), ("true", _("Yes")), ("false", _("No"))]


@extend_schema_field(OpenApiTypes.INT)
class IdFilter(django_filters.NumberFilter):
    """An object id: a whole positive number within 64 bits, so '1.5' or 2**64 is refused (400), not
    rounded or sent to the database."""

    field_class = IdFormField


class SchemeChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Scheme) -> str:
        name = obj.name_en if (get_language() or "vi").startswith("en") and obj.name_en else obj.name_vi
        return f"{obj.code} · {name}"


@extend_schema_field(OpenApiTypes.STR)
class SchemeChoiceFilter(django_filters.ModelChoiceFilter):
    field_class = SchemeChoiceField


class ProductFilterSet(django_filters.FilterSet):
    ORDERING_CHOICES = [
        ("name", _("Name (A to Z)")),
        ("-name", _("Name (Z to A)")),
        ("-issued_at", _("Newest certificate first")),
        ("issued_at", _("Oldest certificate first")),
        ("vendor", _("Vendor (A to Z)")),
        ("-vendor", _("Vendor (Z to A)")),
    ]

    q = django_filters.CharFilter(method="filter_q", label=_("Search"))
    category = django_filters.ChoiceFilter(choices=Category.choices, label=_("Category"), empty_label=_("Any"))
    vendor = IdFilter(field_name="vendor_id", label=_("Vendor"))
    made_in_vietnam = django_filters.BooleanFilter(widget=AnyYesNoWidget, label=_("Make in Viet Nam"))
    # The three certificate filters are applied together below, so they must hold for one certificate.
    certificate_status = django_filters.ChoiceFilter(
        choices=CertificateStatus.choices, method="filter_noop", label=_("Certificate status"), empty_label=_("Any")
    )
    scheme = SchemeChoiceFilter(
        queryset=Scheme.objects.filter(is_current=True).order_by("code"), to_field_name="code",
        method="filter_noop", label=_("Scheme"), empty_label=_("Any"),
    )
    level = django_filters.ChoiceFilter(
        choices=Level.choices, method="filter_noop", label=_("Level"), empty_label=_("Any")
    )
    ordering = django_filters.ChoiceFilter(
        choices=ORDERING_CHOICES, method="filter_noop", label=_("Sort by"), empty_label=None
    )

    class Meta:
        model = Product
        fields: list[str] = []

    def filter_q(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return products_search(queryset, value)

    def filter_noop(self, queryset: QuerySet, name: str, value) -> QuerySet:
        return queryset

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        queryset = super().filter_queryset(queryset)
        data = self.form.cleaned_data
        conditions = {}
        if data.get("certificate_status"):
            conditions["status"] = data["certificate_status"]
        if data.get("scheme"):
            # any version of the scheme: a certificate keeps the version it was issued under
            conditions["scheme__code"] = data["scheme"].code
        if data.get("level"):
            conditions["level"] = data["level"]
        if conditions:
            queryset = queryset.filter(Exists(Certificate.objects.filter(product=OuterRef("pk"), **conditions)))
        return self._order(queryset, data.get("ordering") or "name")

    @staticmethod
    def _order(queryset: QuerySet, ordering: str) -> QuerySet:
        # pk last: names repeat across vendors, and pagination needs a total order
        if ordering in ("issued_at", "-issued_at"):
            latest = Certificate.objects.filter(product=OuterRef("pk")).order_by("-issued_at").values("issued_at")[:1]
            expr = F("latest_issued_at")
            expr = expr.desc(nulls_last=True) if ordering.startswith("-") else expr.asc(nulls_last=True)
            return queryset.annotate(latest_issued_at=Subquery(latest)).order_by(expr, "name", "pk")
        if ordering in ("vendor", "-vendor"):
            prefix = "-" if ordering.startswith("-") else ""
            return queryset.order_by(f"{prefix}vendor__legal_name", "name", "pk")
        if ordering == "-name":
            return queryset.order_by("-name", "-pk")
        return queryset.order_by("name", "pk")
