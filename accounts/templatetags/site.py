"""The site's identity in templates that have no request context (e-mails, allauth's messages)."""

from django import template
from django.conf import settings
from django.utils.html import format_html
from django.utils.translation import get_language

from config.submissions import FIELD, submit_once_token

register = template.Library()


@register.simple_tag
def body_name() -> str:
    """The certification body's one name, in the active language."""
    if (get_language() or "vi").startswith("en"):
        return settings.CERTIFICATION_BODY_NAME_EN
    return settings.CERTIFICATION_BODY_NAME_VI


@register.simple_tag
def submit_once():
    """A hidden field that lets the form be sent once (config.submissions.SubmitOnceMiddleware)."""
    return format_html('<input type="hidden" name="{}" value="{}">', FIELD, submit_once_token())
