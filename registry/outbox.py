"""The registry's kinds of outbox message, registered when the app is ready.

A certificate change goes: sign its record (signing queue, the only place with the private key), then
the signed status list; render the PDF of the new record (documents queue, no key); PAdES-sign that PDF
(signing queue). Each step is its own outbox row, written by the step before inside a transaction, so a
crash between steps loses nothing and a redelivered step does nothing twice.
"""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from trust.outbox import OutboxObsolete, outbox_enqueue, outbox_kind_register


def _certificate(certificate_id: int):
    from registry.models import Certificate

    certificate = (Certificate.objects.select_related("product", "product_version", "vendor", "scheme")
                   .filter(pk=certificate_id).first())
    if certificate is None:
        raise OutboxObsolete("the certificate no longer exists")
    return certificate


def _certificate_sign(payload: dict, message) -> str:
    from registry.signing import certificate_sign, status_list_publish

    certificate = _certificate(payload["certificate_id"])
    record = certificate_sign(certificate_id=certificate.pk)  # SigningUnavailable: retried with backoff
    status_list_publish()
    with transaction.atomic():
        certificate_pdf_render_enqueue(certificate=certificate, fingerprint=record.fingerprint)
    return record.fingerprint


def certificate_pdf_render_enqueue(*, certificate, fingerprint: str) -> None:
    """Render the PDF of one signed record; inside a transaction."""
    outbox_enqueue(kind="certificate.render_pdf", key=f"certificate.render_pdf:{certificate.pk}:{fingerprint}",
                   payload={"certificate_id": certificate.pk}, obj=certificate, summary=certificate.serial)


def _certificate_render_pdf(payload: dict, message) -> str:
    from registry.documents import certificate_pdf_prepare

    certificate = _certificate(payload["certificate_id"])
    fingerprint = certificate_pdf_prepare(certificate=certificate)
    if fingerprint is None:
        return "up to date"
    with transaction.atomic():
        outbox_enqueue(kind="certificate.sign_pdf", key=f"certificate.sign_pdf:{certificate.pk}:{fingerprint}",
                       payload={"certificate_id": certificate.pk, "fingerprint": fingerprint}, obj=certificate,
                       summary=certificate.serial)
    return fingerprint


def _certificate_sign_pdf(payload: dict, message) -> str:
    from registry.documents import certificate_pdf_finish

    certificate = _certificate(payload["certificate_id"])
    return certificate_pdf_finish(certificate_id=certificate.pk, fingerprint=payload["fingerprint"])


def _status_list_publish(payload: dict, message) -> str:
    from registry.signing import status_list_publish

    document = status_list_publish(force=bool(payload.get("force")))
    return f"{len(document.document['entries'])} entries"


def status_list_publish_enqueue(*, reason: str) -> None:
    """Ask for a fresh signed status list (one row per reason and minute); opens its own transaction."""
    with transaction.atomic():
        outbox_enqueue(kind="status_list.publish",
                       key=f"status_list.publish:{reason}:{timezone.now():%Y%m%d%H%M}", payload={"force": True})


outbox_kind_register("certificate.sign", handler=_certificate_sign, label=_("Certificate record signature"),
                     queue="signing", time_limit=120)
outbox_kind_register("certificate.render_pdf", handler=_certificate_render_pdf, label=_("Certificate PDF"),
                     queue="documents", time_limit=300)
outbox_kind_register("certificate.sign_pdf", handler=_certificate_sign_pdf, label=_("Certificate PDF signature"),
                     queue="signing", time_limit=120)
outbox_kind_register("status_list.publish", handler=_status_list_publish, label=_("Signed status list"),
                     queue="signing", time_limit=120)
