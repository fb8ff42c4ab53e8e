"""Human-readable labels for application codes, in the active language (see registry_labels)."""

from django import template

from certification.choices import ApplicationAction, ApplicationStatus
from registry.choices import RequirementGroup
from registry.templatetags.registry_labels import choice_label

register = template.Library()


@register.filter
def application_status_label(code):
    return choice_label(ApplicationStatus, code)


@register.filter
def application_action_label(code):
    return choice_label(ApplicationAction, code)


@register.filter
def requirement_group_label(code):
    return choice_label(RequirementGroup, code)
