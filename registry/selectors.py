"""Reads of the published record and who may see what. Every vendor-scoped read goes through here."""

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from accounts.choices import Role
from accounts.roles import user_has_role
from config.errors import NotFoundError
from registry.choices import CertificateStatus
from registry.models import Certificate, Product, ProductVersion, Scheme, Vendor, VendorMembership
from registry.text import fold_terms


def vendor_for_user(user) -> Vendor | None:
    """The one vendor a vendor user acts for, or None."""
    if not user or not user.is_authenticated:
        return None
    cached = getattr(user, "_vendor_cache", False)
    if cached is not False:
        return cached
    membership = VendorMembership.objects.select_related("vendor").filter(user=user).first()
    user._vendor_cache = membership.vendor if membership else None
    return user._vendor_cache


def user_sees_all(user) -> bool:
    """Certification body roles see every vendor's records."""
    return any(user_has_role(user, r) for r in (Role.STAFF, Role.CERTIFIER, Role.EVALUATOR))


def products_search(qs: QuerySet, query: str) -> QuerySet:
    """Accent-insensitive search: every folded term must appear in the folded search document."""
    for term in fold_terms(query)[:10]:
        qs = qs.filter(search_document__contains=term)
    return qs


def _certified(qs: QuerySet) -> QuerySet:
    return qs.filter(Exists(Certificate.objects.filter(product=OuterRef("pk"))))


def product_public_list() -> QuerySet:
    """Products that hold or held a certificate: the public registry."""
    certificates = Certificate.objects.select_related("scheme", "product_version").order_by("-issued_at")
    return (
        _certified(Product.objects.all())
        .select_related("vendor")
        .prefetch_related(Prefetch("certificates", queryset=certificates))
    )


def product_visible_list(*, user) -> QuerySet:
    """What a caller may see: the public registry, plus all of their own vendor's products."""
    base = Product.objects.select_related("vendor")
    if user_sees_all(user):
        qs = base
    else:
        vendor = vendor_for_user(user)
        certified = Exists(Certificate.objects.filter(product=OuterRef("pk")))
        qs = base.filter(certified | Q(vendor=vendor)) if vendor else base.filter(certified)
    certificates = Certificate.objects.select_related("scheme", "product_version").order_by("-issued_at")
    return qs.prefetch_related(Prefetch("certificates", queryset=certificates))


def product_get(*, user, pk) -> Product:
    """One product as the caller may see it: its owner and the certification body see every version,
    everyone else only the versions that hold or held a certificate."""
    versions = ProductVersion.objects.order_by("-created_at")
    vendor = vendor_for_user(user)
    if not user_sees_all(user):
        certified = Exists(Certificate.objects.filter(product_version=OuterRef("pk")))
        versions = versions.filter(certified | Q(product__vendor=vendor)) if vendor else versions.filter(certified)
    product = (
        product_visible_list(user=user)
        .prefetch_related(Prefetch("versions", queryset=versions))
        .filter(pk=pk)
        .first()
    )
    if product is None:
        raise NotFoundError("Not found.")
    return product


def product_owned_get(*, user, pk) -> Product:
    """A product the caller's vendor owns; anything else is 'not found', never 'forbidden'."""
    vendor = vendor_for_user(user)
    product = Product.objects.select_related("vendor").filter(pk=pk, vendor=vendor).first() if vendor else None
    if product is None:
        raise NotFoundError("Not found.")
    return product


def vendor_public_list() -> QuerySet:
    products = _certified(Product.objects.all()).order_by("name")
    return (
        Vendor.objects.filter(Exists(Certificate.objects.filter(vendor=OuterRef("pk"))))
        .prefetch_related(Prefetch("products", queryset=products, to_attr="certified_products"))
    )


def certificate_list() -> QuerySet:
    return Certificate.objects.select_related("product", "product_version", "vendor", "scheme")


def certificate_get(*, serial: str) -> Certificate:
    certificate = certificate_list().filter(serial=serial.strip()).first()
    if certificate is None:
        raise NotFoundError("Not found.")
    return certificate


def certificate_status_bulk(*, serials: list[str]) -> list[dict]:
    """Status of many certificates in one query; unknown serials answer 'not_found'."""
    wanted = [s.strip() for s in serials]
    found = {
        row["serial"]: row
        for row in Certificate.objects.filter(serial__in=set(wanted)).values(
            "serial", "status", "valid_until", "product__name", "vendor_legal_name"
        )
    }
    results = []
    for serial in wanted:
        row = found.get(serial)
        if row is None:
            results.append({"serial": serial, "status": "not_found", "valid_until": None, "product": None,
                            "vendor": None})
        else:
            results.append({"serial": serial, "status": row["status"], "valid_until": row["valid_until"],
                            "product": row["product__name"], "vendor": row["vendor_legal_name"]})
    return results


def scheme_list() -> QuerySet:
    return Scheme.objects.filter(is_current=True).prefetch_related("requirements")


def scheme_get(*, code: str) -> Scheme:
    scheme = scheme_list().filter(code=code).first()
    if scheme is None:
        raise NotFoundError("Not found.")
    return scheme


ACTIVE_LIKE = [CertificateStatus.ACTIVE, CertificateStatus.SUSPENDED]


def mvn_attestation_get(*, user, pk):
    """A Make in Viet Nam attestation: staff see every one, a vendor's members their own products'; anyone
    else, not found."""
    from registry.models import MvnAttestation

    qs = MvnAttestation.objects.select_related("product")
    if not user_has_role(user, Role.STAFF):
        vendor = vendor_for_user(user) if user_has_role(user, Role.VENDOR) else None
        qs = qs.filter(product__vendor=vendor) if vendor else qs.none()
    attestation = qs.filter(pk=pk).first()
    if attestation is None:
        raise NotFoundError("Not found.")
    return attestation


def certificate_proof_links(*, certificate: Certificate, absolute: bool = True) -> list[dict]:
    """The audit entries of a certificate, each with the URL of its inclusion proof in the latest signed tree
    head (or the current tree, for an entry the latest head does not cover yet)."""
    from django.conf import settings
    from django.urls import reverse

    from trust.transparency import leaf_proof_links, tree_head_latest, tree_size

    head = tree_head_latest()
    links = leaf_proof_links(object_type="registry.certificate", object_id=str(certificate.pk))
    size = None
    base = (settings.SITE_URL if absolute else "") + reverse("trust_api:inclusion_proof")
    for link in links:
        if head is not None and link["leaf_index"] < head.tree_size:
            link["tree_size"] = head.tree_size
        else:
            size = size if size is not None else tree_size()
            link["tree_size"] = size
        link["proof_url"] = f"{base}?leaf_index={link['leaf_index']}&tree_size={link['tree_size']}"
        link.pop("tree_size")
    return links
