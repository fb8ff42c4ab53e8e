"""Helpers for the public registry tests: certified products through the registry's own services."""

from registry.services import certificate_issue, certificate_transition
from tests.factories import ProductFactory, ProductVersionFactory, VendorFactory

REASONS = {"suspend": "Phát hiện lỗ hổng nghiêm trọng chưa vá", "revoke": "Vi phạm điều kiện chứng nhận"}


def certify(*, scheme, actor=None, staff=None, status: str = "active", level: str = "basic", product=None,
            vendor=None, **product_fields):
    """A product (made unless given) with a certificate in the given status; returns (product, certificate)."""
    if product is None:
        if vendor is not None:
            product_fields["vendor"] = vendor
        product = ProductFactory(**product_fields)
    version = ProductVersionFactory(product=product)
    certificate = certificate_issue(product_version=version, scheme=scheme, level=level, actor=actor)
    if status in ("suspended", "revoked"):
        action = "revoke" if status == "revoked" else "suspend"
        certificate = certificate_transition(certificate=certificate, action=action, actor=staff,
                                             reason=REASONS[action])
    return product, certificate


def vendor_in(province: str, **kwargs):
    return VendorFactory(province=province, **kwargs)
