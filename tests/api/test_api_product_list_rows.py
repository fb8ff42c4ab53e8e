"""The product list's fast rows (ProductListRows) answer exactly what ProductListSerializer would, and a search
page costs a fixed number of queries: a short first page is not counted again."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from registry.api.serializers import ProductListRows, ProductListSerializer
from registry.selectors import product_public_list
from tests.registry.public_support import certify, vendor_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def registry(scheme, staff):
    hanoi = vendor_in("01", legal_name="Công ty An ninh Thăng Long", name_en="Thang Long Security")
    a, _ = certify(scheme=scheme, vendor=hanoi, name="Tường lửa Thăng Long", name_en="Thang Long Firewall")
    certify(scheme=scheme, product=a, status="suspended", level="substantial", staff=staff)  # a second certificate, newer
    certify(scheme=scheme, vendor=vendor_in("48", name_en=""), name="Cổng bảo mật Sông Hàn", status="revoked",
            staff=staff)
    return a


@pytest.mark.parametrize("language", ["vi", "en"])
def test_product_list_rows_equal_the_serializer(registry, language):
    products = product_public_list().order_by("name", "pk")
    with translation.override(language):
        expected = ProductListSerializer(list(products), many=True).data
        rows = ProductListRows.data(ProductListRows.queryset(products))
    assert [dict(item) for item in expected] == rows
    assert len(rows) == 2 and len(rows[1]["certificates"]) == 2  # both of the first product's certificates


def test_product_list_api_is_the_serializer_output(client, registry):
    body = client.get("/api/v1/products/", {"q": "thang long"}).json()
    expected = ProductListSerializer(list(product_public_list().filter(pk=registry.pk)), many=True).data
    assert body["count"] == 1 and body["count_exact"] is True and body["next"] is None
    assert body["results"] == [dict(item) for item in expected]


def test_product_search_short_first_page_is_not_counted_again(client, registry, django_assert_max_num_queries):
    with CaptureQueriesContext(connection) as queries:
        body = client.get("/api/v1/products/", {"q": "tuong lua"}).json()
    assert body["count"] == 1
    assert not any(q["sql"].startswith("SELECT COUNT(") for q in queries.captured_queries), queries.captured_queries
    # the page's rows (with their count), their certificates: no query first asks whether any match
    assert len(queries.captured_queries) == 2, [q["sql"] for q in queries.captured_queries]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="typo tolerance uses PostgreSQL's pg_trgm")
def test_product_search_typo_on_any_page_finds_similar_words(client, registry):
    first = client.get("/api/v1/products/", {"q": "thang longg"}).json()
    assert [p["name"] for p in first["results"]] == ["Tường lửa Thăng Long"]
    assert client.get("/api/v1/products/", {"q": "thang longg", "page": 2}).status_code == 404  # one page only
    again = client.get("/api/v1/products/", {"q": "thang longg", "page": 1, "page_size": 1}).json()
    assert again["count"] == 1 and again["results"][0]["name"] == "Tường lửa Thăng Long"
    assert client.get("/api/v1/products/", {"q": "zzzzqqqq"}).json()["count"] == 0


def test_product_search_full_first_page_counts_and_links_the_next(client, registry, settings):
    body = client.get("/api/v1/products/", {"page_size": 1}).json()
    assert body["count"] == 2 and body["next"] and len(body["results"]) == 1
    second = client.get("/api/v1/products/", {"page_size": 1, "page": 2}).json()
    assert second["count"] == 2 and second["previous"] and second["next"] is None
    assert client.get("/api/v1/products/", {"page": 3}).status_code == 404
    assert client.get("/api/v1/products/", {"page": "x"}).status_code == 404
    assert client.get("/api/v1/products/", {"page": "last", "page_size": 1}).json()["results"][0]["id"] == \
        second["results"][0]["id"]


@pytest.mark.parametrize("serial", ["VN-CSP-2025-00001", "vn-csp-2025-00001", "A B/C?d=1", "Đ-1", "SERIALMARKER0"])
def test_verify_url_maker_equals_reversing_each_serial(serial):
    from registry.api.serializers import certificate_verify_url, certificate_verify_url_maker

    assert certificate_verify_url_maker()(serial) == certificate_verify_url(serial)


def test_product_search_by_relevance_reads_its_count_with_the_page(client, registry, settings):
    """A full first page sorted by relevance carries COUNT(*) OVER (): no count query, the cap still holds."""
    from django.core.cache import cache
    with CaptureQueriesContext(connection) as queries:
        body = client.get("/api/v1/products/", {"q": "thang", "page_size": 1}).json()
    assert body["count"] == 1 and body["count_exact"] is True
    with CaptureQueriesContext(connection) as queries:
        body = client.get("/api/v1/products/", {"q": "cong", "page_size": 1}).json()  # both products
    assert (body["count"], body["count_exact"], len(body["results"])) == (2, True, 1) and body["next"]
    assert not any(q["sql"].startswith("SELECT COUNT(") for q in queries.captured_queries)
    settings.SEARCH_COUNT_CAP = 1
    cache.clear()  # the same address was answered (and cached) under the old cap
    body = client.get("/api/v1/products/", {"q": "cong", "page_size": 1}).json()
    assert (body["count"], body["count_exact"], body["next"]) == (1, False, None)
    # sorted by name, the first page stops early: the count is a query of its own, and agrees
    with CaptureQueriesContext(connection) as queries:
        body = client.get("/api/v1/products/", {"q": "cong", "page_size": 1, "ordering": "name"}).json()
    assert (body["count"], body["count_exact"]) == (1, False)
    assert any(q["sql"].startswith("SELECT COUNT(") for q in queries.captured_queries)
