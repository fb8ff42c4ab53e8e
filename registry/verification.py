"""Reading what the registry signed: a certificate's signed record against the published keys and the
live row, a fingerprint from a QR code, and an uploaded PDF. Never raises on bad input."""

import hashlib
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from registry.models import Certificate, CertificateDocument, CertificateRecord
from registry.records import certificate_record
from trust.canonical import canonical_json
from trust.keys import keys_published
from trust.pdf_signing import PdfSignatureCheck, pdf_signature_check
from trust.signing import Verdict, record_verify


@dataclass(frozen=True)
class RecordCheck:
    signed: CertificateRecord | None
    verdict: Verdict
    current: bool  # the signed record states the certificate exactly as it stands now
    fingerprint: str = ""  # a fingerprint the caller brought (from a QR code or a PDF)
    fingerprint_record: CertificateRecord | None = None

    @property
    def fingerprint_state(self) -> str:
        """'' (none given), 'current', 'earlier' (a record this certificate had) or 'unknown'."""
        if not self.fingerprint:
            return ""
        if self.fingerprint_record is None:
            return "unknown"
        if self.signed is not None and self.fingerprint_record.fingerprint == self.signed.fingerprint:
            return "current"
        return "earlier"


def certificate_record_check(*, certificate: Certificate, fingerprint: str = "") -> RecordCheck:
    signed = certificate.records.order_by("-version", "-id").first()
    keys = keys_published()
    if signed is None:
        verdict, current = Verdict("unsigned"), False
    else:
        verdict = record_verify(signed.record, signed.signature, keys)
        live = certificate_record(certificate, key_id=signed.key_id)
        current = canonical_json(live) == canonical_json(signed.record)
    fingerprint = (fingerprint or "").strip().lower()[:64]
    found = None
    if fingerprint:
        found = certificate.records.filter(fingerprint=fingerprint).order_by("-id").first()
    return RecordCheck(signed=signed, verdict=verdict, current=current, fingerprint=fingerprint,
                       fingerprint_record=found)


PDF_MESSAGES = {
    "valid": _("This PDF is a certificate document issued by the registry, unmodified: its digital signature is "
               "valid and covers the whole file."),
    "not_pdf": _("This file is not a readable PDF."),
    "not_signed": _("This PDF carries no digital signature: it is not a certificate document issued by the "
                    "registry."),
    "modified": _("This PDF was changed after it was signed (content was added to the signed file): it is not "
                  "the document the registry issued."),
    "invalid": _("The digital signature of this PDF does not match its content: the file was altered."),
    "untrusted": _("This PDF is signed, but not by the certification body."),
    "not_issued": _("This PDF is signed by the certification body but is not a document the registry recorded "
                    "as issued."),
}


@dataclass(frozen=True)
class PdfCheck:
    code: str
    sha256: str
    signature: PdfSignatureCheck
    document: CertificateDocument | None = None
    certificate: Certificate | None = None
    is_current_document: bool = False

    @property
    def ok(self) -> bool:
        return self.code == "valid"

    @property
    def message(self) -> str:
        return str(PDF_MESSAGES[self.code])


def certificate_pdf_check(*, data: bytes) -> PdfCheck:
    """Is this file an unmodified certificate PDF the registry issued, and which certificate is it?"""
    sha256 = hashlib.sha256(data).hexdigest()
    signature = pdf_signature_check(data)
    if not signature.ok:
        return PdfCheck(code=signature.code, sha256=sha256, signature=signature)
    document = (CertificateDocument.objects.select_related("certificate__product", "certificate__scheme",
                                                           "certificate__product_version")
                .filter(sha256=sha256).first())
    if document is None:
        return PdfCheck(code="not_issued", sha256=sha256, signature=signature)
    certificate = document.certificate
    latest = certificate.records.order_by("-version", "-id").first()
    return PdfCheck(code="valid", sha256=sha256, signature=signature, document=document, certificate=certificate,
                    is_current_document=latest is not None and latest.fingerprint == document.record_fingerprint)
