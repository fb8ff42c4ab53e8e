"""The certificate record: the fields that identify what was certified, as plain JSON.

Its canonical form (trust.canonical.canonical_json) is what the PDF fingerprint is computed over
and what a later signature will cover, so the set of keys and their meaning must stay stable.
"""

import hashlib

from registry.choices import CertificateStatus
from registry.models import Certificate
from trust.canonical import canonical_json, to_jsonable


def certificate_record(certificate: Certificate) -> dict:
    """The record of a certificate as issued (status at issue, not the live status)."""
    product = certificate.product
    scheme = certificate.scheme
    return to_jsonable({
        "serial": certificate.serial,
        # certificate_issue is the only way a certificate comes to exist and it always issues active;
        # the live status lives on the verification page, not in the signed record.
        "status": CertificateStatus.ACTIVE.value,
        "product": product.name,
        "version": certificate.product_version.version,
        "vendor": {"name": certificate.vendor_legal_name, "tax_code": certificate.vendor_tax_code},
        "scheme": {"code": scheme.code, "version": scheme.version},
        "level": certificate.level,
        "issued_at": certificate.issued_at,
        "valid_until": certificate.valid_until,
    })


def certificate_record_fingerprint(certificate: Certificate) -> str:
    """SHA-256 (hex) of the canonical JSON of the certificate record."""
    return hashlib.sha256(canonical_json(certificate_record(certificate))).hexdigest()
