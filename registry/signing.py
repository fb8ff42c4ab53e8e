"""Signing the published record: certificate records, the status list, and re-signing after a key is
retired. Runs where the private key is (the `signing` queue); the web process only reads the results."""

import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from registry.choices import CertificateStatus
from registry.models import Certificate, CertificateRecord
from registry.records import certificate_record, record_fingerprint
from trust.canonical import canonical_json, to_jsonable
from trust.keys import document_sign, sign_with, signing_key_for_signing
from trust.models import SignedDocument

STATUS_LIST = "status_list"


def certificate_record_latest(certificate: Certificate) -> CertificateRecord | None:
    return certificate.records.order_by("-version", "-id").first()


def certificate_sign(*, certificate_id: int) -> CertificateRecord:
    """Sign the certificate's record as it stands now; idempotent (a record already signed with the active
    key is returned as it is)."""
    key, private = signing_key_for_signing()
    with transaction.atomic():
        certificate = (Certificate.objects.select_for_update(of=("self",))
                       .select_related("product", "product_version", "scheme").get(pk=certificate_id))
        record = certificate_record(certificate, key_id=key.key_id)
        latest = certificate_record_latest(certificate)
        if latest is not None and canonical_json(latest.record) == canonical_json(record):
            return latest
        return CertificateRecord.objects.create(
            certificate=certificate, version=(latest.version + 1) if latest else 1, record=record,
            signature=sign_with(key, private, canonical_json(record)), key_id=key.key_id,
            fingerprint=record_fingerprint(record), created_at=timezone.now())


def certificate_records_resign(*, key_id: str, actor=None) -> int:
    """Sign again, with the active key, every record the given key signed (it was retired)."""
    key, private = signing_key_for_signing()
    count = 0
    certificate_ids = set()
    for old in CertificateRecord.objects.filter(key_id=key_id).order_by("id").iterator(chunk_size=500):
        record = {**old.record, "key_id": key.key_id}
        CertificateRecord.objects.create(
            certificate_id=old.certificate_id, version=old.version, record=record,
            signature=sign_with(key, private, canonical_json(record)), key_id=key.key_id,
            fingerprint=record_fingerprint(record), resigned_from=old, created_at=timezone.now())
        certificate_ids.add(old.certificate_id)
        count += 1
    status_list_publish(force=True)
    from registry.outbox import certificate_pdf_render_enqueue

    with transaction.atomic():  # the PDFs of the re-signed records, through the outbox
        for certificate in Certificate.objects.filter(pk__in=certificate_ids).order_by("pk"):
            latest = certificate_record_latest(certificate)
            certificate_pdf_render_enqueue(certificate=certificate, fingerprint=latest.fingerprint)
    return count


def status_list_build(*, now: datetime.datetime) -> dict:
    """Every certificate that is not active, with its status, reason and since when."""
    rows = (Certificate.objects.exclude(status=CertificateStatus.ACTIVE).order_by("serial")
            .values_list("serial", "status", "status_reason", "status_changed_at"))
    return to_jsonable({
        "issued_at": now,
        "next_update": now + datetime.timedelta(seconds=settings.STATUS_LIST_NEXT_UPDATE_SECONDS),
        "entries": [{"serial": serial, "status": status, "reason": reason, "effective_at": changed}
                    for serial, status, reason, changed in rows],
    })


def status_list_latest() -> SignedDocument | None:
    return SignedDocument.objects.filter(kind=STATUS_LIST).order_by("-issued_at", "-id").first()


def status_list_publish(*, force: bool = False) -> SignedDocument:
    """Sign and store the status list, unless the newest one already says the same and is fresh (less than
    half its update period old); the beat forces one every five minutes."""
    now = timezone.now()
    document = status_list_build(now=now)
    latest = status_list_latest()
    half = datetime.timedelta(seconds=settings.STATUS_LIST_NEXT_UPDATE_SECONDS / 2)
    if (not force and latest is not None and latest.document.get("entries") == document["entries"]
            and now - latest.issued_at < half):
        return latest
    signed = document_sign(document)
    return SignedDocument.objects.create(kind=STATUS_LIST, issued_at=now, key_id=signed["signature"]["key_id"],
                                         document=signed)
