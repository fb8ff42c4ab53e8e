"""The certificate PDF: WeasyPrint from templates/registry/certificate_pdf.html, fully offline.

The document is bilingual (Vietnamese first, English second) whatever the reader's language, so it
is rendered from both catalogs at once rather than in the active language. Fonts are the Debian
Noto files declared under our own family names, and the URL fetcher refuses everything except
those files and data: URLs, so rendering never reaches the network or picks a random system font.
"""

import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

import segno
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.dateparse import parse_datetime
from django.utils.safestring import mark_safe

from registry.choices import CertificateStatus, Level
from registry.models import Certificate
from registry.records import certificate_record, record_fingerprint

logger = logging.getLogger(__name__)
# WeasyPrint reports every layout step at INFO; keep worker logs readable unless LOGGING says otherwise.
if logging.getLogger("weasyprint.progress").level == logging.NOTSET:
    logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)

FONT_ROOT = Path("/usr/share/fonts")
NOTO_DIR = FONT_ROOT / "truetype" / "noto"
# (family, weight, style) -> file; the families are ours so no system font can stand in for them.
FONT_FILES = {
    ("RegistrySans", 400, "normal"): "NotoSans-Regular.ttf",
    ("RegistrySans", 700, "normal"): "NotoSans-Bold.ttf",
    ("RegistrySans", 400, "italic"): "NotoSans-Italic.ttf",
    ("RegistrySerif", 400, "normal"): "NotoSerif-Regular.ttf",
    ("RegistrySerif", 700, "normal"): "NotoSerif-Bold.ttf",
}

ISSUER_NAME_VI = "Cơ quan chứng nhận sản phẩm an toàn thông tin mạng"
ISSUER_NAME_EN = "Network Information Security Product Certification Body"
DATE_FORMAT = "%d/%m/%Y"


class CertificateFontsMissing(ImproperlyConfigured):
    """The Noto fonts the certificate is typeset in are not installed."""


@dataclass(frozen=True)
class FontFace:
    family: str
    weight: int
    style: str
    url: str


def certificate_fonts() -> list[FontFace]:
    """The @font-face declarations, or a clear error naming the Debian package to install."""
    missing = [name for name in FONT_FILES.values() if not (NOTO_DIR / name).is_file()]
    if missing:
        raise CertificateFontsMissing(
            f"Certificate PDF fonts are missing from {NOTO_DIR}: {', '.join(sorted(missing))}. "
            "Install the Debian package fonts-noto-core (apt-get install fonts-noto-core)."
        )
    return [FontFace(family, weight, style, (NOTO_DIR / name).as_uri())
            for (family, weight, style), name in FONT_FILES.items()]


def certificate_verify_url(serial: str, fingerprint: str = "") -> str:
    """The public verification page the QR code points to; with the record fingerprint the page says whether
    the scanned document is the current record."""
    try:
        path = reverse("registry:certificate_verify", args=[serial])
    except NoReverseMatch:  # the public pages are not wired yet; this is the path they will have
        path = f"/verify/{serial}/"
    return f"{settings.SITE_URL}{path}" + (f"?fp={fingerprint}" if fingerprint else "")


def qr_svg(data: str) -> str:
    """An inline SVG QR code (error correction M, 4-module quiet zone), sized by CSS."""
    return segno.make(data, error="m", micro=False).svg_inline(omitsize=True, border=4, dark="#000", light="#fff")


def bilingual(label) -> dict:
    """A translatable label in both languages the documents print, whatever the active one."""
    with translation.override("vi"):
        vi = str(label)
    with translation.override("en"):
        en = str(label)
    return {"vi": vi, "en": en}


def _local_date(value) -> str:
    return timezone.localtime(value).strftime(DATE_FORMAT)


def document_context(*, product, version: str, vendor, scheme, vendor_name: str = "", vendor_tax_code: str = "") -> dict:
    """What the certificate and the evaluation report print alike: fonts, issuer, product, vendor, scheme.
    A certificate passes the vendor's name and tax code as issued."""
    return {
        "fonts": certificate_fonts(),
        "issuer": {"vi": getattr(settings, "CERTIFICATION_BODY_NAME_VI", ISSUER_NAME_VI),
                   "en": getattr(settings, "CERTIFICATION_BODY_NAME_EN", ISSUER_NAME_EN)},
        "product_name": product.name,
        "product_name_en": product.name_en if product.name_en and product.name_en != product.name else "",
        "version": version,
        "vendor_name": vendor_name or vendor.legal_name,
        "vendor_name_en": vendor.name_en if vendor.name_en and vendor.name_en != vendor.legal_name else "",
        "vendor_tax_code": vendor_tax_code or vendor.tax_code,
        "scheme": {"vi": scheme.name_vi, "en": scheme.name_en, "code": scheme.code, "version": scheme.version},
    }


def certificate_pdf_context(*, certificate: Certificate, signed=None) -> dict:
    """Everything the template prints; also what tests inspect (QR payload, fingerprint). `signed` is the
    CertificateRecord the PDF states (default: the newest); the document prints its fields, its
    fingerprint and key id, and, when the status is not active, says so across the page."""
    from registry.signing import certificate_record_latest

    signed = signed if signed is not None else certificate_record_latest(certificate)
    record = signed.record if signed is not None else certificate_record(certificate)
    fingerprint = signed.fingerprint if signed is not None else record_fingerprint(record)
    verify_url = certificate_verify_url(certificate.serial, fingerprint)
    vendor = certificate.vendor
    status = record["status"]
    return {
        **document_context(product=certificate.product, version=", ".join(record.get("versions") or
                                                                          [record["version"]]),
                           vendor=vendor, scheme=certificate.scheme,
                           # the identity as issued: a later change of name or tax code does not rewrite it
                           vendor_name=record["vendor"]["name"], vendor_tax_code=record["vendor"]["tax_code"]),
        "serial": certificate.serial,
        "vendor_long": len(record["vendor"]["name"]) + len(vendor.name_en) > 110,  # set in a smaller size
        "level": bilingual(Level(certificate.level).label),
        "status": status,
        "status_label": bilingual(CertificateStatus(status).label),
        "status_at_issue": bilingual(CertificateStatus.ACTIVE.label),
        "status_reason": record.get("status_reason", ""),
        "status_since": _local_date(parse_datetime(record["status_changed_at"])) if record.get("status_changed_at")
        else "",
        "issued_on": _local_date(parse_datetime(record["issued_at"])),
        "valid_until": _local_date(parse_datetime(record["valid_until"])),
        "verify_url": verify_url,
        "qr_payload": verify_url,
        "qr_svg": mark_safe(qr_svg(verify_url)),  # segno's own markup, no user data beyond the URL
        "record": record,
        "fingerprint": fingerprint,
        "key_id": record.get("key_id", ""),
        "sbom_sha256": record.get("sbom_sha256", ""),
    }


def certificate_url_fetcher():
    """WeasyPrint's URL fetcher, narrowed to font files and data: URLs (see certificate_url_fetch)."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class LocalOnlyURLFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            return certificate_url_fetch(url, base=super().fetch, response_cls=URLFetcherResponse)

    return LocalOnlyURLFetcher(timeout=1, allowed_protocols=("file", "data"), allow_redirects=False)


def _font_path(url: str) -> Path | None:
    parts = urlsplit(url)
    if parts.netloc not in ("", "localhost"):
        return None
    path = Path(unquote(parts.path)).resolve()
    return path if path.is_relative_to(FONT_ROOT.resolve()) and path.is_file() else None


def certificate_url_fetch(url: str, *, base, response_cls):
    """Allow data: URLs and files under /usr/share/fonts; refuse everything else."""
    scheme = url.split(":", 1)[0].lower()
    if scheme == "data":
        return base(url)
    if scheme == "file" and (path := _font_path(url)) is not None:
        return response_cls(url, body=path.read_bytes(), headers={"Content-Type": "font/ttf"})
    logger.warning("Certificate PDF: refused to fetch %s", url[:200])
    raise ValueError(f"The certificate renderer fetches no resource outside the font directory: {url[:200]}")


def pdf_render(*, template: str, context: dict) -> bytes:
    """Render a bilingual PDF template offline (Vietnamese catalog active, local fonts only) as a tagged
    PDF/UA-1 document (structure tree, marked content, metadata) whose language is the template's <html lang>
    (Vietnamese, the first language of the bilingual text). Every PDF the registry issues comes from here:
    the certificate, the status attestation and the evaluation report."""
    from weasyprint import HTML
    from weasyprint.text.fonts import FontConfiguration

    with translation.override("vi"):
        html = render_to_string(template, context)
    document = HTML(string=html, url_fetcher=certificate_url_fetcher())
    return document.write_pdf(font_config=FontConfiguration(), pdf_variant="pdf/ua-1", uncompressed_pdf=False)


def certificate_pdf_render(*, certificate: Certificate, signed=None) -> bytes:
    """Render the bilingual certificate PDF (one A4 landscape page) for a signed record; unsigned bytes."""
    return pdf_render(template="registry/certificate_pdf.html",
                      context=certificate_pdf_context(certificate=certificate, signed=signed))


def _unsigned_name(certificate: Certificate, fingerprint: str) -> str:
    return f"certificates/unsigned/{certificate.serial}-{fingerprint[:16]}.pdf"


def _final_name(certificate: Certificate, fingerprint: str) -> str:
    return f"certificates/{certificate.serial}-{fingerprint[:16]}.pdf"


def certificate_pdf_prepare(*, certificate: Certificate) -> str | None:
    """Render the PDF of the newest signed record and leave it for the signing worker; returns the record's
    fingerprint, or None when that record already has its PDF (or nothing is signed yet)."""
    from registry.models import CertificateDocument
    from registry.signing import certificate_record_latest

    signed = certificate_record_latest(certificate)
    if signed is None or CertificateDocument.objects.filter(certificate=certificate,
                                                            record_fingerprint=signed.fingerprint).exists():
        return None
    pdf = certificate_pdf_render(certificate=certificate, signed=signed)
    name = _unsigned_name(certificate, signed.fingerprint)
    storage = Certificate._meta.get_field("pdf").storage
    if storage.exists(name):
        storage.delete(name)
    storage.save(name, ContentFile(pdf))
    return signed.fingerprint


def certificate_pdf_finish(*, certificate_id: int, fingerprint: str) -> str:
    """PAdES-sign the rendered PDF of one signed record and publish it (idempotent). The certificate's
    current PDF becomes this one when the record is still the newest."""
    from registry.models import CertificateDocument, CertificateRecord
    from registry.signing import certificate_record_latest
    from trust.pdf_signing import pdf_sign

    certificate = Certificate.objects.select_related("product", "product_version", "vendor", "scheme").get(
        pk=certificate_id)
    done = CertificateDocument.objects.filter(certificate=certificate, record_fingerprint=fingerprint).first()
    if done is not None:
        return done.file.name
    signed = (CertificateRecord.objects.filter(certificate=certificate, fingerprint=fingerprint)
              .order_by("-id").first())
    if signed is None:
        return "unknown record"
    storage = Certificate._meta.get_field("pdf").storage
    unsigned = _unsigned_name(certificate, fingerprint)
    if storage.exists(unsigned):
        with storage.open(unsigned, "rb") as fh:
            pdf = fh.read()
    else:  # delivered again after the file was used, or rendered elsewhere: render here
        pdf = certificate_pdf_render(certificate=certificate, signed=signed)
    pdf = pdf_sign(pdf, reason=f"Giấy chứng nhận / Certificate {certificate.serial}; "
                               f"record SHA-256 {fingerprint}; key {signed.key_id}",
                   name=getattr(settings, "CERTIFICATION_BODY_NAME_EN", ISSUER_NAME_EN))
    sha256 = hashlib.sha256(pdf).hexdigest()
    target = _final_name(certificate, fingerprint)
    with transaction.atomic():
        locked = Certificate.objects.select_for_update().get(pk=certificate.pk)
        done = CertificateDocument.objects.filter(certificate=locked, record_fingerprint=fingerprint).first()
        if done is not None:
            return done.file.name
        if storage.exists(target):
            storage.delete(target)
        stored = storage.save(target, ContentFile(pdf))
        CertificateDocument.objects.create(
            certificate=locked, status=signed.record["status"], record_fingerprint=fingerprint,
            key_id=signed.key_id, file=stored, sha256=sha256, size=len(pdf), created_at=timezone.now())
        latest = certificate_record_latest(locked)
        if latest is not None and latest.fingerprint == fingerprint:
            Certificate.objects.filter(pk=locked.pk).update(pdf=stored, pdf_sha256=sha256)
            certificate.pdf.name, certificate.pdf_sha256 = stored, sha256
    if storage.exists(unsigned):
        storage.delete(unsigned)
    return stored


def certificate_pdf_store(*, certificate: Certificate) -> str:
    """Sign the record if needed, render and sign its PDF, in this process (the embedded default, tests and
    the operator); the full stack does the same through the documents and signing queues."""
    from registry.signing import certificate_sign

    certificate_sign(certificate_id=certificate.pk)
    fingerprint = certificate_pdf_prepare(certificate=certificate)
    if fingerprint is None:
        from registry.signing import certificate_record_latest

        fingerprint = certificate_record_latest(certificate).fingerprint
    stored = certificate_pdf_finish(certificate_id=certificate.pk, fingerprint=fingerprint)
    certificate.refresh_from_db(fields=["pdf", "pdf_sha256"])
    return stored
