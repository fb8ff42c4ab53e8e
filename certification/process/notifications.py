"""E-mails that follow a committed change of the application process."""

from django.conf import settings
from django.contrib.auth import get_user_model

from accounts.choices import Role
from certification.models import (
    Application,
    ApplicationEvent,
    Clarification,
)


def _vendor_notify_transition(event_id: int) -> None:
    from accounts.tasks import email_send_task
    from registry.models import VendorMembership

    event = (ApplicationEvent.objects.select_related("application__product_version__product", "application__scheme")
             .get(pk=event_id))
    app = event.application
    user_ids = list(VendorMembership.objects.filter(vendor_id=app.vendor_id).values_list("user_id", flat=True))
    # Codes, not labels: the template renders labels once per recipient, in that recipient's language.
    context = {
        "application_id": app.pk, "product": str(app.product_version), "action": event.action,
        "from_status": event.from_status, "to_status": event.to_status, "note": event.note,
        "scheme": f"{app.scheme.code} v{app.scheme.version}", "level": app.level,
        "certificate": (event.data or {}).get("certificate", ""),
        "appeal_window_days": settings.APPEAL_WINDOW_DAYS,
    }
    email_send_task.delay(user_ids, "application_transition", context)


def _staff_notify_submission(application_id: int) -> None:
    from accounts.tasks import email_send_task

    app = Application.objects.select_related("product_version__product", "vendor", "scheme").get(pk=application_id)
    User = get_user_model()
    staff_ids = list(User.objects.filter(groups__name=Role.STAFF, is_active=True).values_list("pk", flat=True))
    context = {"application_id": app.pk, "product": str(app.product_version), "vendor": app.vendor.legal_name,
               "scheme": app.scheme.code, "level": app.level}
    email_send_task.delay(staff_ids, "application_submitted", context, settings.STAFF_NOTIFICATION_EMAILS)


def _clarification_notify(clarification_id: int) -> None:
    from accounts.tasks import email_send_task
    from registry.models import VendorMembership

    item = Clarification.objects.select_related("application").get(pk=clarification_id)
    app = item.application
    if item.from_vendor:
        recipients = list(app.assignments.values_list("evaluator_id", flat=True))
    else:
        recipients = list(VendorMembership.objects.filter(vendor_id=app.vendor_id).values_list("user_id", flat=True))
    email_send_task.delay(recipients, "clarification", {"application_id": app.pk, "author": item.author_repr,
                                                        "body": item.body[:2000],
                                                        "requirement": item.requirement_code})


