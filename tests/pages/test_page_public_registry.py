"""The public registry pages at scale: query counts independent of the data, facets, sorting, export,
feeds, validators and 304s, cache invalidation on a status change, and hostile input."""

import csv
import io
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import VendorFactory
from tests.registry.public_support import certify

pytestmark = pytest.mark.django_db


@pytest.fixture
def registry_rows(scheme, certifier, staff):
    """`rows(n)`: n more certified products across provinces, categories and statuses."""
    made = []

    def rows(n: int):
        provinces = ["01", "48", "79", "31"]
        statuses = ["active", "active", "suspended", "revoked"]
        for _ in range(n):
            k = len(made)
            vendor = VendorFactory(province=provinces[k % 4])
            made.append(certify(scheme=scheme, actor=certifier, staff=staff, status=statuses[k % 4], vendor=vendor,
                                name=f"Tường lửa Bảo mật {k:03d}", category=["firewall", "waf"][k % 2],
                                mvn_researched=True, mvn_developed=k % 3 == 0, mvn_produced=True,
                                mvn_source_owner=True))
        return made

    return rows


def _public_urls(made, scheme) -> list[str]:
    product, certificate = made[0]
    return [
        "/", "/?q=bao+mat", "/?q=tuong+lua&category=firewall&certificate_status=active&province=01&ordering=-name",
        "/?q=da+nang&level=basic&scheme=" + scheme.code, "/?made_in_vietnam=true", "/?q=zzzz-nothing",
        f"/products/{product.pk}/", f"/vendors/{product.vendor_id}/", "/vendors/", "/vendors/?province=79",
        "/schemes/", f"/schemes/{scheme.code}/", "/recent/", "/feeds/certificates.atom",
        f"/feeds/vendors/{product.vendor_id}/certificates.atom", "/feeds/categories/firewall/certificates.atom",
        "/open-data/", "/statistics/", "/in-evaluation/", f"/verify/{certificate.serial}/",
        "/api/v1/products/?q=bao+mat&category=firewall", f"/api/v1/products/{product.pk}/",
        f"/api/v1/certificates/{certificate.serial}/", "/api/v1/certificates/?status=active", "/api/v1/vendors/",
    ]


def _queries(client, url: str) -> int:
    from django.core.cache import cache

    cache.clear()  # the cold path: nothing cached
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(ctx.captured_queries)


def test_public_pages_query_count_does_not_grow_with_rows(client, registry_rows, scheme):
    made = registry_rows(5)
    small = {url: _queries(client, url) for url in _public_urls(made, scheme)}
    registry_rows(45)
    large = {url: _queries(client, url) for url in _public_urls(made, scheme)}
    # the API's product list counts its matches only when they fill more than its first page (five rows fit
    # on one page; fifty do not), so it may send one query more for the larger registry, and never more
    short_page = "/api/v1/products/?q=bao+mat&category=firewall"
    assert small[short_page] <= large[short_page] <= small[short_page] + 1
    small[short_page] = large[short_page]
    assert small == large, {u: (small[u], large[u]) for u in small if small[u] != large[u]}
    assert max(large.values()) <= 10, large
    print("\nqueries per public page (cold cache):", json.dumps(large, indent=1))


def test_public_pages_cached_answer_costs_no_query(client, registry_rows, scheme):
    made = registry_rows(5)
    for url in _public_urls(made, scheme):
        client.get(url)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        assert len(ctx.captured_queries) == 0, (url, [q["sql"][:80] for q in ctx.captured_queries])


def test_product_list_facets_count_each_option_with_the_other_filters(client, registry_rows):
    registry_rows(8)  # 4 per category; provinces 01, 48, 79, 31 in turn; statuses a, a, s, r in turn
    response = client.get("/", {"category": "firewall"})
    facets = {name: {value: count for value, _label, count in options}
              for name, options in response.context["facets"].items()}
    assert facets["category"]["firewall"] == 4 and facets["category"]["waf"] == 4  # its own filter set aside
    assert facets["province"] == {**{code: 0 for code in facets["province"]}, "01": 2, "79": 2}
    assert facets["certificate_status"]["active"] == 2 and facets["certificate_status"]["suspended"] == 2
    assert "Tường lửa thế hệ mới (4)" in response.content.decode()


@pytest.mark.parametrize("params", [
    {}, {"q": "tuong lua"}, {"certificate_status": "active"}, {"province": "48", "certificate_status": "suspended"},
    {"q": "bao mat", "category": "waf", "level": "basic"}, {"made_in_vietnam": "false", "certificate_status": "revoked",
                                                           "scheme": "SCHEME", "province": "79"},
])
def test_product_list_facets_equal_filtering_by_each_option(registry_rows, scheme, params):
    """Every option's count is what the list would hold with that option chosen and the other filters as
    they are (the definition, computed the slow way: one filtered list per option)."""
    from registry.filtersets import ProductFilterSet
    from registry.selectors import product_facets, product_public_list

    registry_rows(12)
    params = {k: (scheme.code if v == "SCHEME" else v) for k, v in params.items()}
    filterset = ProductFilterSet(params, queryset=product_public_list())
    assert filterset.is_valid(), filterset.errors
    facets = product_facets(filterset)
    for facet in ProductFilterSet.FACETS:
        options = {"made_in_vietnam": ["true", "false"], "scheme": [scheme.code]}.get(facet) or [
            value for value, _label in ProductFilterSet.base_filters[facet].extra["choices"]]
        for option in options:
            expected = ProductFilterSet({**params, facet: option}, queryset=product_public_list()).qs.count()
            assert facets[facet].get(str(option), 0) == expected, (facet, option, facets[facet])


def test_product_list_sorts_by_column_headers(client, registry_rows):
    registry_rows(3)
    names = [p.name for p in client.get("/", {"ordering": "-name"}).context["products"]]
    assert names == sorted(names, reverse=True)
    html = client.get("/", {"ordering": "name"}).content.decode()
    assert "ordering=-name" in html and 'aria-sort="ascending"' in html


def test_product_list_and_api_share_the_filters(client, registry_rows):
    registry_rows(8)
    params = {"q": "tuong lua", "category": "waf", "province": "48", "certificate_status": "active"}
    page = {p.pk for p in client.get("/", params).context["products"]}
    api = {p["id"] for p in client.get("/api/v1/products/", params).json()["results"]}
    assert page == api and len(page) == 2


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_export_streams_every_row_of_a_search(client, registry_rows, fmt):
    registry_rows(30)
    response = client.get("/api/v1/products/export/", {"format": fmt, "category": "firewall", "page_size": 2})
    assert response.status_code == 200 and response.streaming
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    if fmt == "csv":
        rows = list(csv.DictReader(io.StringIO(body)))
        assert len(rows) == 15 and {r["category"] for r in rows} == {"firewall"}
        assert rows[0]["certificate_serial"].startswith("VN-CSP-")
    else:
        rows = json.loads(body)
        assert len(rows) == 15 and rows[0]["certificates"][0]["verify_url"].endswith("/")


def test_export_refuses_an_unknown_format_in_the_error_format(client):
    response = client.get("/api/v1/products/export/", {"format": "xml"})
    assert response.status_code == 400 and response.json()["error"]["code"] == "invalid"


def test_feeds_list_new_and_changed_certificates(client, registry_rows):
    made = registry_rows(4)
    body = client.get("/feeds/certificates.atom").content.decode()
    assert body.startswith("<?xml") and "http://www.w3.org/2005/Atom" in body
    assert made[3][1].serial in body and body.count("<entry>") == 4 + 2  # four issued, one suspended, one revoked
    waf = client.get("/feeds/categories/waf/certificates.atom").content.decode()
    assert made[1][1].serial in waf and made[0][1].serial not in waf
    assert client.get("/feeds/categories/nothing/certificates.atom").status_code == 404


def test_lists_and_certificates_answer_304_until_something_changes(client, registry_rows, staff):
    from registry.services import certificate_transition

    made = registry_rows(2)
    certificate = made[0][1]
    for url in ("/", f"/api/v1/certificates/{certificate.serial}/", f"/verify/{certificate.serial}/",
                "/feeds/certificates.atom", "/api/v1/products/"):
        first = client.get(url)
        assert first["ETag"] and first["Last-Modified"], url
        again = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
        assert again.status_code == 304, url
        since = client.get(url, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
        assert since.status_code == 304, url
    etag = client.get(f"/api/v1/certificates/{certificate.serial}/")["ETag"]
    certificate_transition(certificate=certificate, action="suspend", actor=staff, reason="Lỗ hổng")
    changed = client.get(f"/api/v1/certificates/{certificate.serial}/", HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and changed.json()["status"] == "suspended"


def test_status_change_is_never_served_from_the_old_cache(client, registry_rows, staff):
    from registry.services import certificate_transition

    made = registry_rows(1)
    product, certificate = made[0]
    assert "status-active" in client.get(f"/products/{product.pk}/").content.decode()
    client.get("/", {"q": "tuong lua"})
    certificate_transition(certificate=certificate, action="revoke", actor=staff, reason="Vi phạm")
    assert "status-revoked" in client.get(f"/products/{product.pk}/").content.decode()
    assert client.get("/", {"q": "tuong lua", "certificate_status": "active"}).context["products"] == []


def test_signed_in_pages_are_not_served_from_the_anonymous_cache(client, registry_rows, procurement):
    registry_rows(1)
    client.get("/")
    client.force_login(procurement)
    html = client.get("/").content.decode()
    assert procurement.display_name in html and reverse("registry:watchlist_list") in html


@pytest.mark.parametrize("query", [
    "x" * 10_000, "!!!???...", "' OR 1=1; DROP TABLE registry_product; --", "{{ 7*7 }}{% debug %}",
    "%_%\\", "\u0000abc", "😀" * 50, "a " * 300,
])
def test_hostile_search_gets_a_clear_answer(client, registry_rows, query):
    registry_rows(2)
    for url, extra in (("/", {}), ("/api/v1/products/", {}), ("/api/v1/products/export/", {"format": "csv"})):
        response = client.get(url, {"q": query, **extra})
        assert response.status_code in (200, 400), (url, response.status_code)
        if response.status_code == 200 and not response.streaming:
            assert "49" not in response.content.decode() or "{{" not in query
    page = client.get("/", {"q": query})
    if len(query) > 200:
        assert page.status_code == 400 and "200" in page.content.decode()


def test_open_data_dump_has_checksum_licence_and_every_row(client, registry_rows, settings, tmp_path):
    import gzip
    import hashlib

    from registry.exports import open_data_dump_create

    registry_rows(7)
    dumps = {d.format: d for d in open_data_dump_create()}
    page = client.get("/open-data/").content.decode()
    assert dumps["csv"].sha256 in page and "CC BY 4.0" in page
    download = client.get(reverse("registry:open_data_download", args=[dumps["json"].pk]))
    raw = b"".join(download.streaming_content)
    assert hashlib.sha256(raw).hexdigest() == dumps["json"].sha256 == download["X-Checksum-SHA256"]
    document = json.loads(gzip.decompress(raw))
    assert len(document["products"]) == 7 and document["licence"]["url"].startswith("https://creativecommons.org")
    assert dumps["csv"].rows == 7


def test_search_counts_up_to_a_cap_and_says_so(client, registry_rows, settings):
    registry_rows(6)
    settings.SEARCH_COUNT_CAP = 4
    page = client.get("/", {"q": "tuong lua"})
    assert page.context["count_exact"] is False and page.context["page_obj"].paginator.count == 4
    api = client.get("/api/v1/products/", {"q": "tuong lua"}).json()
    assert api["count"] == 4 and api["count_exact"] is False
    whole = client.get("/api/v1/products/").json()
    assert whole["count"] == 6 and whole["count_exact"] is True


def test_empty_search_says_what_to_do_next(client, scheme, _translations_compiled):
    """No result: spelling, the same words without the filters, the verification page, what is in evaluation."""
    certify(scheme=scheme, name="Tường lửa Trường Sơn")
    page = client.get("/?q=zzqx&category=edr&made_in_vietnam=true", HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    assert "Không có sản phẩm được chứng nhận nào phù hợp." in page
    assert 'href="/?q=zzqx"' in page and 'href="/verify/"' in page and 'href="/in-evaluation/"' in page
    assert "Hãy kiểm tra chính tả" in page
    # filters alone: show every product instead
    page = client.get("/?category=edr").content.decode()
    assert 'id="no-results"' in page and 'href="/?q=' not in page and "Hãy kiểm tra chính tả" not in page
    assert 'href="/">' in page


def test_empty_watchlist_page_says_how_to_start(client, procurement, _translations_compiled):
    client.force_login(procurement)
    page = client.get(reverse("registry:watchlist_list")).content.decode()
    assert 'id="no-watchlists"' in page and "dán số hiệu giấy chứng nhận từ hồ sơ mua sắm" in page
    assert 'href="/"' in page
