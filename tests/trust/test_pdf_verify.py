"""verify/pdf/ (API and page): an issued certificate PDF is recognised with its live status; one changed
after signing, by an incremental update or a flipped byte, unsigned, or signed by someone else is not."""

import datetime
import io

import pytest
from django.urls import reverse

from registry.services import certificate_transition
from tests.factories import PDF_BYTES, upload

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _vietnamese(_translations_compiled):
    """The pages are asserted in Vietnamese."""


@pytest.fixture
def issued(journey, with_artifacts):
    certificate = journey(with_artifacts, "certified").certificate
    certificate.refresh_from_db()
    with certificate.pdf.open("rb") as fh:
        return certificate, fh.read()


def _check(api_client, data: bytes, name="certificate.pdf"):
    return api_client.post(reverse("registry_api:verify_pdf"), {"file": upload(name, data)}, format="multipart")


def _incremental_update(data: bytes) -> bytes:
    """What a forger does: append a revision to the signed file (the original signature stays intact)."""
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    writer = IncrementalPdfFileWriter(io.BytesIO(data), strict=False)
    writer.root["/Forged"] = generic.TextStringObject("Còn hiệu lực đến 2099")
    writer.update_root()
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _signed_by_another_ca(data: bytes, tmp_path, settings) -> bytes:
    from trust.pdf_signing import pdf_sign, pdf_signer_ensure

    real = settings.SIGNING_KEY_DIR
    settings.SIGNING_KEY_DIR = str(tmp_path / "other-ca")
    pdf_signer_ensure()
    forged = pdf_sign(data, reason="forged")
    settings.SIGNING_KEY_DIR = real
    return forged


def test_pdf_verify_recognises_an_issued_certificate_and_its_live_status(api_client, issued, staff, commit):
    certificate, data = issued
    answer = _check(api_client, data).json()
    assert answer["valid"] is True and answer["result"] == "valid"
    assert answer["certificate"]["serial"] == certificate.serial and answer["certificate"]["status"] == "active"
    assert answer["certificate"]["is_current_document"] is True
    with commit():
        certificate_transition(certificate=certificate, action="suspend", actor=staff, reason="Lỗ hổng nghiêm trọng")
    answer = _check(api_client, data).json()
    assert answer["valid"] is True  # still the document we issued...
    assert answer["certificate"]["status"] == "suspended"  # ...but the live status says it is not valid now
    assert answer["certificate"]["document_status"] == "active" and answer["certificate"]["is_current_document"] is False


def test_pdf_verify_rejects_every_forgery(api_client, issued, tmp_path, settings):
    certificate, data = issued
    flipped = bytearray(data)
    flipped[len(flipped) // 3] ^= 0x01
    cases = {
        "modified": _incremental_update(data),
        "invalid": bytes(flipped),
        "not_signed": PDF_BYTES,
        "untrusted": _signed_by_another_ca(PDF_BYTES, tmp_path, settings),
    }
    for expected, forged in cases.items():
        response = _check(api_client, forged)
        assert response.status_code == 200, (expected, response.content)
        answer = response.json()
        assert answer["valid"] is False and answer["result"] == expected, (expected, answer)
        assert answer["certificate"] is None


def test_pdf_verify_refuses_what_is_not_a_pdf(api_client):
    response = _check(api_client, b"GIF89a not a pdf", name="c.pdf")
    assert response.status_code == 415
    assert api_client.post(reverse("registry_api:verify_pdf"), {}, format="multipart").status_code == 400


def test_pdf_verify_page_says_it_in_words(client, issued):
    certificate, data = issued
    page = client.get(reverse("registry:certificate_pdf_verify"))
    assert page.status_code == 200 and b'type="file"' in page.content
    html = client.post(reverse("registry:certificate_pdf_verify"), {"file": upload("c.pdf", data)}).content.decode()
    assert "Tài liệu xác thực" in html and certificate.serial in html
    html = client.post(reverse("registry:certificate_pdf_verify"),
                       {"file": upload("c.pdf", _incremental_update(data))}).content.decode()
    assert "Không phải tài liệu chứng nhận xác thực" in html and "bị thay đổi sau khi ký" in html
    response = client.post(reverse("registry:certificate_pdf_verify"), {"file": upload("c.pdf", b"hello")})
    assert response.status_code == 415


def test_verify_page_checks_the_signature_and_the_scanned_fingerprint(client, issued, staff, commit):
    certificate, _data = issued
    signed = certificate.records.get()
    url = reverse("registry:certificate_verify", args=[certificate.serial])
    html = client.get(url, {"fp": signed.fingerprint}).content.decode()
    assert "Chữ ký hợp lệ" in html and signed.key_id in html and "bản ghi hiện tại" in html
    with commit():
        certificate_transition(certificate=certificate, action="revoke", actor=staff, reason="Gian lận")
    html = client.get(url, {"fp": signed.fingerprint}).content.decode()
    assert "Tài liệu bạn quét đã lỗi thời" in html
    html = client.get(url, {"fp": "f" * 64}).content.decode()
    assert "không thuộc bản ghi nào" in html
    html = client.get(url, {"fp": "<script>"}).content.decode()
    assert "<script>" not in html and "không thuộc bản ghi nào" in html
    from tests.support.tamper import triggers_off

    with triggers_off():
        certificate.records.update(signature={"alg": "Ed25519", "key_id": signed.key_id, "value": "AAAA"})
    html = client.get(url).content.decode()
    assert "Bản ghi đã ký không hợp lệ" in html


def test_verify_page_and_product_page_show_the_whole_history(client, issued, staff, commit):
    certificate, _data = issued
    with commit():
        certificate_transition(certificate=certificate, action="suspend", actor=staff, reason="Cần kiểm tra lại")
        certificate_transition(certificate=certificate, action="reinstate", actor=staff)
    for url in (reverse("registry:certificate_verify", args=[certificate.serial]),
                reverse("registry:product_detail", args=[certificate.product_id])):
        html = client.get(url).content.decode()
        for word in ("Cấp", "Đình chỉ", "Khôi phục", "Cần kiểm tra lại"):
            assert word in html, (url, word)
    assert datetime.date.today().year > 2000
