"""E-mail to people in their own language, always sent by a task after the change committed."""

import hashlib
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation


def email_render(*, template: str, context: dict, language: str) -> tuple[str, str]:
    """Render templates/email/<template>_subject.txt and _body.txt in the given language."""
    ctx = {**context, "site_url": settings.SITE_URL}
    with translation.override(language):
        subject = render_to_string(f"email/{template}_subject.txt", ctx).strip().replace("\n", " ")
        body = render_to_string(f"email/{template}_body.txt", ctx)
    return subject, body


def email_message_id(key: str) -> str:
    """The same Message-ID for every attempt at one outbox message, so a receiver can drop a repeat."""
    domain = urlsplit(settings.SITE_URL).hostname or "registry.local"
    return f"<{hashlib.sha256(key.encode()).hexdigest()[:40]}@{domain}>"


def email_deliver(*, address: str, language: str | None, template: str, context: dict, key: str) -> None:
    """Send one message to one address, rendered in the given language (the site's by default)."""
    subject, body = email_render(template=template, context=context, language=language or settings.LANGUAGE_CODE)
    EmailMultiAlternatives(subject, body, settings.DEFAULT_FROM_EMAIL, [address],
                           headers={"Message-ID": email_message_id(key)}).send()


def email_send(*, user_ids: list[int], extra_addresses: list[str] | None = None, template: str, context: dict,
               language: str | None = None) -> int:
    """Send one message per recipient, each rendered in that recipient's preferred language; addresses
    without an account get `language` (the one they chose on a form), else the site's."""
    users = get_user_model().objects.filter(pk__in=user_ids, is_active=True)
    sent = 0
    for user in users:
        subject, body = email_render(template=template, context=context, language=user.preferred_language)
        EmailMultiAlternatives(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email]).send()
        sent += 1
    for address in extra_addresses or []:
        subject, body = email_render(template=template, context=context, language=language or settings.LANGUAGE_CODE)
        EmailMultiAlternatives(subject, body, settings.DEFAULT_FROM_EMAIL, [address]).send()
        sent += 1
    return sent
