"""Procurement: bulk check by upload (CSV, XLSX, hostile files), the signed attestation, and the watchlist
API and pages (own lists only)."""

import io
import zipfile

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from registry.models import StatusAttestation, Watchlist
from tests.factories import api_token_key
from tests.registry.public_support import certify
from tests.support.pdf import assert_pdf_ua
from trust.signing import document_verify, keys_from_document

pytestmark = pytest.mark.django_db


def _xlsx(rows) -> bytes:
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _pdf_text(pdf: bytes) -> str:
    import pypdf

    return " ".join(" ".join(page.extract_text().split()) for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)


@pytest.fixture
def certificates(scheme, staff):
    return [certify(scheme=scheme, staff=staff, status=s)[1] for s in ("active", "suspended", "revoked")]


def _bulk(client, **data):
    return client.post(reverse("registry:certificate_bulk"), data)


def test_bulk_upload_csv_finds_the_serial_column_any_case(client, certificates):
    csv_text = "Đơn vị;Số hiệu chứng nhận\nBộ A;" + certificates[0].serial.lower() + "\nBộ B;" + \
        certificates[1].serial.replace("-", "") + "\nBộ C;VN-CSP-1999-00001\n"
    response = _bulk(client, file=SimpleUploadedFile("list.csv", csv_text.encode("utf-8-sig")), format="html")
    assert response.status_code == 200
    assert [r["status"] for r in response.context["results"]] == ["active", "suspended", "not_found"]


def test_bulk_upload_xlsx_and_csv_download(client, certificates):
    data = _xlsx([["serial"], *[[c.serial] for c in certificates]])
    response = _bulk(client, file=SimpleUploadedFile("list.xlsx", data), format="csv")
    body = response.content.decode("utf-8-sig")
    assert response["Content-Type"].startswith("text/csv") and body.count("\n") == 4 and "revoked" in body


@pytest.mark.parametrize("name, content, expected", [
    ("list.csv", b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "image/png"),
    ("list.csv", b"\x00\x01\x02\x03" * 100, "application/octet-stream"),
    ("list.csv", "Số hiệu\n".encode("utf-16"), None),
    ("list.csv", b"\xff\xfe\xfa not utf-8 \xfa\n" * 3, None),
    ("list.csv", b"", None),
    ("list.xlsx", b"PK\x03\x04broken zip" * 10, None),
])
def test_bulk_upload_that_is_not_csv_or_xlsx_is_refused_clearly(client, name, content, expected):
    response = _bulk(client, file=SimpleUploadedFile(name, content), format="html")
    assert response.status_code == 400
    errors = " ".join(response.context["form"].errors.get("file", []))
    assert errors, response.context["form"].errors
    if expected:
        assert expected in errors


def test_bulk_upload_zip_bomb_xlsx_is_refused_before_parsing(client):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"<" + b" " * (600 * 1024 * 1024) + b"/>")
    response = _bulk(client, file=SimpleUploadedFile("bomb.xlsx", buffer.getvalue()), format="html")
    assert response.status_code == 400 and "ZIP" in " ".join(response.context["form"].errors["file"])


def test_bulk_upload_over_the_limit_is_refused(client, settings):
    settings.BULK_STATUS_MAX_SERIALS = 5
    text = "\n".join(f"VN-CSP-2025-{i:05d}" for i in range(6))
    response = _bulk(client, file=SimpleUploadedFile("list.csv", text.encode()), format="html")
    assert response.status_code == 400


def test_attestation_is_signed_kept_audited_and_shown_as_json_and_pdf(client, certificates, procurement):
    client.force_login(procurement)
    serials = "\n".join([certificates[0].serial.lower(), certificates[2].serial, "VN-CSP-1999-00001"])
    response = _bulk(client, serials=serials, format="attest")
    attestation = StatusAttestation.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("registry:attestation_detail",
                                                                           args=[attestation.pk])
    document = client.get(reverse("registry:attestation_json", args=[attestation.pk])).json()
    # signed with the registry's published key, over exactly what is served
    keys = keys_from_document(client.get("/api/v1/keys/").json())
    assert document["signature"]["key_id"] in keys
    assert document_verify(document, keys).ok
    tampered = {**document, "summary": {**document["summary"], "active": 2}}
    assert not document_verify(tampered, keys).ok
    assert document["summary"] == {"active": 1, "revoked": 1, "not_found": 1}
    assert [r["serial"] for r in document["results"]][:2] == [certificates[0].serial, certificates[2].serial]
    pdf = client.get(reverse("registry:attestation_pdf", args=[attestation.pk]))
    body = b"".join(pdf.streaming_content)
    assert body.startswith(b"%PDF")
    assert_pdf_ua(body)  # tagged, in Vietnamese (the first language of the bilingual text)
    text = _pdf_text(body)
    assert "<svg" not in text and "segno" not in text  # the QR code is drawn, not printed as markup
    assert "Còn hiệu lực / Active: 1" in text and "Không tìm thấy / Not found: 1" in text
    page = client.get(reverse("registry:attestation_detail", args=[attestation.pk])).content.decode()
    assert attestation.sha256 in page
    from trust.models import AuditEntry

    assert AuditEntry.objects.filter(action="attestation.issue").count() == 1


def test_attestation_needs_sign_in_and_a_signing_key(client, api_client, certificates, procurement, settings,
                                                     tmp_path):
    response = _bulk(client, serials=certificates[0].serial, format="attest")
    assert response.status_code == 302 and "login" in response["Location"]
    # a web host without the private key (kept on the signing host only): refused, nothing kept
    from trust.keys import signing_key_ensure

    signing_key_ensure(audited=False)
    settings.SIGNING_KEY_DIR = tmp_path / "elsewhere"
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {api_token_key(procurement)}")
    refused = api_client.post("/api/v1/certificates/status/attestation/", {"serials": [certificates[0].serial]},
                              format="json")
    assert refused.status_code == 503 and refused.json()["error"]["code"] == "signing_unavailable"
    assert StatusAttestation.objects.count() == 0


def test_attestation_api(api_client, certificates, procurement):
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {api_token_key(procurement)}")
    response = api_client.post("/api/v1/certificates/status/attestation/",
                               {"serials": [c.serial for c in certificates]}, format="json")
    assert response.status_code == 201 and response.json()["signature"]["alg"] == "Ed25519"
    assert response["Location"].endswith(f"/verify/bulk/attestations/{response.json()['id']}/")


def test_watchlist_api_own_lists_only(api_client, certificates, procurement, vendor_member, receiver_settings):
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {api_token_key(procurement)}")
    created = api_client.post("/api/v1/watchlists/", {
        "name": "Hợp đồng", "serials": [certificates[0].serial.lower()], "products": [certificates[1].product_id],
        "vendors": [certificates[2].vendor_id], "email": True, "webhook_url": "http://127.0.0.1:9/hook"},
        format="json")
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["secret"].startswith("whsec_") and body["serials"] == [certificates[0].serial]
    url = f"/api/v1/watchlists/{body['id']}/"
    assert "secret" not in api_client.get(url).json()
    assert api_client.get("/api/v1/watchlists/").json()["count"] == 1
    patched = api_client.patch(url, {"name": "Mới", "serials": []}, format="json").json()
    assert patched["name"] == "Mới" and patched["serials"] == [] and patched["secret"] == ""
    rotated = api_client.patch(url, {"webhook_url": "http://127.0.0.1:10/hook"}, format="json").json()
    assert rotated["secret"].startswith("whsec_") and rotated["secret"] != body["secret"]
    from rest_framework.test import APIClient

    other = APIClient()
    other.credentials(HTTP_AUTHORIZATION=f"Token {api_token_key(vendor_member)}")
    assert other.get(url).status_code == 404 and other.delete(url).status_code == 404
    assert other.get("/api/v1/watchlists/").json()["count"] == 0
    bad = api_client.post("/api/v1/watchlists/", {"name": "x", "serials": ["NOPE-1"]}, format="json")
    assert bad.status_code == 400 and bad.json()["error"]["details"]["serials"]
    assert api_client.delete(url).status_code == 204 and not Watchlist.objects.exists()
    assert APIClient().get("/api/v1/watchlists/").status_code == 401


@pytest.fixture
def receiver_settings(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_NETWORKS = True
    return settings


def test_watchlist_pages(client, certificates, procurement, receiver_settings):
    client.force_login(procurement)
    response = client.post(reverse("registry:watchlist_list"), {
        "name": "Danh sách", "serials": certificates[0].serial, "products": f"/products/{certificates[1].product_id}/",
        "vendors": "", "email": "on", "webhook_url": "http://127.0.0.1:9/hook"})
    watchlist = Watchlist.objects.get()
    assert response.status_code == 302
    page = client.get(reverse("registry:watchlist_detail", args=[watchlist.pk])).content.decode()
    assert "whsec_" in page and "X-Registry-Signature" in page  # the secret shows once, with the snippet
    assert "whsec_" not in client.get(reverse("registry:watchlist_detail", args=[watchlist.pk])).content.decode()
    client.logout()
    assert client.get(reverse("registry:watchlist_list")).status_code == 302


def test_watchlist_page_delete_asks_for_confirmation(client, procurement):
    from registry.watch import watchlist_create

    watchlist, _ = watchlist_create(owner=procurement, name="Hợp đồng 2027")
    client.force_login(procurement)
    url = reverse("registry:watchlist_detail", args=[watchlist.pk])
    page = client.get(url).content.decode()
    assert 'id="delete-what"' in page and 'name="confirm"' in page
    response = client.post(url, {"action": "delete"})
    html = response.content.decode()
    assert response.status_code == 400 and 'id="confirm-delete-error"' in html and 'aria-invalid="true"' in html
    assert Watchlist.objects.filter(pk=watchlist.pk).exists()
    response = client.post(url, {"action": "delete", "confirm": "yes"})
    assert response.status_code == 302 and not Watchlist.objects.filter(pk=watchlist.pk).exists()
