"""Human-readable labels for application codes, in the active language (see registry_labels)."""

from django import template

from certification.choices import ApplicationAction, ApplicationStatus
from registry.choices import RequirementGroup

register = template.Library()


def _label(choices, code):
    try:
        return choices(code).label
    except ValueError:
        return code


@register.filter
def application_status_label(code):
    return _label(ApplicationStatus, code)


@register.filter
def application_action_label(code):
    return _label(ApplicationAction, code)


@register.filter
def requirement_group_label(code):
    return _label(RequirementGroup, code)
