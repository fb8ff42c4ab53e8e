"""The certificate record: what was certified and its current standing, as plain JSON.

Its RFC 8785 form (trust.canonical.canonical_json) is what the Ed25519 signature covers and what the
PDF's fingerprint is the SHA-256 of. The set of keys and their meaning must stay stable: verifiers
outside the registry (docs/verify_record.py) read them.
"""

import hashlib

from registry.models import Certificate, CertificateVersion
from trust.canonical import canonical_json, to_jsonable

RECORD_FIELDS = ["serial", "product", "version", "versions", "vendor", "scheme", "level", "status", "status_reason",
                 "issued_at", "valid_until", "status_changed_at", "sbom_sha256", "key_id"]


def covered_versions(certificate: Certificate) -> list[str]:
    """The product versions the certificate covers, in the order they joined it."""
    names = list(CertificateVersion.objects.filter(certificate=certificate).order_by("added_at", "id")
                 .values_list("product_version__version", flat=True))
    return names or [certificate.product_version.version]


def certificate_record(certificate: Certificate, *, key_id: str = "") -> dict:
    """The record of a certificate as it stands, naming the key that signs it."""
    versions = covered_versions(certificate)
    return to_jsonable({
        "serial": certificate.serial,
        "product": certificate.product.name,
        "version": versions[-1],  # the newest covered version
        "versions": versions,
        "vendor": {"name": certificate.vendor_legal_name, "tax_code": certificate.vendor_tax_code},
        "scheme": {"code": certificate.scheme.code, "version": certificate.scheme.version},
        "level": certificate.level,
        "status": certificate.status,
        "status_reason": certificate.status_reason,
        "issued_at": certificate.issued_at,
        "valid_until": certificate.valid_until,
        "status_changed_at": certificate.status_changed_at,
        "sbom_sha256": certificate.sbom_sha256,
        "key_id": key_id,
    })


def record_fingerprint(record: dict) -> str:
    """SHA-256 (hex) of the canonical JSON of a record."""
    return hashlib.sha256(canonical_json(record)).hexdigest()


def certificate_record_fingerprint(certificate: Certificate) -> str:
    """The fingerprint of the newest signed record, or of the unsigned record while none exists."""
    latest = certificate.records.order_by("-version", "-id").first()
    return latest.fingerprint if latest else record_fingerprint(certificate_record(certificate))
