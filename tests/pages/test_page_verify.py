import csv
import io

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

STATUS_WORDS = {
    # status: (Vietnamese, English)
    "active": ("Còn hiệu lực", "Active"),
    "suspended": ("Bị đình chỉ", "Suspended"),
    "revoked": ("Bị thu hồi", "Revoked"),
    "expired": ("Hết hiệu lực", "Expired"),
}


@pytest.mark.parametrize("status", list(STATUS_WORDS))
def test_certificate_verify_states_status_in_words_class_and_symbol(client, make_certificate, status):
    certificate = make_certificate(status)
    url = reverse("registry:certificate_verify", args=[certificate.serial])
    html = client.get(url).content.decode()
    vi, en = STATUS_WORDS[status]
    assert f'class="verdict card status-{status}"' in html
    assert vi in html and 'class="verdict-icon" aria-hidden="true"' in html
    assert certificate.serial in html and certificate.product.name in html
    assert certificate.product_version.version in html and certificate.vendor.legal_name in html
    assert reverse("registry:certificate_pdf", args=[certificate.serial]) in html
    if certificate.status_reason:
        assert certificate.status_reason in html
    client.post(reverse("set_language"), {"language": "en", "next": url})
    html = client.get(url).content.decode()
    assert en in html and vi not in html


def test_certificate_verify_unknown_serial_is_a_clear_404(client):
    response = client.get(reverse("registry:certificate_verify", args=["VN-CSP-1999-99999"]))
    assert response.status_code == 404
    html = response.content.decode()
    assert "Không có giấy chứng nhận mang số hiệu này" in html and "VN-CSP-1999-99999" in html
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    response = client.get(reverse("registry:certificate_verify", args=["VN-CSP-1999-99999"]))
    assert response.status_code == 404 and "No certificate with this serial" in response.content.decode()


def test_certificate_lookup_redirects_to_the_verify_page(client, make_certificate):
    certificate = make_certificate()
    page = client.get(reverse("registry:certificate_lookup"))
    assert page.status_code == 200 and b'name="serial"' in page.content
    response = client.get(reverse("registry:certificate_lookup"), {"serial": f"  {certificate.serial} "})
    assert response.status_code == 302
    assert response["Location"] == reverse("registry:certificate_verify", args=[certificate.serial])


def test_certificate_bulk_lists_every_serial_with_its_status(client, make_certificate,
                                                             django_assert_max_num_queries):
    active, revoked = make_certificate(), make_certificate("revoked")
    text = f"{active.serial}\r\n\r\n{revoked.serial}\nVN-CSP-1999-00404\n{active.serial}\n"
    with django_assert_max_num_queries(6):
        response = client.post(reverse("registry:certificate_bulk"), {"serials": text, "format": "html"})
    assert response.status_code == 200
    html = response.content.decode()
    for serial in (active.serial, revoked.serial, "VN-CSP-1999-00404"):
        assert serial in html
    assert "status-active" in html and "status-revoked" in html and "status-not_found" in html
    assert "Còn hiệu lực" in html and "Bị thu hồi" in html and "Không tìm thấy" in html


def test_certificate_bulk_downloads_csv(client, make_certificate):
    active = make_certificate()
    response = client.post(reverse("registry:certificate_bulk"),
                           {"serials": f"{active.serial}\nNOPE-1", "format": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith("attachment;")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["serial", "status", "status_label"]
    assert rows[1][:2] == [active.serial, "active"] and rows[1][4] == active.product.name
    assert rows[2][:2] == ["NOPE-1", "not_found"]


def test_certificate_bulk_refuses_more_than_the_limit(client, settings):
    settings.BULK_STATUS_MAX_SERIALS = 3
    response = client.post(reverse("registry:certificate_bulk"), {"serials": "A\nB\nC\nD", "format": "html"})
    assert response.status_code == 400
    assert "errorlist" in response.content.decode()
    assert client.post(reverse("registry:certificate_bulk"), {"serials": " \n "}).status_code == 400


def test_certificate_bulk_accepts_ten_thousand_serials(client, make_certificate, django_assert_max_num_queries):
    active = make_certificate()
    serials = [active.serial] + [f"VN-CSP-1999-{n:05d}" for n in range(9999)]
    with django_assert_max_num_queries(6):
        response = client.post(reverse("registry:certificate_bulk"), {"serials": "\n".join(serials), "format": "csv"})
    assert response.status_code == 200
    assert len(response.content.decode("utf-8-sig").strip().splitlines()) == 10_001


def test_certificate_pdf_signs_and_renders_when_missing_then_streams_inline(client, make_certificate):
    """No delivery ran yet (no commit): the first download asks for the signing through the outbox and says
    so (503 with Retry-After); once the signing worker and the renderer did their part (here: the request's
    commit, delivered in process), the PDF streams, and later downloads stream the stored file."""
    certificate = make_certificate()
    url = reverse("registry:certificate_pdf", args=[certificate.serial])
    response = client.get(url)
    assert response.status_code == 503 and response["Retry-After"]
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'inline; filename="{certificate.serial}.pdf"'
    assert "max-age=" in response["Cache-Control"]
    first = b"".join(response.streaming_content)
    assert first.startswith(b"%PDF-")
    response = client.get(url)  # already rendered: streamed as stored, not rendered again
    assert b"".join(response.streaming_content) == first
    assert certificate.documents.count() == 1


def test_certificate_pdf_of_a_revoked_certificate_is_a_notice(client, make_certificate):
    """The PDF as issued is never offered as current: a revoked certificate's download says it is revoked."""
    from registry.verification import certificate_pdf_check

    certificate = make_certificate("revoked")
    client.get(reverse("registry:certificate_pdf", args=[certificate.serial]))  # asks for the signing
    response = client.get(reverse("registry:certificate_pdf", args=[certificate.serial]))
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'inline; filename="{certificate.serial}-revoked.pdf"'
    data = b"".join(response.streaming_content)
    check = certificate_pdf_check(data=data)
    assert check.ok and check.document.status == "revoked" and check.certificate == certificate


def test_certificate_pdf_unknown_serial_is_404(client):
    assert client.get(reverse("registry:certificate_pdf", args=["VN-CSP-1999-99999"])).status_code == 404
