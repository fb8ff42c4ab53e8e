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
from django.utils.safestring import mark_safe

from registry.choices import CertificateStatus, Level
from registry.models import Certificate
from registry.records import certificate_record, certificate_record_fingerprint

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


def certificate_verify_url(serial: str) -> str:
    """The public verification page the QR code points to."""
    try:
        path = reverse("registry:certificate_verify", args=[serial])
    except NoReverseMatch:  # the public pages are not wired yet; this is the path they will have
        path = f"/verify/{serial}/"
    return f"{settings.SITE_URL}{path}"


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


def certificate_pdf_context(*, certificate: Certificate) -> dict:
    """Everything the template prints; also what tests inspect (QR payload, fingerprint)."""
    record = certificate_record(certificate)
    verify_url = certificate_verify_url(certificate.serial)
    vendor = certificate.vendor
    return {
        **document_context(product=certificate.product, version=certificate.product_version.version,
                           vendor=vendor, scheme=certificate.scheme,
                           # the identity as issued: a later change of name or tax code does not rewrite it
                           vendor_name=certificate.vendor_legal_name, vendor_tax_code=certificate.vendor_tax_code),
        "serial": certificate.serial,
        "vendor_long": len(certificate.vendor_legal_name) + len(vendor.name_en) > 110,  # set in a smaller size
        "level": bilingual(Level(certificate.level).label),
        "status_at_issue": bilingual(CertificateStatus(record["status"]).label),
        "issued_on": _local_date(certificate.issued_at),
        "valid_until": _local_date(certificate.valid_until),
        "verify_url": verify_url,
        "qr_payload": verify_url,
        "qr_svg": mark_safe(qr_svg(verify_url)),  # segno's own markup, no user data beyond the URL
        "record": record,
        "fingerprint": certificate_record_fingerprint(certificate),
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
    """Render a bilingual PDF template offline (Vietnamese catalog active, local fonts only)."""
    from weasyprint import HTML
    from weasyprint.text.fonts import FontConfiguration

    with translation.override("vi"):
        html = render_to_string(template, context)
    document = HTML(string=html, url_fetcher=certificate_url_fetcher())
    return document.write_pdf(font_config=FontConfiguration(), uncompressed_pdf=False)


def certificate_pdf_render(*, certificate: Certificate) -> bytes:
    """Render the bilingual certificate PDF (one A4 landscape page) and return its bytes."""
    return pdf_render(template="registry/certificate_pdf.html",
                      context=certificate_pdf_context(certificate=certificate))


def certificate_pdf_name(certificate: Certificate) -> str:
    return f"{certificate.serial}.pdf"


def certificate_pdf_store(*, certificate: Certificate) -> str:
    """Render the PDF and store it as certificates/<serial>.pdf with its SHA-256; idempotent.

    Rendering happens outside any transaction (it takes a while); storing locks the certificate row
    so two workers rendering the same certificate cannot leave two files or a mismatched hash.
    """
    pdf = certificate_pdf_render(certificate=certificate)
    sha256 = hashlib.sha256(pdf).hexdigest()
    field = Certificate._meta.get_field("pdf")
    with transaction.atomic():
        locked = Certificate.objects.select_for_update().get(pk=certificate.pk)
        target = field.generate_filename(locked, certificate_pdf_name(locked))
        storage = locked.pdf.storage
        if locked.pdf.name == target and locked.pdf_sha256 == sha256 and storage.exists(target):
            stored = target  # the same bytes are already in place (rendering is deterministic)
        else:
            # Storages add a suffix instead of overwriting, so remove the old file(s) first.
            for name in {target, locked.pdf.name} - {"", None}:
                if storage.exists(name):
                    storage.delete(name)
            stored = storage.save(target, ContentFile(pdf))
            Certificate.objects.filter(pk=locked.pk).update(pdf=stored, pdf_sha256=sha256)
    certificate.pdf.name, certificate.pdf_sha256 = stored, sha256
    return stored
