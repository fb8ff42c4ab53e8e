"""Hostile input through the API: each answer is a 4xx in the error format, in the caller's language,
and nothing is written (rows, audit entries, files)."""

import json

import pytest
from django.test import Client, override_settings

from tests.api.helpers import API, assert_error, auth, row_counts

pytestmark = pytest.mark.django_db

INT64_MAX = 2**63 - 1


def _conflict_rows() -> dict:
    from certification.models import ConflictDeclaration

    return {**row_counts(), "ConflictDeclaration": ConflictDeclaration.objects.count()}


def _post_raw(client, url, body: bytes, content_type="application/json"):
    return client.post(url, data=body, content_type=content_type)


def test_bad_input_api_deep_json_is_400(api_client, vendor_member):
    before = row_counts()
    auth(api_client, vendor_member)
    for depth in (33, 100_000):  # just past the bound, and deep enough to exhaust Python's recursion
        body = b'{"name": ' + b"[" * depth + b"]" * depth + b', "category": "firewall"}'
        error = assert_error(_post_raw(api_client, f"{API}products/", body), 400, "parse_error")
        assert "32" in error["message"]
    # 31 levels of nesting is still parsed (and then refused by the serializer, field by field)
    body = b'{"name": ' + b"[" * 30 + b"]" * 30 + b', "category": "firewall"}'
    error = assert_error(_post_raw(api_client, f"{API}products/", body), 400, "invalid")
    assert "name" in error["details"]
    assert row_counts() == before


@pytest.mark.parametrize("number", [str(INT64_MAX + 1), str(-(2**63) - 1), "9" * 5000, "1e999", "NaN", "-Infinity"])
def test_bad_input_api_numbers_beyond_64_bits_are_400(api_client, vendor_member, scheme, number):
    before = row_counts()
    body = b'{"product_version": ' + number.encode() + b', "scheme": "' + scheme.code.encode() + b'", "level": "basic"}'
    error = assert_error(_post_raw(auth(api_client, vendor_member), f"{API}applications/", body), 400, "parse_error")
    assert error["message"]
    assert row_counts() == before


def test_bad_input_api_ids_beyond_64_bits_in_form_bodies_are_400(api_client, vendor_member, scheme):
    before = row_counts()
    response = auth(api_client, vendor_member).post(
        f"{API}applications/", {"product_version": str(INT64_MAX + 1), "scheme": scheme.code, "level": "basic"},
        format="multipart")
    error = assert_error(response, 400, "invalid")
    assert "product_version" in error["details"]
    assert row_counts() == before


@pytest.mark.parametrize("body", [
    b'{"name": "\xff\xfe", "category": "firewall"}',  # not UTF-8
    b'{"name": "\\ud800", "category": "firewall"}',  # a lone surrogate
    b'{"name": "a\\u0000b", "category": "firewall"}',  # NUL
    b'{"na\\u0000me": "x", "category": "firewall"}',  # NUL in a key
])
def test_bad_input_api_invalid_unicode_is_400(api_client, vendor_member, body):
    before = row_counts()
    assert_error(_post_raw(auth(api_client, vendor_member), f"{API}products/", body), 400, "parse_error")
    assert row_counts() == before


@pytest.mark.parametrize("query", [
    {"vendor": str(INT64_MAX + 1)}, {"vendor": "-1"}, {"vendor": "9" * 5000}, {"vendor": "1.5"},
    {"q": "a\x00b"}, {"certificate_status": "x" * 10_000},
])
def test_bad_input_api_filters_out_of_range_are_400(anon, query):
    assert_error(anon.get(f"{API}products/", query), 400)


def test_bad_input_api_certificate_filter_out_of_range_is_400(anon):
    error = assert_error(anon.get(f"{API}certificates/", {"vendor": str(2**64)}), 400, "invalid")
    assert "vendor" in error["details"]


@pytest.mark.parametrize("path", [
    f"products/{INT64_MAX + 1}/", f"products/{10**30}/", f"vendors/{2**64}/", "products/0/",
    f"applications/{INT64_MAX + 1}/", f"applications/{INT64_MAX + 1}/cases/FW-01/",
])
def test_bad_input_api_ids_beyond_64_bits_in_paths_are_404(api_client, staff, path):
    assert_error(auth(api_client, staff).get(f"{API}{path}"), 404, "not_found")


def test_bad_input_api_largest_id_is_a_plain_404(api_client, staff):
    assert_error(auth(api_client, staff).get(f"{API}applications/{INT64_MAX}/"), 404, "not_found")


def test_bad_input_api_nul_in_path_or_query_is_400(anon):
    assert_error(anon.get(f"{API}certificates/VN%00X/"), 400, "invalid")
    assert_error(anon.get(f"{API}schemes/", {"page": "1\x00"}), 400, "invalid")


def test_bad_input_api_dates_out_of_range_are_400(api_client, evaluator, vendor_member):
    from registry.selectors import vendor_for_user

    vendor = vendor_for_user(vendor_member)
    before = _conflict_rows()
    auth(api_client, evaluator)
    for started_on, ended_on, field in (("9999-12-31", None, "started_on"), ("1000-01-01", None, "started_on"),
                                        ("2020-01-01", "9999-12-31", "ended_on"), ("0001-01-01", None, "started_on")):
        error = assert_error(api_client.post(f"{API}conflicts/", {
            "vendor": vendor.pk, "relation": "employment", "started_on": started_on, "ended_on": ended_on},
            format="json", HTTP_ACCEPT_LANGUAGE="en"), 400, "invalid")
        assert "between" in error["details"][field][0]
    # the end before the start, in the caller's language
    english = assert_error(api_client.post(f"{API}conflicts/", {
        "vendor": vendor.pk, "relation": "employment", "started_on": "2024-05-01", "ended_on": "2024-04-30"},
        format="json", HTTP_ACCEPT_LANGUAGE="en"), 400, "invalid")
    assert english["message"] == "The end date is before the start date."
    assert _conflict_rows() == before


def test_bad_input_api_release_date_out_of_range_is_400(api_client, vendor_member, product_version):
    before = row_counts()
    error = assert_error(auth(api_client, vendor_member).post(
        f"{API}products/{product_version.product_id}/versions/",
        {"version": "9.9", "release_date": "9999-12-31"}, format="json"), 400, "invalid")
    assert "release_date" in error["details"]
    assert row_counts() == before


def test_bad_input_api_over_long_text_is_400(api_client, staff, scheme):
    from tests.api.helpers import certified_product

    _product, certificate = certified_product(scheme=scheme)
    before = row_counts()
    error = assert_error(auth(api_client, staff).post(f"{API}certificates/{certificate.serial}/actions/", {
        "action": "suspend", "reason": "x" * 10_001}, format="json"), 400, "invalid")
    assert "reason" in error["details"]
    error = assert_error(api_client.post(f"{API}certificates/status/", {"serials": ["x" * 65]}, format="json"),
                         400, "invalid")
    assert row_counts() == before
    certificate.refresh_from_db()
    assert certificate.status == "active"


# Django's own answers under /api/ ----------------------------------------------------------------

@pytest.mark.parametrize("path", ["/api/", "/api/v2/products/", "/api/v1/products/1/nope/"])
def test_bad_input_api_unknown_paths_are_404_in_the_format(anon, path):
    assert_error(anon.get(path), 404, "not_found")


def test_bad_input_api_csrf_failure_is_403_in_the_format(vendor_member):
    client = Client(enforce_csrf_checks=True)
    client.force_login(vendor_member)
    # a plain Django view under /api/ (the docs page): Django's CSRF middleware refuses it
    error = assert_error(client.post("/api/v1/schema/docs/", {"x": "1"}), 403, "csrf_failed")
    assert "CSRF" in error["message"]
    # an unknown path is a 404 whatever the method
    assert_error(client.post("/api/v1/no-such-endpoint/", {"x": "1"}), 404, "not_found")
    # a DRF view with session authentication: DRF refuses it, in the same format
    before = row_counts()
    assert_error(client.post(f"{API}products/", {"name": "X", "category": "firewall"}), 403, "permission_denied")
    assert row_counts() == before


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1024)
def test_bad_input_api_body_too_large_is_413_in_the_format(api_client, vendor_member):
    before = row_counts()
    auth(api_client, vendor_member)
    big_json = json.dumps({"name": "x" * 2048, "category": "firewall"}).encode()
    error = assert_error(_post_raw(api_client, f"{API}products/", big_json), 413, "too_large")
    assert error["details"] == {"limit": 1024}
    # a form body: Django's own RequestDataTooBig
    response = _post_raw(api_client, f"{API}products/", b"name=" + b"x" * 2048 + b"&category=firewall",
                         content_type="application/x-www-form-urlencoded")
    assert_error(response, 413, "too_large")
    assert row_counts() == before


def test_bad_input_api_disallowed_host_is_400_in_the_format(anon):
    assert_error(anon.get(f"{API}schemes/", HTTP_HOST="attacker.example"), 400, "invalid")


def test_bad_input_api_405_of_a_plain_view_is_in_the_format(anon):
    response = anon.delete(f"{API}schema/docs/")
    assert_error(response, 405, "method_not_allowed")
    assert "GET" in response["Allow"]


def test_bad_input_api_415_is_in_the_format(anon):
    assert_error(anon.post(f"{API}certificates/status/", data="serials=A", content_type="text/plain"), 415,
                 "unsupported_media_type")


def test_bad_input_api_server_error_is_500_in_the_format(monkeypatch):
    from registry.api import views

    def broken(self):
        raise RuntimeError("boom")

    monkeypatch.setattr(views.SchemeListView, "get_queryset", broken)
    client = Client(raise_request_exception=False)
    english = assert_error(client.get(f"{API}schemes/", HTTP_ACCEPT_LANGUAGE="en"), 500, "server_error")
    assert "boom" not in english["message"]
    vietnamese = assert_error(client.get(f"{API}schemes/", HTTP_ACCEPT_LANGUAGE="vi"), 500, "server_error")
    assert vietnamese["message"] != english["message"]


def test_bad_input_api_pages_keep_html_errors(monkeypatch):
    from registry import views

    client = Client(raise_request_exception=False)
    response = client.get("/no-such-page/")
    assert response.status_code == 404 and response["Content-Type"].startswith("text/html")
    response = client.get("/verify/VN%00X/")
    assert response.status_code == 400 and response["Content-Type"].startswith("text/html")

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(views, "ProductFilterSet", broken)
    response = client.get("/")
    assert response.status_code == 500 and response["Content-Type"].startswith("text/html")
    assert b"boom" not in response.content


def test_bad_input_api_errors_are_json_even_when_a_browser_asks_for_html(anon):
    response = anon.get(f"{API}applications/", HTTP_ACCEPT="text/html")
    assert_error(response, 401, "not_authenticated")
    assert response["Content-Type"].startswith("application/json")
