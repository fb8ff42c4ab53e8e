"""Benchmark: the public registry under a realistic load of real certified-product records.

Reproduce (PostgreSQL):

    DATABASE_URL=postgres://USER@HOST:5432/NAME .venv/bin/python bench/bench_registry.py

Like bench_matching.py it works in a throw-away database `bench_NAME` (created, migrated and dropped;
the role needs CREATEDB). It loads the 5,204 NIST CMVP records in ../shared/data/certified-products
(active and historical modules, public U.S. Government data, attributed to NIST CMVP) as 1,136 vendors
and 3,924 distinct products with a version and a certificate each (bulk inserts: this measures reads, not the services), then times
through the test client, median of --repeat runs:

* GET /api/v1/products/ (first page), with an accent-insensitive `q`, and with filters;
* GET / (the public registry page) with a search;
* POST /api/v1/certificates/status/ with 10,000 serials (90 % known, 10 % unknown);
* GET /api/v1/certificates/{serial}/ and the verification page.

It prints the time and the number of SQL queries of each request.
"""

import argparse
import json
import os
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
CMVP = ROOT.parent / "shared" / "data" / "certified-products" / "nist-cmvp"
CATEGORIES = ["firewall", "waf", "siem", "ips", "anti_malware", "edr", "nac", "vpn"]


def _modules() -> list[dict]:
    rows = []
    for name in ("modules.json", "historical-modules.json"):
        data = json.loads((CMVP / name).read_text())
        rows += data["modules"] if isinstance(data, dict) else data
    return rows


def load(rows: list[dict]) -> list[str]:
    from django.core.management import call_command
    from django.utils import timezone

    from registry.models import Certificate, Product, ProductVersion, Scheme, Vendor
    from registry.services import _search_document

    call_command("load_schemes", verbosity=0, stdout=open(os.devnull, "w"))
    schemes = {s.category: s for s in Scheme.objects.filter(is_current=True)}
    vendors: dict[str, Vendor] = {}
    for i, name in enumerate(sorted({(r.get("Vendor Name") or "?").strip() for r in rows})):
        vendors[name] = Vendor(legal_name=name, tax_code=f"{i + 1:010d}", province="01")
    Vendor.objects.bulk_create(vendors.values(), batch_size=1000)
    rng = random.Random(7)
    products, seen = [], set()
    for r in rows:
        vendor = vendors[(r.get("Vendor Name") or "?").strip()]
        name = (r.get("Module Name") or "?").strip()[:200]
        if (vendor.legal_name, name) in seen:
            continue
        seen.add((vendor.legal_name, name))
        category = rng.choice(CATEGORIES)
        product = Product(vendor=vendor, name=name, category=category, description_en=r.get("Module Type", ""),
                          made_in_vietnam=rng.random() < 0.2)
        product.search_document = _search_document(product)  # what product_create stores, without its queries
        products.append(product)
    Product.objects.bulk_create(products, batch_size=1000)
    versions = [ProductVersion(product=p, version="1.0") for p in products]
    ProductVersion.objects.bulk_create(versions, batch_size=1000)
    now = timezone.now()
    statuses = ["active"] * 7 + ["suspended", "revoked", "expired"]
    certificates = []
    for n, (p, v) in enumerate(zip(products, versions, strict=True), start=1):
        issued = now - timedelta(days=rng.randint(0, 1000))
        certificates.append(Certificate(
            serial=f"VN-CSP-{issued.year}-{n:05d}", vendor=p.vendor, product=p, product_version=v,
            scheme=schemes[p.category], level=rng.choice(["basic", "substantial", "high"]),
            status=rng.choice(statuses), issued_at=issued, valid_until=issued + timedelta(days=1095)))
    Certificate.objects.bulk_create(certificates, batch_size=1000)
    Product.objects.filter(pk__in=[c.product_id for c in certificates]).update(listed=True)
    return [c.serial for c in certificates]


def timed(label: str, fn, repeat: int) -> None:
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    times, queries = [], 0
    for _ in range(repeat):
        reset_queries()
        with CaptureQueriesContext(connection) as ctx:
            start = time.perf_counter()
            response = fn()
            times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (label, response.status_code, response.content[:300])
        queries = len(ctx)
    print(f"{label:<62} median {statistics.median(times):8.1f} ms  best {min(times):8.1f} ms  {queries:3d} queries")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment

    setup_test_environment()
    settings.ALLOWED_HOSTS = ["*"]
    creation = connection.creation
    original = connection.settings_dict["NAME"]
    connection.settings_dict.setdefault("TEST", {})["NAME"] = f"bench_{Path(str(original)).stem}"
    name = creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        rows = _modules()
        start = time.perf_counter()
        serials = load(rows)
        print(f"database: {connection.vendor}; loaded {len(rows)} CMVP records as {len(serials)} certified products "
              f"in {time.perf_counter() - start:.1f} s")
        client = Client()
        rng = random.Random(11)
        bulk = rng.choices(serials, k=9000) + [f"VN-CSP-1999-{i:05d}" for i in range(1000)]
        timed("GET /api/v1/products/", lambda: client.get("/api/v1/products/"), args.repeat)
        timed("GET /api/v1/products/?q=cryptographic module (folded search)",
              lambda: client.get("/api/v1/products/", {"q": "Cryptographic Module"}), args.repeat)
        timed("GET /api/v1/products/?category=vpn&certificate_status=active&ordering=-issued_at",
              lambda: client.get("/api/v1/products/", {"category": "vpn", "certificate_status": "active",
                                                       "ordering": "-issued_at"}), args.repeat)
        timed("GET /?q=linux (registry page)", lambda: client.get("/", {"q": "linux"}), args.repeat)
        timed("POST /api/v1/certificates/status/ (10,000 serials)",
              lambda: client.post("/api/v1/certificates/status/", {"serials": bulk}, content_type="application/json"),
              args.repeat)
        serial = serials[len(serials) // 2]
        timed("GET /api/v1/certificates/{serial}/", lambda: client.get(f"/api/v1/certificates/{serial}/"),
              args.repeat)
        timed("GET /verify/{serial}/ (page)", lambda: client.get(f"/verify/{serial}/"), args.repeat)
    finally:
        if not args.keep:
            creation.destroy_test_db(name, verbosity=0)


if __name__ == "__main__":
    main()
