from celery import shared_task

from registry.models import Certificate
from registry.services import certificate_expire_due


@shared_task(bind=True, acks_late=True, max_retries=5)
def certificate_render_pdf_task(self, certificate_id: int) -> str:
    """Render (or re-render) the certificate PDF; idempotent, the file name is the serial."""
    from registry.documents import certificate_pdf_store

    try:
        certificate = Certificate.objects.select_related(
            "product", "product_version", "vendor", "scheme"
        ).get(pk=certificate_id)
    except Certificate.DoesNotExist:
        return "missing"
    try:
        return certificate_pdf_store(certificate=certificate)
    except OSError as exc:
        raise self.retry(exc=exc, countdown=10 * 2**self.request.retries) from exc


@shared_task(acks_late=True)
def certificate_expire_due_task() -> int:
    return certificate_expire_due()


@shared_task(acks_late=True, ignore_result=True)
def webhook_delivery_attempt_task(delivery_id: int, manual: bool = False) -> str:
    """Send one webhook delivery if it is due; idempotent (a delivered or claimed one is left alone)."""
    from registry.watch import webhook_delivery_attempt

    return webhook_delivery_attempt(delivery_id=delivery_id, manual=manual)


@shared_task(acks_late=True, ignore_result=True)
def webhook_deliveries_due_task() -> int:
    """The sweeper: enqueue every delivery whose (re)try time has come."""
    from registry.watch import webhook_deliveries_due

    due = webhook_deliveries_due()
    for pk in due:
        webhook_delivery_attempt_task.delay(pk)  # outbox
    return len(due)


@shared_task(acks_late=True, ignore_result=True)
def open_data_dump_task() -> int:
    from registry.exports import open_data_dump_create

    return len(open_data_dump_create())
