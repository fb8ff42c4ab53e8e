from celery import shared_task

from registry.models import Certificate
from registry.services import certificate_expire_due


# Kept for messages queued before the outbox existed; new renders are outbox rows (registry.outbox).
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
