"""The registry's search: words and prefixes on folded text, places, serials, typos and ranking."""

import pytest
from django.db import connection

from registry.models import Product
from registry.search import document, products_search, query_parse, serial_key, words
from registry.selectors import product_public_list
from tests.factories import ProductFactory
from tests.registry.public_support import certify, vendor_in

pytestmark = pytest.mark.django_db


def test_search_words_fold_accents_case_and_punctuation():
    assert words("Tường lửa (Đà Nẵng) — FortiGate-60F") == ["tuong", "lua", "da", "nang", "fortigate", "60f"]
    assert document("Bảo mật", "", "0101234567") == " bao mat 0101234567 "
    assert serial_key("vn-csp-2025-00001") == serial_key("VNCSP202500001") == "VNCSP202500001"


@pytest.mark.parametrize("query, places, terms", [
    ("da nang", ["48"], []),
    ("Đà Nẵng", ["48"], []),
    ("tường lửa thành phố hồ chí minh", ["79"], ["tuong", "lua"]),
    ("tp hcm firewall", ["79"], ["firewall"]),
    ("ha noi", ["01"], []),
    ("kết nối", [], ["ket", "noi"]),
])
def test_search_query_parse_recognises_places(query, places, terms):
    parsed = query_parse(query)
    assert [code for code, _ in parsed.places] == places
    assert list(parsed.terms) == terms


def test_search_query_parse_bounds_terms_and_ignores_punctuation():
    assert query_parse("!!! ??? ...").empty
    assert query_parse("'; DROP TABLE registry_product; --").terms == ("drop", "table", "registry", "product")
    parsed = query_parse(" ".join(f"w{i}" for i in range(50)))
    assert parsed.truncated and len(parsed.terms) == 8


def _found(query: str) -> list[str]:
    return [p.name for p in products_search(product_public_list(), query).order_by("search_rank", "name")]


def test_search_finds_by_name_vendor_tax_code_serial_and_place(scheme):
    danang = vendor_in("48", legal_name="Công ty Cổ phần Công nghệ Sông Hàn", tax_code="0400123456")
    firewall, certificate = certify(scheme=scheme, vendor=danang, name="Tường lửa Sông Hàn", name_en="Han Firewall")
    other, _ = certify(scheme=scheme, vendor=vendor_in("01"), name="Phần mềm diệt mã độc Thăng Long")
    assert _found("tuong lua") == [firewall.name]
    assert _found("TƯỜNG LỬA") == [firewall.name]
    assert _found("song han") == [firewall.name]
    assert _found("0400123456") == [firewall.name]
    assert _found("Han Firewall") == [firewall.name]
    assert _found(certificate.serial.lower()) == [firewall.name]
    assert _found(certificate.serial.replace("-", "")) == [firewall.name]
    assert _found("da nang") == [firewall.name] and _found("Đà Nẵng") == [firewall.name]
    assert _found("ha noi") == [other.name]
    assert _found("thang long") == [other.name]


def test_search_matches_words_and_prefixes_not_fragments(scheme):
    connect, _ = certify(scheme=scheme, vendor=vendor_in("31"), name="Cổng kết nối an toàn")
    certify(scheme=scheme, vendor=vendor_in("79"), name="Giải pháp phân tích hành vi")
    fortigate, _ = certify(scheme=scheme, vendor=vendor_in("79"), name="FortiGate 60F")
    assert _found("ha noi") == []  # neither "kết nối" nor "phân tích hành vi" is Hà Nội
    assert _found("noi") == [connect.name]
    assert _found("fortig") == [fortigate.name]  # the last word may be a prefix
    assert _found("ortigate") == []  # never a fragment inside a word
    assert _found("ket no") == [connect.name]
    assert _found("ke noi") == []  # earlier words are whole words


def test_search_ranks_exact_then_prefix_then_the_rest(scheme):
    vendor = vendor_in("79", legal_name="Công ty Bảo mật Sài Gòn")
    certify(scheme=scheme, vendor=vendor, name="Cổng bảo mật email")
    certify(scheme=scheme, vendor=vendor, name="Bảo mật")
    certify(scheme=scheme, vendor=vendor, name="Bảo mật Web")
    certify(scheme=scheme, vendor=vendor, name="Tường lửa")  # found through its vendor's name
    assert _found("bao mat") == ["Bảo mật", "Bảo mật Web", "Cổng bảo mật email", "Tường lửa"]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="typo tolerance uses PostgreSQL's pg_trgm")
def test_search_tolerates_typos_when_nothing_matches_exactly(client, scheme):
    from django.test.utils import CaptureQueriesContext

    certify(scheme=scheme, vendor=vendor_in("79"), name="FortiGate Next Generation")
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/", {"q": "fortigte"})
    assert len(queries.captured_queries) <= 10, [q["sql"][:120] for q in queries.captured_queries]
    assert [p.name for p in response.context["products"]] == ["FortiGate Next Generation"]
    assert response.context["fuzzy"] is True
    assert "similar words" in response.content.decode() or "tương tự" in response.content.decode()
    assert client.get("/", {"q": "bao mat fortigte"}).context["products"] == []


@pytest.mark.skipif(connection.vendor != "postgresql", reason="typo tolerance uses PostgreSQL's pg_trgm")
def test_search_typo_beside_a_common_word_reads_the_word_list_not_every_document(client, scheme):
    """A typo is matched against the list of indexed words (kept by a trigger, bulk writes included), and the
    similar words then match exactly: no trigram similarity is computed over product documents."""
    from django.db import connection as db
    from django.test.utils import CaptureQueriesContext

    from registry.models import SearchWord

    product, _ = certify(scheme=scheme, vendor=vendor_in("79"), name="Hệ thống Argoforge 3000")
    assert {"he", "thong", "argoforge", "3000"} <= set(SearchWord.objects.values_list("word", flat=True))
    Product.objects.bulk_create([Product(vendor=product.vendor, name="Bulk", category=product.category,
                                         search_document=document("Sentinelgate Bulk"))])
    Product.objects.filter(pk=product.pk).update(search_document=document(product.name, "Quasarwall"))
    assert SearchWord.objects.filter(word__in=["sentinelgate", "quasarwall"]).count() == 2
    with CaptureQueriesContext(db) as queries:
        response = client.get("/api/v1/products/", {"q": "thống argofoge"})
    assert [p["name"] for p in response.json()["results"]] == ["Hệ thống Argoforge 3000"]
    sqls = [q["sql"] for q in queries.captured_queries]
    similarity = [sql for sql in sqls if "%>" in sql or "<%" in sql]  # pg_trgm's word similarity operators
    assert similarity and all("registry_searchword" in sql and "registry_product" not in sql
                              for sql in similarity), sqls
    # a long word like no indexed word finds nothing, and says so without an error
    response = client.get("/api/v1/products/", {"q": "thống qqqqxxzz"})
    assert response.status_code == 200 and response.json()["count"] == 0


def test_search_document_follows_vendor_renames(scheme, staff):
    from registry.services import vendor_update

    vendor = vendor_in("01", legal_name="Công ty Alpha", verified_at=None)
    product, _ = certify(scheme=scheme, vendor=vendor, name="Sản phẩm A")
    vendor_update(vendor=vendor, actor=staff, legal_name="Công ty Thiên Long")
    product.refresh_from_db()
    assert " thien long " in product.search_document
    assert _found("thien long") == ["Sản phẩm A"]


def test_search_uncertified_products_are_not_public(scheme):
    ProductFactory(name="Tường lửa nháp")
    assert _found("nhap") == []
    assert Product.objects.filter(name="Tường lửa nháp").exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="GIN word indexes are PostgreSQL's")
def test_search_public_words_read_the_index_of_listed_products(scheme):
    """A public search reads the exact word index over listed products only (migration 0007), not every
    product's, and not the trigram candidates that need re-checking."""
    certify(scheme=scheme, name="Tường lửa Sông Hàn")
    ProductFactory.create_batch(3)  # not listed
    qs = products_search(product_public_list(), "tuong lua").prefetch_related(None)
    with connection.cursor() as cursor:
        # the tables are tiny here: the planner would scan them, or take the (name) index of listed products
        cursor.execute("SET LOCAL enable_seqscan = off; SET LOCAL enable_indexscan = off")
        cursor.execute("DROP INDEX registry_product_listed_idx")  # undone with the test's transaction
        plan = qs.explain()
    assert "registry_product_listed_words" in plan, plan
    assert [p.name for p in qs] == ["Tường lửa Sông Hàn"]
