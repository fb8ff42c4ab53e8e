"""The signed "status as of" attestation a buyer files with a purchase: the statuses of many certificates
at one moment, as JSON signed with the registry's key, and the same as a PDF.

The web process signs it at once with the registry's active Ed25519 key (trust.keys, the RFC 8785 form
without `signature`, as every signed document of ARCHITECTURE §6): a deployment that keeps the private
key on the signing host only refuses attestations with 503 rather than issue them unsigned.
"""

import hashlib
import uuid

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.actors import actor_label
from config.errors import ApplicationError, NotFoundError
from registry.models import StatusAttestation
from registry.selectors import certificate_status_bulk
from trust.canonical import canonical_json, to_jsonable
from trust.keys import document_sign
from trust.services import audit_append

ISSUER = {"name_vi": "Cơ quan chứng nhận sản phẩm an toàn thông tin mạng",
          "name_en": "Network Information Security Product Certification Body"}
PDF_ROWS_MAX = 10_000


def sign(document: dict) -> dict:
    """The registry's signature over the document (without its `signature` member); SigningUnavailable
    (503) when this process holds no signing key."""
    return document_sign(document)["signature"]


def attestation_url(pk) -> str:
    return f"{settings.SITE_URL}/verify/bulk/attestations/{pk}/"


def status_summary(results: list[dict]) -> dict[str, int]:
    summary: dict[str, int] = {}
    for row in results:
        summary[row["status"]] = summary.get(row["status"], 0) + 1
    return summary


def attestation_create(*, serials: list[str], actor) -> StatusAttestation:
    """Check the serials now, sign the answer and keep it (audited); the caller must be signed in."""
    if not getattr(actor, "is_authenticated", False):
        raise NotFoundError(_("Not found."))
    if not serials:
        raise ApplicationError(_("Enter at least one serial number."), code="invalid")
    checked_at = timezone.now()
    results = certificate_status_bulk(serials=serials)
    pk = uuid.uuid4()
    document = to_jsonable({
        "type": "certificate-status-attestation",
        "version": 1,
        "id": str(pk),
        "issuer": {**ISSUER, "url": settings.SITE_URL},
        "checked_at": checked_at,
        "requested_by": actor_label(actor),
        "serial_count": len(results),
        "summary": status_summary(results),
        "results": results,
        "statement": "The statuses above are those recorded in the national registry at checked_at. / "
                     "Tình trạng nêu trên là tình trạng được ghi nhận trong sổ đăng ký quốc gia tại thời điểm "
                     "checked_at.",
        "url": attestation_url(pk),
    })
    signed = {**document, "signature": sign(document)}
    digest = hashlib.sha256(canonical_json(signed)).hexdigest()
    with transaction.atomic():
        attestation = StatusAttestation.objects.create(
            id=pk, requested_by=actor, requested_by_repr=actor_label(actor), checked_at=checked_at,
            serial_count=len(results), summary=document["summary"], document=signed, sha256=digest)
        audit_append(actor=actor, action="attestation.issue", obj=attestation,
                     data={"sha256": digest, "serial_count": len(results), "summary": document["summary"]})
    return attestation


def attestation_get(*, pk) -> StatusAttestation:
    """Anyone holding an attestation's id may see it (the id is random; it is what the PDF links to)."""
    attestation = StatusAttestation.objects.filter(pk=pk).first()
    if attestation is None:
        raise NotFoundError(_("Not found."))
    return attestation


def attestation_pdf(*, attestation: StatusAttestation) -> bytes:
    """The attestation as a bilingual PDF: summary, every row, the signature and where to check it."""
    from django.utils.safestring import mark_safe

    from registry.choices import CertificateStatus
    from registry.documents import bilingual, certificate_fonts, pdf_render, qr_svg

    document = attestation.document
    labels = {**{status: bilingual(label) for status, label in CertificateStatus.choices},
              "not_found": bilingual(_("Not found"))}
    summary = [{"status": status, "label": labels.get(status, {"vi": status, "en": status}), "count": count}
               for status, count in document["summary"].items()]
    return pdf_render(template="registry/attestation_pdf.html", context={
        "doc": document, "results": document["results"][:PDF_ROWS_MAX], "fonts": certificate_fonts(),
        "summary": summary,
        # segno's own markup around the attestation's URL, which the registry made (no user data)
        "qr": mark_safe(qr_svg(document["url"])),
        "sha256": attestation.sha256, "signature": document.get("signature") or {},
        "checked_at": timezone.localtime(attestation.checked_at).strftime("%d/%m/%Y %H:%M:%S"),
    })
