import django_filters
from django.utils.translation import gettext_lazy as _

from certification.choices import ApplicationStatus
from certification.models import Application
from registry.choices import Level


class ApplicationFilterSet(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=ApplicationStatus.choices, label=_("Status"))
    scheme = django_filters.CharFilter(field_name="scheme__code", label=_("Scheme"))
    level = django_filters.ChoiceFilter(choices=Level.choices, label=_("Level"))

    class Meta:
        model = Application
        fields: list[str] = []
