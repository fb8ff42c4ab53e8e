import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import ProductFactory, ProductVersionFactory, VendorFactory

pytestmark = pytest.mark.django_db


def _mvn_product(**kwargs):
    return ProductFactory(mvn_researched=True, mvn_developed=True, mvn_produced=True, mvn_source_owner=True, **kwargs)


def test_product_list_shows_name_vendor_category_badge_and_certificate(client, make_certificate):
    product = _mvn_product(name="Tường lửa Bảo mật Lạc Hồng", name_en="Lac Hong Secure Firewall")
    certificate = make_certificate(product=product, level="substantial")
    ProductFactory(name="Sản phẩm chưa chứng nhận")  # never certified: not in the public registry
    html = client.get(reverse("registry:product_list")).content.decode()
    assert "Tường lửa Bảo mật Lạc Hồng" in html and "Lac Hong Secure Firewall" not in html
    assert product.vendor.legal_name in html and "Tường lửa thế hệ mới" in html
    assert "badge-mvn" in html and certificate.serial in html and "status-active" in html and "Nâng cao" in html
    assert "Sản phẩm chưa chứng nhận" not in html
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    html = client.get(reverse("registry:product_list")).content.decode()
    assert "Tường lửa Bảo mật Lạc Hồng" in html and "Lac Hong Secure Firewall" in html
    assert "Next-generation firewall" in html and "Substantial" in html


def test_product_list_search_ignores_accents(client, make_certificate):
    make_certificate(product=ProductFactory(name="Giải pháp Bảo mật Đà Nẵng"))
    make_certificate(product=ProductFactory(name="Tường lửa Hà Nội"))
    html = client.get(reverse("registry:product_list"), {"q": "bao mat da nang"}).content.decode()
    assert "Giải pháp Bảo mật Đà Nẵng" in html and "Tường lửa Hà Nội" not in html


@pytest.mark.parametrize("params, expected", [
    ({"category": "waf"}, {"WAF"}),
    ({"made_in_vietnam": "true"}, {"MVN"}),
    ({"certificate_status": "revoked"}, {"Revoked"}),
    ({"level": "high"}, {"High"}),
    ({"category": "firewall", "certificate_status": "active"}, {"MVN", "High"}),
])
def test_product_list_filters(client, make_certificate, params, expected):
    make_certificate(product=ProductFactory(name="WAF", category="waf"))
    make_certificate(product=_mvn_product(name="MVN"))
    make_certificate("revoked", product=ProductFactory(name="Revoked"))
    make_certificate(product=ProductFactory(name="High"), level="high")
    response = client.get(reverse("registry:product_list"), params)
    assert response.status_code == 200
    names = {p.name for p in response.context["products"]}
    assert names == expected


def test_product_list_filter_by_scheme(client, make_certificate, scheme):
    make_certificate(product=ProductFactory(name="In scheme"))
    response = client.get(reverse("registry:product_list"), {"scheme": scheme.code})
    assert {p.name for p in response.context["products"]} == {"In scheme"}
    assert f'<option value="{scheme.code}" selected>' in response.content.decode()


def test_product_list_paginates_keeping_filters(client, make_certificate):
    for n in range(25):
        make_certificate(product=ProductFactory(name=f"Sản phẩm {n:02d}"))
    page1 = client.get(reverse("registry:product_list"), {"category": "firewall"})
    assert len(page1.context["products"]) == 20
    assert "?category=firewall&amp;page=2" in page1.content.decode()
    page2 = client.get(reverse("registry:product_list"), {"category": "firewall", "page": 2})
    assert len(page2.context["products"]) == 5


def _list_queries(client) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(reverse("registry:product_list")).status_code == 200
    return len(ctx.captured_queries)


def test_product_list_query_count_does_not_grow_with_products(client, make_certificate,
                                                              django_assert_max_num_queries):
    for _ in range(5):
        make_certificate()
    with django_assert_max_num_queries(6):
        few = _list_queries(client)
    for _ in range(20):
        make_certificate()
    with django_assert_max_num_queries(6):
        many = _list_queries(client)
    assert few == many


def test_product_detail_shows_description_in_active_language(client, make_certificate):
    product = ProductFactory(description_vi="Mô tả tiếng Việt.", description_en="English description.")
    ProductVersionFactory(product=product, version="9.9.9")
    certificate = make_certificate(product=product)
    url = reverse("registry:product_detail", args=[product.pk])
    html = client.get(url).content.decode()
    assert "Mô tả tiếng Việt." in html and "English description." not in html
    assert certificate.product_version.version in html and certificate.serial in html
    assert product.vendor.tax_code in html
    assert "9.9.9" not in html  # the public sees certified versions only
    client.post(reverse("set_language"), {"language": "en", "next": url})
    html = client.get(url).content.decode()
    assert "English description." in html and "Mô tả tiếng Việt." not in html


def test_product_detail_hides_uncertified_products_from_the_public(client):
    product = ProductFactory()
    assert client.get(reverse("registry:product_detail", args=[product.pk])).status_code == 404


def test_vendor_detail_lists_certified_products(client, make_certificate):
    vendor = VendorFactory(legal_name="Công ty TNHH An ninh Sao Mai")
    certified = ProductFactory(vendor=vendor, name="Sao Mai EDR")
    ProductFactory(vendor=vendor, name="Sao Mai Beta")
    certificate = make_certificate(product=certified)
    html = client.get(reverse("registry:vendor_detail", args=[vendor.pk])).content.decode()
    assert "Công ty TNHH An ninh Sao Mai" in html and "Sao Mai EDR" in html and certificate.serial in html
    assert "Sao Mai Beta" not in html
    assert client.get(reverse("registry:vendor_detail", args=[VendorFactory().pk])).status_code == 404
