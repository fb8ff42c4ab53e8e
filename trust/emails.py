"""E-mail through the outbox: one row per (change, recipient), rendered in the recipient's language
when it is delivered, with a Message-ID made from the row's key."""

import hashlib

from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from accounts.notifications import email_deliver

from .outbox import OutboxObsolete, outbox_enqueue, outbox_kind_register

EMAIL = "email"


def email_enqueue(*, template: str, context: dict, key: str, user_ids=(), addresses=(), obj=None,
                  language: str | None = None) -> list:
    """Queue one e-mail per active user and per extra address, inside the caller's transaction.

    `key` names the change (e.g. "application_transition:event=12"); each recipient is appended to it.
    Users read it in their own language; extra addresses in `language` (chosen on a form), else the site's.
    """
    users = (get_user_model().objects.filter(pk__in=set(user_ids), is_active=True)
             .order_by("pk").values_list("pk", "email"))
    messages = []
    for user_id, email in users:
        messages.append(outbox_enqueue(
            kind=EMAIL, key=f"email:{key}:user={user_id}", obj=obj, summary=email,
            payload={"template": template, "context": context, "user_id": user_id},
        ))
    unique = {a.strip().lower(): a.strip() for a in reversed(list(addresses or ())) if a and a.strip()}
    for address in sorted(unique.values()):
        digest = hashlib.sha256(address.lower().encode()).hexdigest()[:16]
        messages.append(outbox_enqueue(
            kind=EMAIL, key=f"email:{key}:to={digest}", obj=obj, summary=address,
            payload={"template": template, "context": context, "address": address, "language": language},
        ))
    return messages


def _email_handler(payload: dict, message) -> str:
    template, context = payload["template"], payload.get("context") or {}
    if "user_id" in payload:
        user = get_user_model().objects.filter(pk=payload["user_id"]).first()
        if user is None:
            raise OutboxObsolete("the recipient's account no longer exists")
        if not user.is_active:
            raise OutboxObsolete("the recipient's account is deactivated")
        address, language = user.email, user.preferred_language
    else:
        address, language = payload["address"], payload.get("language")
    email_deliver(address=address, language=language, template=template, context=context, key=message.key)
    return f"sent to {address}"


outbox_kind_register(EMAIL, handler=_email_handler, label=_("E-mail"), queue="celery", time_limit=120)
