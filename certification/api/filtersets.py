import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from certification.choices import ApplicationStatus
from certification.models import Application, ConflictDeclaration, SbomComponent
from registry.choices import Level


class ApplicationFilterSet(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=ApplicationStatus.choices, label=_("Status"))
    scheme = django_filters.CharFilter(field_name="scheme__code", label=_("Scheme"))
    level = django_filters.ChoiceFilter(choices=Level.choices, label=_("Level"))

    class Meta:
        model = Application
        fields: list[str] = []


class ConflictFilterSet(django_filters.FilterSet):
    # the selector has already narrowed an evaluator to their own declarations
    evaluator = django_filters.CharFilter(field_name="evaluator__email", lookup_expr="iexact",
                                          label=_("Evaluator's e-mail address"))

    class Meta:
        model = ConflictDeclaration
        fields: list[str] = []


class SbomComponentFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_q", label=_("Name or package URL contains"))
    purl_type = django_filters.CharFilter(field_name="purl_type", lookup_expr="iexact",
                                          label=_("Package-URL type (npm, pypi, maven, ...)"))

    class Meta:
        model = SbomComponent
        fields: list[str] = []

    def filter_q(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(name__icontains=value) | Q(purl__icontains=value))
