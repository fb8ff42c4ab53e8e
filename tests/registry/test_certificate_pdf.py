"""The certificate PDF: one bilingual page, correct Vietnamese text, a QR code to the live
verification page, the record fingerprint, and nothing fetched from outside the font directory."""

import hashlib
import re
import shutil
import subprocess
import unicodedata
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.utils import timezone

from registry import documents
from registry.documents import (
    CertificateFontsMissing,
    certificate_pdf_context,
    certificate_pdf_render,
    certificate_pdf_store,
    certificate_url_fetch,
    certificate_verify_url,
)
from registry.models import Certificate
from registry.records import certificate_record, certificate_record_fingerprint
from registry.services import certificate_issue
from registry.tasks import certificate_render_pdf_task
from tests.factories import ProductVersionFactory, VendorFactory, scheme_with_requirements
from trust.canonical import canonical_json

pytestmark = pytest.mark.django_db

VENDOR = "Công ty Cổ phần Bảo mật Đà Nẵng"
PRODUCT = "Tường lửa thế hệ mới Hải Vân"


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} is not installed (Debian package "
                    f"{'zbar-tools' if name == 'zbarimg' else 'poppler-utils'}); cannot inspect the PDF")
    return path


def _nfc_words(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())


@pytest.fixture
def certificate(staff, commit):
    vendor = VendorFactory(legal_name=VENDOR, name_en="Da Nang Security JSC", tax_code="0401234567")
    version = ProductVersionFactory(product__vendor=vendor, product__name=PRODUCT,
                                    product__name_en="Hai Van NGFW", version="3.2.1")
    scheme = scheme_with_requirements(name_vi="Yêu cầu kỹ thuật cơ bản đối với tường lửa thế hệ mới")
    with commit():  # the issue's on_commit renders the PDF through the task, as in production
        cert = certificate_issue(product_version=version, scheme=scheme, level="basic", actor=staff)
    return Certificate.objects.select_related("product", "product_version", "vendor", "scheme").get(pk=cert.pk)


@pytest.fixture
def pdf_bytes(certificate):
    return certificate_pdf_render(certificate=certificate)


def test_certificate_pdf_issue_stores_pdf_through_task(certificate):
    """Issuing signs the record, renders the PDF for it and signs the PDF: tasks chained after commit."""
    fingerprint = certificate_record_fingerprint(certificate)
    assert certificate.pdf.name == f"certificates/{certificate.serial}-{fingerprint[:16]}.pdf"
    with default_storage.open(certificate.pdf.name, "rb") as fh:
        stored = fh.read()
    assert stored.startswith(b"%PDF-")
    assert hashlib.sha256(stored).hexdigest() == certificate.pdf_sha256
    document = certificate.documents.get()
    assert (document.sha256, document.record_fingerprint, document.status) == (certificate.pdf_sha256, fingerprint,
                                                                              "active")
    assert not default_storage.exists(f"certificates/unsigned/{certificate.serial}-{fingerprint[:16]}.pdf")


def test_certificate_pdf_render_one_page(pdf_bytes, tmp_path):
    assert pdf_bytes.startswith(b"%PDF-")
    pdfinfo = _tool("pdfinfo")
    (tmp_path / "c.pdf").write_bytes(pdf_bytes)
    out = subprocess.run([pdfinfo, str(tmp_path / "c.pdf")], capture_output=True, check=True).stdout
    assert re.search(rb"^Pages:\s+1$", out, re.M), out
    assert re.search(rb"^Page size:\s+841\.89 x 595\.27\d? pts \(A4\)", out, re.M), out  # A4 landscape


def test_certificate_pdf_render_text_has_vietnamese_and_english(certificate, pdf_bytes, tmp_path):
    pdftotext = _tool("pdftotext")
    path = tmp_path / "c.pdf"
    path.write_bytes(pdf_bytes)
    text = _nfc_words(subprocess.run([pdftotext, str(path), "-"], capture_output=True, check=True,
                                     text=True).stdout)
    for expected in [certificate.serial, VENDOR, "Đà Nẵng", PRODUCT, "Tường lửa thế hệ mới", "3.2.1",
                     "0401234567", "GIẤY CHỨNG NHẬN", "CERTIFICATE", "CƠ QUAN CHỨNG NHẬN SẢN PHẨM AN TOÀN THÔNG TIN MẠNG",
                     "Network Information Security Product Certification Body",
                     "Yêu cầu kỹ thuật cơ bản đối với tường lửa thế hệ mới",
                     "Basic technical requirements for firewalls", certificate.scheme.code,
                     "Nhà cung cấp", "Vendor", "Mã số thuế", "Tax code", "Valid until", "Status",
                     certificate_verify_url(certificate.serial), certificate_record_fingerprint(certificate),
                     certificate.records.get().key_id, "Signing key"]:
        assert expected in text, f"{expected!r} missing from the PDF text"
    # Dates are calendar dates in Viet Nam (Asia/Ho_Chi_Minh), written the Vietnamese way.
    assert timezone.localtime(certificate.issued_at).strftime("%d/%m/%Y") in text
    assert timezone.localtime(certificate.valid_until).strftime("%d/%m/%Y") in text


def test_certificate_pdf_render_embeds_only_our_fonts(pdf_bytes, tmp_path):
    pdffonts = _tool("pdffonts")
    path = tmp_path / "c.pdf"
    path.write_bytes(pdf_bytes)
    rows = subprocess.run([pdffonts, str(path)], capture_output=True, check=True, text=True).stdout.splitlines()[2:]
    names = {row.split()[0].split("+", 1)[-1] for row in rows if row.strip()}
    assert names and all(n.startswith(("RegistrySans", "RegistrySerif")) for n in names), names
    assert all(" yes yes yes " in f" {' '.join(row.split()[-5:-2])} " for row in rows)  # embedded, subset, unicode


def test_certificate_pdf_qr_encodes_verify_url(certificate, pdf_bytes, tmp_path):
    context = certificate_pdf_context(certificate=certificate)
    url = certificate_verify_url(certificate.serial, certificate_record_fingerprint(certificate))
    assert url == context["qr_payload"] == context["verify_url"]
    assert url.endswith(f"/verify/{certificate.serial}/?fp={certificate_record_fingerprint(certificate)}")
    assert context["qr_svg"].startswith("<svg") and "<path" in context["qr_svg"]
    pdftoppm, zbarimg = _tool("pdftoppm"), _tool("zbarimg")
    (tmp_path / "c.pdf").write_bytes(pdf_bytes)
    subprocess.run([pdftoppm, "-png", "-r", "100", str(tmp_path / "c.pdf"), str(tmp_path / "page")], check=True)
    png = next(tmp_path.glob("page*.png"))
    decoded = subprocess.run([zbarimg, "--raw", "-q", str(png)], capture_output=True, text=True).stdout.strip()
    assert decoded == url


def test_certificate_pdf_fingerprint_is_sha256_of_canonical_record(certificate):
    signed = certificate.records.get()
    record = certificate_record(certificate, key_id=signed.key_id)
    assert record == signed.record == {
        "serial": certificate.serial, "status": "active", "status_reason": "", "product": PRODUCT,
        "version": "3.2.1", "versions": ["3.2.1"], "vendor": {"name": VENDOR, "tax_code": "0401234567"},
        "scheme": {"code": certificate.scheme.code, "version": certificate.scheme.version},
        "level": "basic", "issued_at": record["issued_at"], "valid_until": record["valid_until"],
        "status_changed_at": record["issued_at"], "sbom_sha256": "", "key_id": signed.key_id,
    }
    assert record["issued_at"].endswith("Z") and record["valid_until"] > record["issued_at"]
    assert certificate_record_fingerprint(certificate) == hashlib.sha256(canonical_json(record)).hexdigest()
    assert certificate_pdf_context(certificate=certificate)["fingerprint"] == certificate_record_fingerprint(certificate)


def test_certificate_pdf_store_idempotent(certificate):
    first = certificate_pdf_store(certificate=certificate)
    second = certificate_pdf_store(certificate=certificate)
    fingerprint = certificate_record_fingerprint(certificate)
    assert first == second == f"certificates/{certificate.serial}-{fingerprint[:16]}.pdf"
    folder = Path(default_storage.path("certificates"))
    assert sorted(p.name for p in folder.iterdir() if p.is_file()) == [Path(first).name]
    assert certificate.documents.count() == 1
    data = Path(default_storage.path(first)).read_bytes()
    assert data.startswith(b"%PDF-") and hashlib.sha256(data).hexdigest() == certificate.pdf_sha256


def test_certificate_pdf_task_renders_for_a_new_record(certificate, staff, commit):
    """A status change signs a new record, and the PDF that follows states it (a notice, not the original)."""
    from registry.services import certificate_transition

    with commit():
        certificate_transition(certificate=certificate, action="suspend", actor=staff, reason="Lỗ hổng nghiêm trọng")
    certificate.refresh_from_db()
    latest = certificate.records.order_by("-version").first()
    assert latest.version == 2 and latest.record["status"] == "suspended"
    assert certificate.pdf.name.endswith(f"-{latest.fingerprint[:16]}.pdf")
    assert certificate.documents.count() == 2
    assert certificate.documents.get(record_fingerprint=latest.fingerprint).status == "suspended"
    assert certificate_render_pdf_task.apply(args=[certificate.pk]).get() == "up to date"
    assert certificate_render_pdf_task.apply(args=[10**9]).get() == "missing"


def _fetch(url):
    return certificate_url_fetch(url, base=lambda u: ("base", u), response_cls=lambda u, **kw: ("file", u))


@pytest.mark.parametrize("url", [
    "https://fonts.example.com/noto.css", "http://127.0.0.1:8000/static/x.png", "ftp://example.com/f.ttf",
    "file:///etc/passwd", "file:///usr/share/fonts/../../../etc/passwd", "file://evil.example.com/usr/share/fonts/x",
])
def test_certificate_pdf_fetcher_refuses_outside_fonts(url):
    with pytest.raises(ValueError):
        _fetch(url)


def test_certificate_pdf_fetcher_allows_fonts_and_data():
    font = documents.certificate_fonts()[0].url
    assert _fetch(font) == ("file", font)
    assert _fetch("data:image/png;base64,AAAA") == ("base", "data:image/png;base64,AAAA")


def test_certificate_pdf_renderer_refuses_remote_resources(certificate, monkeypatch):
    """Even if the template asked for a remote stylesheet, the renderer would not fetch it."""
    requested = []
    real = documents.certificate_url_fetch

    def spy(url, **kwargs):
        requested.append(url)
        return real(url, **kwargs)

    monkeypatch.setattr(documents, "certificate_url_fetch", spy)
    from django.template import loader

    real_render = loader.render_to_string

    def render_with_remote(name, context=None, *args, **kwargs):
        html = real_render(name, context, *args, **kwargs)
        return html.replace("</head>", '<link rel="stylesheet" href="https://cdn.example.com/x.css"></head>')

    monkeypatch.setattr(documents, "render_to_string", render_with_remote)
    assert certificate_pdf_render(certificate=certificate).startswith(b"%PDF-")
    assert "https://cdn.example.com/x.css" in requested
    assert all(u.startswith(("file:///usr/share/fonts/", "data:", "https://cdn.example.com/")) for u in requested)


def test_certificate_pdf_missing_fonts_error_names_package(certificate, monkeypatch, tmp_path):
    monkeypatch.setattr(documents, "NOTO_DIR", tmp_path / "no-fonts")
    with pytest.raises(CertificateFontsMissing, match="fonts-noto-core"):
        certificate_pdf_render(certificate=certificate)


def test_certificate_pdf_is_tagged_pdf_ua_and_still_verifies_once_signed(certificate):
    """The stored certificate is a tagged PDF/UA-1 document in Vietnamese, and the PAdES signature added after
    the tagging still verifies as a document the registry issued."""
    from registry.verification import certificate_pdf_check
    from tests.support.pdf import assert_pdf_ua

    with default_storage.open(certificate.pdf.name, "rb") as fh:
        signed = fh.read()
    assert_pdf_ua(signed)
    check = certificate_pdf_check(data=signed)
    assert check.signature.ok and check.code == "valid" and check.is_current_document
