"""Vendor boundaries: another vendor's objects are 'not found', never listed, and nothing changes."""

import pytest

from tests.api.helpers import API, assert_error, auth, certified_product, row_counts
from tests.factories import PDF_BYTES, ProductFactory, ProductVersionFactory, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def b_objects(other_vendor_member, scheme):
    """Vendor B: an uncertified product with a version and a draft application."""
    from certification.process.services import application_create
    from registry.selectors import vendor_for_user

    vendor_b = vendor_for_user(other_vendor_member)
    version = ProductVersionFactory(product=ProductFactory(vendor=vendor_b, name="Sản phẩm riêng của B"))
    app = application_create(actor=other_vendor_member, product_version=version, scheme=scheme, level="basic")
    return {"vendor": vendor_b, "product": version.product, "version": version, "app": app}


def test_scoping_api_other_vendor_objects_are_not_found(api_client, vendor_member, b_objects):
    product, version, app = b_objects["product"], b_objects["version"], b_objects["app"]
    before = row_counts()
    auth(api_client, vendor_member)

    assert_error(api_client.get(f"{API}products/{product.pk}/"), 404, "not_found")
    assert_error(api_client.post(f"{API}products/{product.pk}/versions/", {"version": "9.9"}, format="json"),
                 404, "not_found")
    assert_error(api_client.get(f"{API}applications/{app.pk}/"), 404, "not_found")
    assert_error(api_client.post(f"{API}applications/{app.pk}/artifacts/",
                                 {"kind": "user_guide", "file": upload("g.pdf", PDF_BYTES)}, format="multipart"),
                 404, "not_found")
    assert_error(api_client.post(f"{API}applications/{app.pk}/actions/", {"action": "withdraw"}, format="json"),
                 404, "not_found")
    assert_error(api_client.put(f"{API}applications/{app.pk}/cases/FW-01/", {"result": "pass"}, format="json"),
                 404, "not_found")
    # applying with B's version: the same answer as for a version that does not exist
    missing = assert_error(api_client.post(f"{API}applications/", {
        "product_version": 999999, "scheme": app.scheme.code, "level": "basic"}, format="json"), 404)
    foreign = assert_error(api_client.post(f"{API}applications/", {
        "product_version": version.pk, "scheme": app.scheme.code, "level": "basic"}, format="json"), 404)
    assert missing == foreign
    assert row_counts() == before

    app.refresh_from_db()
    assert app.status == "draft"


def test_scoping_api_lists_never_show_other_vendor_objects(api_client, vendor_member, draft, b_objects):
    auth(api_client, vendor_member)
    products = api_client.get(f"{API}products/").json()["results"]
    ids = {p["id"] for p in products}
    assert draft.product_version.product_id in ids  # own uncertified product is visible to its vendor
    assert b_objects["product"].pk not in ids

    apps = api_client.get(f"{API}applications/").json()
    assert [a["id"] for a in apps["results"]] == [draft.pk] and apps["count"] == 1


def test_scoping_api_anonymous_sees_only_certified_products(anon, scheme, b_objects):
    certified, _ = certified_product(scheme=scheme, name="Phần mềm diệt virus Hà Nội")
    results = anon.get(f"{API}products/").json()["results"]
    assert [p["id"] for p in results] == [certified.pk]
    assert_error(anon.get(f"{API}products/{b_objects['product'].pk}/"), 404, "not_found")
    assert anon.get(f"{API}products/{certified.pk}/").status_code == 200


def test_scoping_api_application_visibility_by_role(api_client, draft, b_objects, staff, certifier, evaluator,
                                                    evaluator2, procurement, journey, with_artifacts):
    app = journey(with_artifacts, "in_evaluation")  # assigned to `evaluator`
    everyone = {app.pk, b_objects["app"].pk}

    def visible(user):
        return {a["id"] for a in auth(api_client, user).get(f"{API}applications/").json()["results"]}

    assert visible(staff) == everyone
    assert visible(certifier) == everyone
    assert visible(evaluator) == {app.pk}
    assert visible(evaluator2) == set()
    assert visible(procurement) == set()
    assert_error(auth(api_client, evaluator2).get(f"{API}applications/{app.pk}/"), 404, "not_found")
    assert_error(auth(api_client, procurement).get(f"{API}applications/{app.pk}/"), 404, "not_found")
    # The assigned evaluator sees the details once independent of the vendor.
    assert_error(auth(api_client, evaluator).get(f"{API}applications/{app.pk}/"), 403, "independence_required")
    assert api_client.post(f"{API}applications/{app.pk}/independence/").status_code == 201
    assert api_client.get(f"{API}applications/{app.pk}/").status_code == 200


def test_scoping_api_product_create_ignores_no_vendor_field(api_client, vendor_member, other_vendor_member):
    from registry.models import Product
    from registry.selectors import vendor_for_user

    vendor_b = vendor_for_user(other_vendor_member)
    before = row_counts()
    error = assert_error(auth(api_client, vendor_member).post(f"{API}products/", {
        "name": "Sản phẩm giả mạo", "category": "firewall", "vendor": vendor_b.pk}, format="json"), 400, "invalid")
    assert "vendor" in error["details"]
    assert row_counts() == before
    assert not Product.objects.filter(vendor=vendor_b).exists()


def test_scoping_api_only_vendor_members_create_products(api_client, staff):
    before = row_counts()
    assert_error(auth(api_client, staff).post(f"{API}products/", {"name": "X", "category": "firewall"},
                                              format="json"), 403, "permission_denied")
    assert row_counts() == before
