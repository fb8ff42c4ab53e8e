"""Open data: any product search as CSV or JSON, streamed row by row (bounded memory, every row), and the
nightly full dump of the public registry with its checksum.

Rows are read in chunks of EXPORT_CHUNK products with their certificates (a server-side cursor on
PostgreSQL), written as they are read: memory does not grow with the number of rows."""

import gzip
import hashlib
import io
import os
import tempfile
from collections.abc import Iterable, Iterator

from django.conf import settings
from django.core.files import File
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from config.csvsafe import csv_writer
from registry.choices import Category, Province
from registry.models import Certificate, OpenDataDump

EXPORT_CHUNK = 2000
OPEN_DATA_LICENCE = {
    "name": "Creative Commons Attribution 4.0 International (CC BY 4.0)",
    "url": "https://creativecommons.org/licenses/by/4.0/",
}
CSV_COLUMNS = [
    "id", "name", "name_en", "category", "category_label", "made_in_vietnam", "vendor_id", "vendor",
    "vendor_tax_code", "vendor_province", "vendor_province_name", "certificate_serial", "certificate_status",
    "scheme", "level", "issued_at", "valid_until", "all_certificates", "url",
]
_CATEGORIES = dict(Category.choices)
_PROVINCES = dict(Province.choices)


def _site(path: str) -> str:
    return settings.SITE_URL + path


def export_queryset(qs: QuerySet) -> QuerySet:
    certificates = Certificate.objects.select_related("scheme").order_by("-issued_at", "-pk")
    return qs.select_related("vendor").prefetch_related(None).prefetch_related(
        Prefetch("certificates", queryset=certificates))


def product_records(qs: QuerySet) -> Iterator[dict]:
    """One plain record per product, with its certificates, newest first."""
    for product in export_queryset(qs).iterator(chunk_size=EXPORT_CHUNK):
        vendor = product.vendor
        yield {
            "id": product.pk,
            "name": product.name,
            "name_en": product.name_en,
            "category": product.category,
            "made_in_vietnam": product.made_in_vietnam,
            "vendor": {"id": vendor.pk, "legal_name": vendor.legal_name, "name_en": vendor.name_en,
                       "tax_code": vendor.tax_code, "province": vendor.province},
            "certificates": [
                {"serial": c.serial, "status": c.status, "scheme": c.scheme.code, "scheme_version": c.scheme.version,
                 "level": c.level, "issued_at": c.issued_at, "valid_until": c.valid_until,
                 "verify_url": _site(f"/verify/{c.serial}/")}
                for c in product.certificates.all()
            ],
            "url": _site(f"/products/{product.pk}/"),
        }


def _csv_row(record: dict) -> list:
    vendor, certificates = record["vendor"], record["certificates"]
    latest = certificates[0] if certificates else {}
    return [
        record["id"], record["name"], record["name_en"], record["category"],
        str(_CATEGORIES.get(record["category"], "")), "true" if record["made_in_vietnam"] else "false",
        vendor["id"], vendor["legal_name"], vendor["tax_code"], vendor["province"],
        _PROVINCES.get(vendor["province"], ""), latest.get("serial", ""), latest.get("status", ""),
        latest.get("scheme", ""), latest.get("level", ""),
        latest["issued_at"].isoformat() if latest else "", latest["valid_until"].isoformat() if latest else "",
        "; ".join(f"{c['serial']} {c['status']}" for c in certificates), record["url"],
    ]


class _Line:
    """A file-like object that hands back what the CSV writer wrote."""

    def __init__(self):
        self.value = ""

    def write(self, text: str) -> None:
        self.value += text


def csv_stream(records: Iterable[dict]) -> Iterator[str]:
    line = _Line()
    writer = csv_writer(line)
    yield "\ufeff"  # so spreadsheet programs read the Vietnamese names as UTF-8
    writer.writerow(CSV_COLUMNS)
    yield line.value
    for record in records:
        line.value = ""
        writer.writerow(_csv_row(record))
        yield line.value


def json_stream(records: Iterable[dict], *, head: dict | None = None) -> Iterator[str]:
    """A JSON array of the records or, with `head`, an object with those members and `products`."""
    encoder = DjangoJSONEncoder(ensure_ascii=False)
    if head is not None:
        yield encoder.encode(head)[:-1] + (', "products": [' if head else '"products": [')
    else:
        yield "["
    first = True
    for record in records:
        yield ("\n" if first else ",\n") + encoder.encode(record)
        first = False
    yield "\n]}" if head is not None else "\n]"


# The nightly dump --------------------------------------------------------------------------------

DUMPS_KEPT = 7


def open_data_dump_create(*, now=None) -> list[OpenDataDump]:
    """Write the whole public registry as gzip-compressed CSV and JSON, with SHA-256 checksums; keep the
    last DUMPS_KEPT of each. Runs nightly on beat and from `manage.py open_data_dump`."""
    from registry.selectors import product_public_list

    now = now or timezone.now()
    made = []
    for fmt in ("csv", "json"):
        with tempfile.NamedTemporaryFile(suffix=f".{fmt}.gz", delete=False) as handle:
            path = handle.name
        try:
            rows = 0
            digest = hashlib.sha256()

            def counted(records):
                nonlocal rows
                for record in records:
                    rows += 1
                    yield record

            qs = product_public_list().order_by("pk")
            records = counted(product_records(qs))
            if fmt == "csv":
                chunks = csv_stream(records)
            else:
                head = {"generated_at": now, "licence": OPEN_DATA_LICENCE, "source": settings.SITE_URL}
                chunks = json_stream(records, head=head)
            with open(path, "wb") as raw:
                with gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as zipped:
                    writer = io.TextIOWrapper(zipped, encoding="utf-8")
                    for chunk in chunks:
                        writer.write(chunk)
                    writer.flush()
                    writer.detach()
            with open(path, "rb") as compressed:
                for block in iter(lambda: compressed.read(1024 * 1024), b""):
                    digest.update(block)
                size = compressed.tell()
                compressed.seek(0)
                dump = OpenDataDump(format=fmt, sha256=digest.hexdigest(), size=size, rows=rows, created_at=now)
                dump.file.save(f"registry-{now:%Y%m%d-%H%M%S}.{fmt}.gz", File(compressed), save=False)
            with transaction.atomic():
                dump.save()
            made.append(dump)
        finally:
            os.unlink(path)
    for fmt in ("csv", "json"):
        for old in OpenDataDump.objects.filter(format=fmt).order_by("-created_at")[DUMPS_KEPT:]:
            old.file.delete(save=False)
            old.delete()
    return made


def open_data_latest() -> list[OpenDataDump]:
    """The newest dump of each format."""
    latest = []
    for fmt in ("csv", "json"):
        dump = OpenDataDump.objects.filter(format=fmt).order_by("-created_at").first()
        if dump is not None:
            latest.append(dump)
    return latest
