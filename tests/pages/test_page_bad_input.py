"""Hostile input through the pages: a clear error in the page's language, nothing changed; CSV
downloads neutralise formulas; the bulk check is throttled like the API."""

import csv
import io

import pytest
from django.test import override_settings
from django.urls import reverse

pytestmark = pytest.mark.django_db


def _csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_page_bad_input_bulk_csv_neutralises_formulas(client, make_certificate):
    from tests.factories import ProductFactory

    certificate = make_certificate(product=ProductFactory(name='=HYPERLINK("http://evil.example","Bấm")'))
    certificate.vendor_legal_name = "@SUM(1+1)"  # the vendor's name as issued is what the check reports
    certificate.save(update_fields=["vendor_legal_name"])
    serials = [certificate.serial, "=1+2", "+1+2", "-1+2", "@A1"]
    response = client.post(reverse("registry:certificate_bulk"), {"serials": "\n".join(serials), "format": "csv"})
    assert response.status_code == 200
    rows = _csv_rows(response)[1:]
    by_serial = {row[0]: row for row in rows}
    assert set(by_serial) == {certificate.serial, "'=1+2", "'+1+2", "'-1+2", "'@A1"}
    assert by_serial[certificate.serial][4] == "'" + certificate.product.name
    assert by_serial[certificate.serial][5] == "'@SUM(1+1)"
    for row in rows:
        assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in row), row


THROTTLES = ["rest_framework.throttling.AnonRateThrottle", "rest_framework.throttling.UserRateThrottle",
             "rest_framework.throttling.ScopedRateThrottle"]


def test_page_bad_input_bulk_check_is_throttled_like_the_api(client, api_client, settings, monkeypatch):
    """The test settings switch throttles off; switch them on as in production, with a small bulk rate."""
    from rest_framework.settings import api_settings
    from rest_framework.throttling import SimpleRateThrottle

    from registry.api.views import CertificateStatusBulkView

    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_CLASSES": THROTTLES}
    # DRF reads the rates and a view's classes once, at import: set them as production would have them
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"anon": "100/minute", "user": "100/minute",
                                                               "bulk": "2/minute"})
    monkeypatch.setattr(CertificateStatusBulkView, "throttle_classes", list(api_settings.DEFAULT_THROTTLE_CLASSES))
    from django.core.cache import cache

    cache.clear()
    url = reverse("registry:certificate_bulk")
    assert client.get(url).status_code == 200  # reading the form is not counted
    assert client.post(url, {"serials": "A", "format": "html"}).status_code == 200
    # the API's bulk endpoint draws on the same budget: same mechanism, same counters
    assert api_client.post("/api/v1/certificates/status/", {"serials": ["A"]}, format="json").status_code == 200
    response = client.post(url, {"serials": "A", "format": "html"})
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "Bạn đã gửi quá nhiều yêu cầu" in response.content.decode()
    assert response["Content-Type"].startswith("text/html")
    assert api_client.post("/api/v1/certificates/status/", {"serials": ["A"]}, format="json").status_code == 429
    cache.clear()


def test_page_bad_input_conflict_dates_out_of_range(client, evaluator, vendor_member):
    from certification.models import ConflictDeclaration
    from registry.selectors import vendor_for_user
    from trust.models import AuditEntry

    vendor = vendor_for_user(vendor_member)
    client.force_login(evaluator)
    before = (ConflictDeclaration.objects.count(), AuditEntry.objects.count())
    url = reverse("certification:conflict_list")
    response = client.post(url, {"tax_code": vendor.tax_code, "relation": "employment", "started_on": "9999-12-31"})
    assert response.status_code == 400
    assert "Nhập ngày trong khoảng" in response.content.decode()
    response = client.post(url, {"tax_code": vendor.tax_code, "relation": "employment", "started_on": "2024-05-01",
                                 "ended_on": "2024-04-30"})
    assert response.status_code == 400
    assert "Ngày kết thúc sớm hơn ngày bắt đầu" in response.content.decode()
    assert (ConflictDeclaration.objects.count(), AuditEntry.objects.count()) == before


def test_page_bad_input_release_date_out_of_range(client, vendor_member, product_version):
    from registry.models import ProductVersion

    client.force_login(vendor_member)
    before = ProductVersion.objects.count()
    response = client.post(reverse("certification:version_create"), {
        "version-product": product_version.product_id, "version-version": "9.9",
        "version-release_date": "9999-01-01"})
    assert response.status_code == 400
    assert "Nhập ngày trong khoảng" in response.content.decode()
    assert ProductVersion.objects.count() == before


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1024)
def test_page_bad_input_body_too_large_is_413_page(client):
    response = client.post(reverse("registry:certificate_bulk"), {"serials": "A" * 4096, "format": "html"})
    assert response.status_code == 413
    assert response["Content-Type"].startswith("text/html")
    assert "Yêu cầu quá lớn" in response.content.decode()


def test_page_bad_input_ids_beyond_64_bits_are_404(client):
    for path in (f"/products/{2**63}/", f"/vendors/{10**25}/", f"/work/applications/{2**64}/"):
        assert client.get(path).status_code == 404


def test_page_bad_input_hostile_guide_is_refused_in_vietnamese(client, vendor_member, draft, settings):
    import os

    from tests.api.helpers import row_counts
    from tests.config.test_documents import docx
    from tests.factories import upload

    client.force_login(vendor_member)
    before = row_counts()
    response = client.post(reverse("certification:artifact_upload", args=[draft.pk]),
                           {"kind": "user_guide", "file": upload("guide.docx", docx(document=None))})
    assert response.status_code == 415
    assert "không phải là tài liệu" in response.content.decode()
    assert row_counts() == before
    assert not any(files for _root, _dirs, files in os.walk(settings.MEDIA_ROOT))
