"""Human-readable labels for registry codes, in the active language (e-mails carry codes, not labels,
because they are rendered later, once per recipient, in that recipient's language)."""

from django import template

from registry.choices import CertificateAction, CertificateStatus, Level

register = template.Library()


def choice_label(choices, code):
    """The label of `code` in a TextChoices class; an unknown code is still better shown than hidden."""
    try:
        return choices(code).label
    except ValueError:
        return code


@register.filter
def level_label(code):
    return choice_label(Level, code)


@register.filter
def certificate_status_label(code):
    return choice_label(CertificateStatus, code)


@register.filter
def certificate_action_label(code):
    return choice_label(CertificateAction, code)


@register.filter
def webhook_error(error):
    from registry.webhooks import webhook_failure_text

    return webhook_failure_text(error or "")
