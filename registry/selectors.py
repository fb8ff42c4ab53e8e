"""Reads of the published record and who may see what. Every vendor-scoped read goes through here."""

from django.db import connection
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from accounts.choices import Role
from accounts.roles import user_has_role
from config.errors import NotFoundError
from registry.choices import CertificateStatus
from registry.models import Certificate, Product, ProductVersion, Scheme, Vendor, VendorMembership


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
    """Accent-insensitive search by words and word prefixes (registry.search)."""
    from registry.search import products_search as search

    return search(qs, query)


def _certified(qs: QuerySet) -> QuerySet:
    return qs.filter(listed=True)


def product_public_list() -> QuerySet:
    """Products that hold or held a certificate: the public registry."""
    certificates = Certificate.objects.select_related("scheme", "product_version").order_by("-issued_at", "-pk")
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
        certified = Q(listed=True)
        qs = base.filter(certified | Q(vendor=vendor)) if vendor else base.filter(certified)
    certificates = Certificate.objects.select_related("scheme", "product_version").order_by("-issued_at", "-pk")
    return qs.prefetch_related(Prefetch("certificates", queryset=certificates))


def product_get(*, user, pk) -> Product:
    """One product as the caller may see it: its owner and the certification body see every version,
    everyone else only the versions that hold or held a certificate."""
    versions = ProductVersion.objects.order_by("-created_at", "-id")
    vendor = vendor_for_user(user)
    sees_all = user_sees_all(user)
    qs = product_visible_list(user=user)
    if sees_all or vendor:
        if not sees_all:
            certified = Exists(Certificate.objects.filter(product_version=OuterRef("pk")))
            versions = versions.filter(certified | Q(product__vendor=vendor))
        qs = qs.prefetch_related(Prefetch("versions", queryset=versions))
    product = qs.filter(pk=pk).first()
    if product is None:
        raise NotFoundError("Not found.")
    if not (sees_all or vendor):
        # everyone else sees the versions that hold or held a certificate: exactly those of the certificates
        # read with the product (with their versions), so they need no query of their own
        certified_versions = {c.product_version_id: c.product_version for c in product.certificates.all()}
        _prefetched_set(product, "versions", sorted(certified_versions.values(),
                                                    key=lambda v: (v.created_at, v.pk), reverse=True))
    return product


def _prefetched_set(instance, name: str, objects: list) -> None:
    """`instance.<name>.all()` answers `objects` without a query, as prefetch_related leaves it."""
    queryset = getattr(instance, name).all()
    queryset._result_cache = list(objects)
    queryset._prefetch_done = True
    instance._prefetched_objects_cache[name] = queryset


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
    """A certificate by its serial, whatever the case and with or without dashes."""
    from registry.search import serial_key, serial_key_expression

    key = serial_key(serial)
    certificate = None
    if key and len(key) <= 64:
        certificate = certificate_list().annotate(key=serial_key_expression()).filter(key=key).first()
    if certificate is None:
        raise NotFoundError("Not found.")
    return certificate


def certificate_status_bulk(*, serials: list[str]) -> list[dict]:
    """Status of many certificates in one query, matched whatever the case and with or without dashes;
    unknown serials answer 'not_found' (with the serial as given)."""
    from registry.search import serial_key, serial_key_expression

    wanted = [(s.strip(), serial_key(s)) for s in serials]
    keys = list({key for _, key in wanted if key})
    found = {}
    if keys and connection.vendor == "postgresql":
        # one array parameter instead of 10,000 placeholders (the ORM resolves each one: most of the cost)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT UPPER(REPLACE(c.serial, '-', '')), c.serial, c.status, c.valid_until, p.name, "
                "c.vendor_legal_name FROM registry_certificate c JOIN registry_product p ON p.id = c.product_id "
                "WHERE UPPER(REPLACE(c.serial, '-', '')) = ANY(%s)", [keys])
            found = {row[0]: row for row in cursor.fetchall()}
    elif keys:
        rows = (Certificate.objects.annotate(key=serial_key_expression()).filter(key__in=keys)
                .values_list("key", "serial", "status", "valid_until", "product__name", "vendor_legal_name"))
        found = {row[0]: row for row in rows}
    results = []
    for serial, key in wanted:
        row = found.get(key)
        if row is None:
            results.append({"serial": serial, "status": "not_found", "valid_until": None, "product": None,
                            "vendor": None})
        else:
            results.append({"serial": row[1], "status": row[2], "valid_until": row[3], "product": row[4],
                            "vendor": row[5]})
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
# Facets of the product list ----------------------------------------------------------------------

def product_facets(filterset) -> dict[str, dict[str, int]]:
    """For each filter of the list, how many products each of its options would give with the other
    filters and the search as they are. One query: the searched products are read once (a materialised
    CTE), their certificates once (another), then one GROUP BY per filter over them, joined by UNION ALL."""
    from django.db import connection

    data = filterset.form.cleaned_data
    matched = (filterset.filter_unordered(filterset.queryset, without=filterset.FACETS).order_by()
               .values_list("pk", "category", "made_in_vietnam", "vendor__province"))
    matched_sql, matched_params = matched.query.sql_with_params()
    materialized = "MATERIALIZED" if connection.vendor == "postgresql" else ""
    # {filter: (column, value)}: the product's own columns, then its certificates' (any one certificate)
    product_filters = {
        "category": ("category", data.get("category") or None),
        "made_in_vietnam": ("made_in_vietnam", data.get("made_in_vietnam")),
        "province": ("province", data.get("province") or None),
    }
    certificate_filters = {
        "certificate_status": ("status", data.get("certificate_status") or None),
        "scheme": ("scheme", data["scheme"].code if data.get("scheme") else None),
        "level": ("level", data.get("level") or None),
    }

    def conditions(filters: dict, without: str, alias: str) -> tuple[list[str], list]:
        sql, params = [], []
        for name, (column, value) in filters.items():
            if name != without and value is not None:
                sql.append(f"{alias}.{column} = %s")
                params.append(value)
        return sql, params

    def where(clauses: list[str]) -> str:
        return f"WHERE {' AND '.join(clauses)}" if clauses else ""

    # The certificates of the matched products, read once with the products' own facet columns (mc): every
    # certificate facet, and every product facet narrowed by a certificate filter, reads it instead of
    # joining the certificate table again.
    mc = ("SELECT c.product_id, c.status, rs.code AS scheme, c.level, m.category, m.made_in_vietnam, m.province "
          "FROM registry_certificate c JOIN registry_scheme rs ON rs.id = c.scheme_id JOIN m ON m.id = c.product_id")
    branches, params = [], []
    for facet in ("category", "made_in_vietnam", "province"):
        product_where, product_params = conditions(product_filters, facet, "p")
        cert_where, cert_params = conditions(certificate_filters, "", "mc")
        if cert_where:  # the products with such a certificate, once each
            source = (f"(SELECT DISTINCT mc.product_id, mc.category, mc.made_in_vietnam, mc.province FROM mc "
                      f"{where(cert_where)}) p")
        else:
            source = "m p"
        branches.append(f"SELECT %s, CAST(p.{facet} AS TEXT), COUNT(*) FROM {source} {where(product_where)} "
                        f"GROUP BY p.{facet}")
        params += [facet, *cert_params, *product_params]
    for facet, (column, _value) in certificate_filters.items():
        product_where, product_params = conditions(product_filters, "", "mc")
        cert_where, cert_params = conditions(certificate_filters, facet, "mc")
        # DISTINCT in a subquery: hashed, where COUNT(DISTINCT) would sort every certificate
        branches.append(f"SELECT %s, x.v, COUNT(*) FROM (SELECT DISTINCT mc.product_id, mc.{column} AS v FROM mc "
                        f"{where(product_where + cert_where)}) x GROUP BY x.v")
        params += [facet, *product_params, *cert_params]
    sql = (f"WITH m (id, category, made_in_vietnam, province) AS {materialized} ({matched_sql}), "
           f"mc AS {materialized} ({mc}) " + " UNION ALL ".join(branches))
    counts: dict[str, dict[str, int]] = {facet: {} for facet in filterset.FACETS}
    with connection.cursor() as cursor:
        cursor.execute(sql, [*matched_params, *params])
        for name, value, count in cursor.fetchall():
            if name == "made_in_vietnam":
                value = "true" if str(value).lower() in ("true", "1", "t") else "false"
            counts[name][str(value)] = count
    return counts


def vendor_index(*, province: str = "") -> QuerySet:
    """Vendors holding or having held a certificate, with how many products they have certified."""
    from django.db.models import Count

    qs = Vendor.objects.filter(Exists(Certificate.objects.filter(vendor=OuterRef("pk"))))
    if province:
        qs = qs.filter(province=province)
    return qs.annotate(certified_count=Count("certificates__product", distinct=True)).order_by("legal_name", "pk")
