from celery import shared_task

from registry.models import Certificate
from registry.services import certificate_expire_due, certificate_expiry_reminders_send
from trust.keys import SigningUnavailable


def _backoff(task) -> int:
    return min(600, 10 * 2**task.request.retries)


# Kept for messages queued before the outbox existed; new signatures are outbox rows (registry.outbox).
@shared_task(bind=True, acks_late=True, max_retries=10)
def certificate_sign_task(self, certificate_id: int) -> str:
    """Sign the certificate's record as it stands (signing queue), then publish the status list and render
    the PDF that carries the new record's fingerprint. Idempotent."""
    from registry.signing import certificate_sign, status_list_publish

    try:
        record = certificate_sign(certificate_id=certificate_id)
        status_list_publish()
    except Certificate.DoesNotExist:
        return "missing"
    except SigningUnavailable as exc:
        raise self.retry(exc=exc, countdown=_backoff(self)) from exc
    from registry.outbox import certificate_pdf_render_enqueue

    certificate_pdf_render_enqueue(certificate=record.certificate, fingerprint=record.fingerprint)
    return record.fingerprint


@shared_task(bind=True, acks_late=True, max_retries=10)
def status_list_publish_task(self, force: bool = True) -> int:
    """The signed status list, re-issued by beat well before its next_update."""
    from registry.signing import status_list_publish

    try:
        return len(status_list_publish(force=force).document["entries"])
    except SigningUnavailable as exc:
        raise self.retry(exc=exc, countdown=_backoff(self)) from exc


# Kept for messages queued before the outbox existed; new renders are outbox rows (registry.outbox).
@shared_task(bind=True, acks_late=True, max_retries=5)
def certificate_render_pdf_task(self, certificate_id: int) -> str:
    """Render the PDF for the certificate's newest signed record (documents queue; no key needed) and hand
    it to the signing queue. Idempotent: a record that already has its PDF is not rendered again."""
    from registry.documents import certificate_pdf_prepare

    try:
        certificate = Certificate.objects.select_related(
            "product", "product_version", "vendor", "scheme"
        ).get(pk=certificate_id)
    except Certificate.DoesNotExist:
        return "missing"
    try:
        prepared = certificate_pdf_prepare(certificate=certificate)
    except OSError as exc:
        raise self.retry(exc=exc, countdown=10 * 2**self.request.retries) from exc
    if prepared is None:
        return "up to date"
    from trust.outbox import outbox_enqueue

    outbox_enqueue(kind="certificate.sign_pdf", key=f"certificate.sign_pdf:{certificate.pk}:{prepared}",
                   obj=certificate, payload={"certificate_id": certificate.pk, "fingerprint": prepared})
    return prepared


@shared_task(bind=True, acks_late=True, max_retries=10)
def certificate_pdf_sign_task(self, certificate_id: int, fingerprint: str) -> str:
    """PAdES-sign a rendered certificate PDF and publish it (signing queue). Idempotent."""
    from registry.documents import certificate_pdf_finish

    try:
        return certificate_pdf_finish(certificate_id=certificate_id, fingerprint=fingerprint)
    except SigningUnavailable as exc:
        raise self.retry(exc=exc, countdown=_backoff(self)) from exc


@shared_task(acks_late=True)
def certificate_expire_due_task() -> int:
    return certificate_expire_due()


@shared_task(acks_late=True)
def certificate_expiry_reminders_task() -> int:
    return certificate_expiry_reminders_send()
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
        webhook_delivery_attempt_task.delay(pk)
    return len(due)


@shared_task(acks_late=True, ignore_result=True)
def open_data_dump_task() -> int:
    from registry.exports import open_data_dump_create

    return len(open_data_dump_create())
