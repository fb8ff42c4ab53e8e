"""The public registry API: search, filters, bulk status, query counts, schema and docs page."""

import re

import pytest

from tests.api.helpers import API, assert_error, auth, certified_product, row_counts
from tests.factories import ProductFactory, VendorFactory

pytestmark = pytest.mark.django_db


# Search and filters ----------------------------------------------------------------------------

def test_public_api_search_is_accent_insensitive(anon, scheme):
    danang, _ = certified_product(scheme=scheme, name="Tường lửa Bảo mật Đà Nẵng", name_en="Da Nang Firewall")
    certified_product(scheme=scheme, name="Phần mềm diệt mã độc Huế", name_en="Hue Anti-malware",
                      description_vi="Phần mềm diệt mã độc cho máy trạm.", description_en="Endpoint anti-malware.")

    def found(q):
        response = anon.get(f"{API}products/", {"q": q})
        assert response.status_code == 200
        return [p["id"] for p in response.json()["results"]]

    assert found("bao mat da nang") == [danang.pk]
    assert found("BẢO MẬT") == [danang.pk]
    assert found("đà nẵng") == [danang.pk]
    assert found("tuong lua") == [danang.pk]
    assert found("bao mat hue") == []


def test_public_api_product_filters(anon, scheme, staff):
    from registry.services import certificate_transition
    from tests.factories import SchemeFactory

    other_scheme = SchemeFactory()
    zeta = VendorFactory(legal_name="Công ty Zeta")
    mvn, _ = certified_product(scheme=scheme, vendor=zeta, name="Alpha", category="firewall",
                               mvn_researched=True, mvn_developed=True, mvn_produced=True, mvn_source_owner=True)
    certified_product(scheme=other_scheme, vendor=VendorFactory(legal_name="Công ty Beta"), name="Beta",
                      category="siem", level="high")
    _edr, edr_cert = certified_product(scheme=scheme, vendor=VendorFactory(legal_name="Công ty Mu"), name="Gamma",
                                       category="edr")
    certificate_transition(certificate=edr_cert, action="suspend", actor=staff, reason="Đang xem xét")

    def names(**params):
        response = anon.get(f"{API}products/", params)
        assert response.status_code == 200, response.content
        return [p["name"] for p in response.json()["results"]]

    assert names() == ["Alpha", "Beta", "Gamma"]
    assert names(category="siem") == ["Beta"]
    assert names(vendor=zeta.pk) == ["Alpha"]
    assert names(made_in_vietnam="true") == ["Alpha"]
    assert names(made_in_vietnam="false") == ["Beta", "Gamma"]
    assert names(certificate_status="suspended") == ["Gamma"]
    assert names(certificate_status="active") == ["Alpha", "Beta"]
    assert names(scheme=other_scheme.code) == ["Beta"]
    assert names(level="high") == ["Beta"]
    assert names(level="high", scheme=scheme.code) == []  # both must hold for the same certificate
    assert names(ordering="-name") == ["Gamma", "Beta", "Alpha"]
    assert names(ordering="-issued_at") == ["Gamma", "Beta", "Alpha"]
    assert names(ordering="issued_at") == ["Alpha", "Beta", "Gamma"]
    assert names(ordering="vendor") == ["Beta", "Gamma", "Alpha"]
    assert names(ordering="-vendor") == ["Alpha", "Gamma", "Beta"]
    assert_error(anon.get(f"{API}products/", {"ordering": "price"}), 400, "invalid")
    assert_error(anon.get(f"{API}products/", {"vendor": "abc"}), 400, "invalid")
    assert_error(anon.get(f"{API}products/", {"scheme": "no-such-scheme"}), 400, "invalid")
    page = anon.get(f"{API}products/", {"page_size": 2}).json()
    assert page["count"] == 3 and len(page["results"]) == 2 and page["next"] and page["previous"] is None
    assert mvn.made_in_vietnam
    assert anon.get(f"{API}products/{mvn.pk}/").json()["made_in_vietnam"] is True


def test_public_api_product_filterset_works_with_a_plain_querydict(scheme):
    """The HTML list page passes request.GET straight in."""
    from django.contrib.auth.models import AnonymousUser
    from django.http import QueryDict

    from registry.filtersets import ProductFilterSet
    from registry.selectors import product_visible_list

    danang, _ = certified_product(scheme=scheme, name="Tường lửa Bảo mật Đà Nẵng")
    certified_product(scheme=scheme, name="Bảo mật Huế", level="high")
    qs = product_visible_list(user=AnonymousUser())
    filterset = ProductFilterSet(QueryDict("q=bao+mat&level=basic&ordering=-issued_at"), queryset=qs)
    assert filterset.is_valid()
    assert list(filterset.qs) == [danang]
    # an invalid value does not break the page: the form reports it
    filterset = ProductFilterSet(QueryDict("certificate_status=forever"), queryset=qs)
    assert not filterset.is_valid() and "certificate_status" in filterset.errors
    assert "q" in filterset.form.fields and "ordering" in filterset.form.fields


def test_public_api_certificate_filters_and_detail(anon, scheme):
    vendor = VendorFactory()
    _p, basic = certified_product(scheme=scheme, vendor=vendor)
    _p, high = certified_product(scheme=scheme, level="high")

    def serials(**params):
        return [c["serial"] for c in anon.get(f"{API}certificates/", params).json()["results"]]

    assert set(serials()) == {basic.serial, high.serial}
    assert serials(level="high") == [high.serial]
    assert serials(vendor=vendor.pk) == [basic.serial]
    assert set(serials(scheme=scheme.code, status="active")) == {basic.serial, high.serial}
    assert serials(status="revoked") == []

    body = anon.get(f"{API}certificates/{basic.serial}/").json()
    assert set(body) >= {"serial", "status", "status_reason", "issued_at", "valid_until", "product",
                         "product_version", "vendor", "scheme", "level", "verify_url", "pdf_url"}
    from django.conf import settings

    assert body["verify_url"] == f"{settings.SITE_URL}/verify/{basic.serial}/"
    assert body["pdf_url"] == f"{settings.SITE_URL}/certificates/{basic.serial}/pdf/"


def test_public_api_vendors_and_schemes(anon, scheme, other_vendor_member):
    from registry.selectors import vendor_for_user

    vendor = VendorFactory()
    product, _ = certified_product(scheme=scheme, vendor=vendor)
    ProductFactory(vendor=vendor, name="Chưa chứng nhận")

    vendors = anon.get(f"{API}vendors/").json()["results"]
    assert [v["id"] for v in vendors] == [vendor.pk]  # vendors without certificates are not listed
    assert [p["id"] for p in vendors[0]["certified_products"]] == [product.pk]
    detail = anon.get(f"{API}vendors/{vendor.pk}/").json()
    assert detail["tax_code"] == vendor.tax_code and len(detail["certified_products"]) == 1
    assert_error(anon.get(f"{API}vendors/{vendor_for_user(other_vendor_member).pk}/"), 404, "not_found")

    schemes = anon.get(f"{API}schemes/").json()["results"]
    assert [s["code"] for s in schemes] == [scheme.code]
    body = anon.get(f"{API}schemes/{scheme.code}/").json()
    assert body["version"] == scheme.version and body["levels"] == ["basic", "substantial", "high"]
    assert body["thresholds"] == scheme.thresholds and body["required_documents"] == scheme.required_documents
    req = {r["code"]: r for r in body["requirements"]}
    assert req["INT-01"] == {"code": "INT-01", "group": "vulnerability", "title_vi": "Chặn lưu lượng theo chính sách",
                             "title_en": "Blocks traffic by policy", "mandatory": True, "weight": 1,
                             "method": "automated", "check_key": "artifact.integrity",
                             "levels": ["basic", "substantial", "high"]}


# Bulk status -----------------------------------------------------------------------------------

def test_public_api_bulk_status_10000_serials_in_constant_queries(anon, scheme, settings,
                                                                  django_assert_max_num_queries):
    known = [certified_product(scheme=scheme)[1] for _ in range(3)]
    unknown = [f"VN-CSP-1999-{i:05d}" for i in range(settings.BULK_STATUS_MAX_SERIALS - len(known))]
    serials = [c.serial for c in known] + unknown
    assert len(serials) == 10_000

    with django_assert_max_num_queries(3) as small:
        response = anon.post(f"{API}certificates/status/", {"serials": serials[:10]}, format="json")
    assert response.status_code == 200
    with django_assert_max_num_queries(3) as large:
        response = anon.post(f"{API}certificates/status/", {"serials": serials}, format="json")
    assert response.status_code == 200
    assert len(large.captured_queries) == len(small.captured_queries) == 1  # one lookup, whatever the count

    body = response.json()
    assert body["checked_at"]
    results = body["results"]
    assert len(results) == 10_000 and [r["serial"] for r in results] == serials
    first = results[0]
    assert first["status"] == "active" and first["product"] == known[0].product.name
    assert first["vendor"] == known[0].vendor.legal_name and first["valid_until"]
    assert results[-1] == {"serial": unknown[-1], "status": "not_found", "valid_until": None, "product": None,
                           "vendor": None}


def test_public_api_bulk_status_over_the_limit_is_413(anon, settings):
    serials = [f"VN-CSP-1999-{i:05d}" for i in range(settings.BULK_STATUS_MAX_SERIALS + 1)]
    error = assert_error(anon.post(f"{API}certificates/status/", {"serials": serials}, format="json"),
                         413, "too_large")
    assert error["details"] == {"limit": 10_000, "count": 10_001}


@pytest.mark.parametrize("body", [{}, {"serials": "VN-CSP-2025-00001"}, {"serials": [1, 2]},
                                  {"serials": []}, {"serials": [None]}, {"serials": ["x" * 65]}, ["VN-CSP"]])
def test_public_api_bulk_status_validates_input(anon, body):
    error = assert_error(anon.post(f"{API}certificates/status/", body, format="json"), 400, "invalid")
    assert error["details"]


def test_public_api_bulk_status_wants_json(anon):
    assert_error(anon.post(f"{API}certificates/status/", {"serials": "x"}), 415, "unsupported_media_type")


# Query counts: the same for 25 and 45 rows; 5 rows (one short page) may skip the count ----------------

def _queries(client, url, django_assert_max_num_queries, limit=12) -> int:
    with django_assert_max_num_queries(limit) as ctx:
        response = client.get(url)
    assert response.status_code == 200, response.content
    return len(ctx.captured_queries)


@pytest.mark.parametrize("path", ["products/", "vendors/", "certificates/", "schemes/",
                                  "products/?q=bao+mat&ordering=-issued_at&certificate_status=active"])
def test_public_api_list_queries_do_not_grow(anon, scheme, path, django_assert_max_num_queries):
    from tests.factories import scheme_with_requirements

    def add(n):
        for _ in range(n):
            certified_product(scheme=scheme, vendor=VendorFactory())
            scheme_with_requirements()

    add(5)
    few = _queries(anon, API + path, django_assert_max_num_queries)
    add(20)
    many = _queries(anon, API + path, django_assert_max_num_queries)
    add(20)
    more = _queries(anon, API + path, django_assert_max_num_queries)
    assert many == more
    assert few <= many <= few + 1  # a full first page is counted; a short one is its own count


def test_public_api_product_queries_do_not_grow_for_a_vendor(api_client, vendor_member, scheme,
                                                             django_assert_max_num_queries):
    from registry.selectors import vendor_for_user
    from tests.factories import ProductVersionFactory

    vendor = vendor_for_user(vendor_member)
    auth(api_client, vendor_member)

    def add(n):
        for _ in range(n):
            certified_product(scheme=scheme)
            ProductVersionFactory(product__vendor=vendor)  # own, uncertified

    add(3)
    few = _queries(api_client, f"{API}products/", django_assert_max_num_queries)
    add(10)
    many = _queries(api_client, f"{API}products/", django_assert_max_num_queries)
    add(10)
    more = _queries(api_client, f"{API}products/", django_assert_max_num_queries)
    assert many == more
    assert few <= many <= few + 1  # a full first page is counted; a short one is its own count


def test_public_api_product_create_and_version(api_client, vendor_member):
    before = row_counts()
    auth(api_client, vendor_member)
    response = api_client.post(f"{API}products/", {"name": "EDR Sao Khuê", "category": "edr"}, format="json")
    assert response.status_code == 201, response.content
    product_id = response.json()["id"]
    duplicate = api_client.post(f"{API}products/", {"name": "EDR Sao Khuê", "category": "edr"}, format="json")
    assert_error(duplicate, 400, "duplicate")
    assert_error(api_client.post(f"{API}products/", {"name": "X", "category": "toaster"}, format="json"), 400)
    response = api_client.post(f"{API}products/{product_id}/versions/",
                               {"version": "3.1", "release_date": "2025-07-01", "notes": "Bản phát hành"},
                               format="json")
    assert response.status_code == 201, response.content
    assert response.json()["release_date"] == "2025-07-01"
    assert_error(api_client.post(f"{API}products/{product_id}/versions/", {"version": "3.1"}, format="json"),
                 400, "duplicate")
    detail = api_client.get(f"{API}products/{product_id}/").json()
    assert [v["version"] for v in detail["versions"]] == ["3.1"] and detail["certificates"] == []
    after = row_counts()
    assert after["Product"] == before["Product"] + 1 and after["ProductVersion"] == before["ProductVersion"] + 1


# Schema and docs -------------------------------------------------------------------------------

def test_public_api_schema_is_openapi_3(anon):
    response = anon.get(f"{API}schema/", {"format": "json"})
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    for path in ("products/", "products/{id}/", "products/{id}/versions/", "vendors/", "vendors/{id}/",
                 "certificates/", "certificates/{serial}/", "certificates/status/", "certificates/{serial}/actions/",
                 "schemes/", "schemes/{code}/", "applications/", "applications/{id}/", "applications/{id}/artifacts/",
                 "applications/{id}/actions/", "applications/{id}/cases/{requirement_code}/"):
        assert f"/api/v1/{path}" in schema["paths"], path
    assert "post" in schema["paths"]["/api/v1/certificates/status/"]
    yaml_response = anon.get(f"{API}schema/")
    assert yaml_response.status_code == 200 and b"openapi: 3." in yaml_response.content


def test_public_api_docs_page_is_self_hosted(anon):
    response = anon.get(f"{API}schema/docs/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    html = response.content.decode()
    assert "/api/v1/certificates/status/" in html and "/api/v1/applications/{id}/actions/" in html
    assert "Check the status of many certificates at once" in html
    links = re.findall(r'(?:src|href|action)\s*=\s*["\']([^"\']*)["\']', html)
    assert links
    assert [u for u in links if re.match(r"^(?:[a-z][a-z0-9+.-]*:)?//", u, re.I)] == []
    assert "<script" not in html.lower()
    assert f"{API}schema/?format=json" in html
