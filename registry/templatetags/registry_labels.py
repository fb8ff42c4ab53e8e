"""Human-readable labels for registry codes, in the active language (e-mails carry codes, not labels,
because they are rendered later, once per recipient, in that recipient's language)."""

from django import template

from registry.choices import CertificateAction, CertificateStatus, Level

register = template.Library()


def _label(choices, code):
    try:
        return choices(code).label
    except ValueError:
        return code  # an unknown code is still better shown than hidden


@register.filter
def level_label(code):
    return _label(Level, code)


@register.filter
def certificate_status_label(code):
    return _label(CertificateStatus, code)


@register.filter
def certificate_action_label(code):
    return _label(CertificateAction, code)
