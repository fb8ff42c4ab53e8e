import pytest
from django.contrib.auth.models import AnonymousUser

from config.errors import NotFoundError
from registry.selectors import product_get
from tests.factories import ProductVersionFactory

pytestmark = pytest.mark.django_db


def test_product_get_public_sees_only_certified_versions(with_artifacts, journey, vendor_member, staff):
    app = journey(with_artifacts, "certified")
    product = app.product_version.product
    draft_version = ProductVersionFactory(product=product, version="2.0.0-beta")
    public = product_get(user=AnonymousUser(), pk=product.pk)
    assert [v.version for v in public.versions.all()] == [app.product_version.version]
    owner = product_get(user=vendor_member, pk=product.pk)
    assert draft_version.version in [v.version for v in owner.versions.all()]
    assert draft_version.version in [v.version for v in product_get(user=staff, pk=product.pk).versions.all()]


def test_product_get_uncertified_product_is_not_found_for_others(product_version, other_vendor_member):
    with pytest.raises(NotFoundError):
        product_get(user=other_vendor_member, pk=product_version.product_id)
    with pytest.raises(NotFoundError):
        product_get(user=AnonymousUser(), pk=product_version.product_id)


@pytest.mark.parametrize("count", [1, 6])
def test_vendor_update_reindexes_product_search_in_fixed_queries(count, staff, django_assert_max_num_queries):
    from registry.models import Product
    from registry.selectors import products_search
    from registry.services import vendor_update
    from tests.factories import ProductFactory, VendorFactory

    vendor = VendorFactory(verified_at=None)  # an unverified vendor still edits its legal name in place
    ProductFactory.create_batch(count, vendor=vendor)
    with django_assert_max_num_queries(10):  # the same for 1 and 6 products: one select, one bulk update
        vendor_update(vendor=vendor, actor=staff, legal_name="Công ty Cổ phần Đá Quý An Ninh")
    assert products_search(Product.objects.all(), "da quy an ninh").count() == count
