"""E-mails that follow a change of the application process. Each is written to the outbox inside the
transaction of the change (one row per recipient) and sent by a worker after the commit."""

from django.conf import settings
from django.contrib.auth import get_user_model

from accounts.choices import Role
from certification.models import (
    Application,
    ApplicationEvent,
    Clarification,
)
from trust.emails import email_enqueue


def _vendor_user_ids(vendor_id: int) -> list[int]:
    from registry.models import VendorMembership

    return list(VendorMembership.objects.filter(vendor_id=vendor_id).values_list("user_id", flat=True))


def _vendor_notify_transition(event: ApplicationEvent) -> None:
    app = event.application
    # Codes, not labels: the template renders labels once per recipient, in that recipient's language.
    context = {
        "application_id": app.pk, "product": str(app.product_version), "action": event.action,
        "from_status": event.from_status, "to_status": event.to_status, "note": event.note,
        "scheme": f"{app.scheme.code} v{app.scheme.version}", "level": app.level,
        "certificate": (event.data or {}).get("certificate", ""),
        "appeal_window_days": settings.APPEAL_WINDOW_DAYS,
    }
    email_enqueue(template="application_transition", context=context, key=f"application_transition:event={event.pk}",
                  user_ids=_vendor_user_ids(app.vendor_id), obj=app)


def _staff_notify_submission(event: ApplicationEvent) -> None:
    app = event.application
    staff_ids = list(get_user_model().objects.filter(groups__name=Role.STAFF, is_active=True)
                     .values_list("pk", flat=True))
    context = {"application_id": app.pk, "product": str(app.product_version), "vendor": app.vendor.legal_name,
               "scheme": app.scheme.code, "level": app.level}
    email_enqueue(template="application_submitted", context=context, key=f"application_submitted:event={event.pk}",
                  user_ids=staff_ids, addresses=settings.STAFF_NOTIFICATION_EMAILS, obj=app)


def _clarification_notify(item: Clarification) -> None:
    app: Application = item.application
    if item.from_vendor:
        recipients = list(app.assignments.values_list("evaluator_id", flat=True))
    else:
        recipients = _vendor_user_ids(app.vendor_id)
    email_enqueue(template="clarification", key=f"clarification:{item.pk}", user_ids=recipients, obj=app,
                  context={"application_id": app.pk, "author": item.author_repr, "body": item.body[:2000],
                           "requirement": item.requirement_code})
