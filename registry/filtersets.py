"""One filterset for the product list, shared by the HTML page and the API (NetBox style).

Works with a plain GET QueryDict:

    ProductFilterSet(request.GET, queryset=product_visible_list(user=request.user)).qs

Parameters: q, category, vendor (id), made_in_vietnam (true/false), certificate_status,
scheme (code), level, province (code), ordering (relevance, name, -name, issued_at, -issued_at, vendor,
-vendor, category, -category). Without `ordering`, a search is ordered by relevance, a list by name.

When a search matches nothing exactly, the same filters are applied to similar words instead
(`fuzzy` is then true; registry.search).
"""

import django_filters
from django import forms
from django.db.models import Exists, F, OuterRef, QuerySet, Subquery
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from config.bounds import IdFormField
from registry.choices import Category, CertificateStatus, Level, Province
from registry.models import Certificate, Product, Scheme
from registry.search import (
    SEARCH_MAX_LENGTH,
    products_search,
    query_parse,
    relevance_order,
    similar_words,
)


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
        ("relevance", _("Best match")),
        ("name", _("Name (A to Z)")),
        ("-name", _("Name (Z to A)")),
        ("-issued_at", _("Newest certificate first")),
        ("issued_at", _("Oldest certificate first")),
        ("vendor", _("Vendor (A to Z)")),
        ("-vendor", _("Vendor (Z to A)")),
        ("category", _("Category (A to Z)")),
        ("-category", _("Category (Z to A)")),
    ]
    # The parameters that narrow the list (everything but the search text, the order and the page).
    FACETS = ("category", "made_in_vietnam", "province", "certificate_status", "scheme", "level")
    CERTIFICATE_FILTERS = {"certificate_status": "status", "scheme": "scheme__code", "level": "level"}

    q = django_filters.CharFilter(
        method="filter_noop", label=_("Search"), max_length=SEARCH_MAX_LENGTH,
        help_text=_("Product or vendor name, tax code, certificate serial or province."))
    category = django_filters.ChoiceFilter(choices=Category.choices, label=_("Category"), empty_label=_("Any"))
    vendor = IdFilter(field_name="vendor_id", label=_("Vendor"))
    made_in_vietnam = django_filters.BooleanFilter(widget=AnyYesNoWidget, label=_("Make in Viet Nam"))
    province = django_filters.ChoiceFilter(field_name="vendor__province", choices=Province.choices,
                                           label=_("Province or city"), empty_label=_("Any"))
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

    fuzzy: bool | None = None  # None until the search decided between exact and similar words
    similar: dict | None = None  # with fuzzy: the query's similar words (registry.search.similar_words)
    # The caller reads the exact matches and calls similar_words_apply() when there are none (the API's
    # first page), so no query asks beforehand whether any exist.
    defer_similar: bool = False

    def similar_words_apply(self) -> bool:
        """Search with similar words from now on; False when the query has none (nothing would change)."""
        query = self.form.cleaned_data.get("q") or ""
        parsed = query_parse(query)
        if parsed.empty or self.fuzzy:
            return False
        similar = similar_words(parsed)
        if not similar or not all(similar.values()):  # no word long enough, or one like no indexed word
            return False
        self.fuzzy, self.similar = True, similar
        if hasattr(self, "_qs"):
            del self._qs
        return True

    def filter_noop(self, queryset: QuerySet, name: str, value) -> QuerySet:
        return queryset

    def get_form_class(self):
        """The form class, built once per filterset class (django-filter builds a new class, with every
        field, for each request; ours are the same for every request, their labels translated lazily)."""
        cls = type(self)
        form_class = cls.__dict__.get("_form_class")
        if form_class is None:
            form_class = super().get_form_class()
            cls._form_class = form_class
        return form_class

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        """Filters, then the search (exact words, or similar words when nothing matches), then the order."""
        queryset = self.filter_unordered(queryset)
        return self._order(queryset, self.form.cleaned_data.get("ordering") or "")

    def filter_unordered(self, queryset: QuerySet, *, without: str | tuple = "") -> QuerySet:
        """The filtered, searched rows, ignoring the filters `without` (to count their options)."""
        data = self.form.cleaned_data
        without = tuple(w for w in ((without,) if isinstance(without, str) else without) if w)
        for name, value in data.items():
            if name in ("q", "ordering", *self.CERTIFICATE_FILTERS) or name in without:
                continue
            queryset = self.filters[name].filter(queryset, value)
        conditions = self.certificate_conditions(without=without)
        if conditions:
            queryset = queryset.filter(Exists(Certificate.objects.filter(product=OuterRef("pk"), **conditions)))
        query = data.get("q") or ""
        if query and not query_parse(query).empty:
            if self.fuzzy and self.similar is None:
                self.similar = similar_words(query_parse(query))
            searched = products_search(queryset, query, fuzzy=bool(self.fuzzy), similar=self.similar)
            if self.fuzzy is None and not without:
                self.fuzzy = False
                if not self.defer_similar and not searched.exists():
                    similar = similar_words(query_parse(query))
                    found = products_search(queryset, query, fuzzy=True, similar=similar)
                    if found.exists():
                        self.fuzzy, self.similar, searched = True, similar, found
            queryset = searched
        return queryset

    def certificate_conditions(self, *, without: str | tuple = "") -> dict:
        """The certificate filters hold for one certificate together: {field: value}."""
        data = self.form.cleaned_data
        without = (without,) if isinstance(without, str) else tuple(without)
        conditions = {}
        for name, field in self.CERTIFICATE_FILTERS.items():
            value = data.get(name)
            if value and name not in without:
                conditions[field] = value.code if name == "scheme" else value
        return conditions

    def _order(self, queryset: QuerySet, ordering: str) -> QuerySet:
        # pk last: names repeat across vendors, and pagination needs a total order
        if not ordering:
            ordering = "relevance" if "search_rank" in queryset.query.annotations else "name"
        if ordering == "relevance":
            return relevance_order(queryset)
        if ordering in ("issued_at", "-issued_at"):
            latest = Certificate.objects.filter(product=OuterRef("pk")).order_by("-issued_at").values("issued_at")[:1]
            expr = F("latest_issued_at")
            expr = expr.desc(nulls_last=True) if ordering.startswith("-") else expr.asc(nulls_last=True)
            return queryset.annotate(latest_issued_at=Subquery(latest)).order_by(expr, "name", "pk")
        if ordering in ("vendor", "-vendor"):
            prefix = "-" if ordering.startswith("-") else ""
            return queryset.order_by(f"{prefix}vendor__legal_name", "name", "pk")
        if ordering in ("category", "-category"):
            prefix = "-" if ordering.startswith("-") else ""
            return queryset.order_by(f"{prefix}category", "name", "pk")
        if ordering == "-name":
            return queryset.order_by("-name", "-pk")
        return queryset.order_by("name", "pk")
