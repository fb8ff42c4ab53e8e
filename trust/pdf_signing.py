"""PAdES signatures on PDFs (pyHanko) and their verification.

The certification body signs each certificate PDF with a document-signing certificate. By default
`signing_setup` generates a certification-body CA and a signer certificate under
SIGNING_KEY_DIR/pdf/ (the private keys never leave that directory); a real certificate from a
Vietnamese trust service provider is used instead by pointing PDF_SIGNING_KEY, PDF_SIGNING_CERT,
PDF_SIGNING_CHAIN and PDF_TRUST_ROOTS at its PEM files (docs/trust.md).

The signature is a certification signature that allows no change. A verifier must check that the
signature covers the whole file: a signed PDF changed by an incremental update still has an intact
signature over its first revision, so anything short of ENTIRE_FILE coverage is a forgery here.
"""

import datetime
import io
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.conf import settings
from django.utils.translation import gettext_lazy as _

CA_NAME = "VN Cybersecurity Product Certification Body CA"
SIGNER_NAME = "VN Cybersecurity Certification Body - certificate signing"


@dataclass(frozen=True)
class PdfSignerMaterial:
    key_path: Path
    cert_path: Path
    chain_paths: tuple[Path, ...]
    subject: str


def _pdf_dir() -> Path:
    return Path(settings.SIGNING_KEY_DIR) / "pdf"


def _write_private(path: Path, key) -> None:
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(pem)


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "VN Cybersecurity Product Certification Body"),
                      x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _generate(directory: Path) -> None:
    """A CA (10 years) and a document-signing certificate it issues (3 years), ECDSA P-256."""
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    now = datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=5)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_cert = (x509.CertificateBuilder().subject_name(_name(CA_NAME)).issuer_name(_name(CA_NAME))
               .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(now).not_valid_after(now + datetime.timedelta(days=3650))
               .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
               .add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False,
                                            key_encipherment=False, data_encipherment=False, key_agreement=False,
                                            key_cert_sign=True, crl_sign=True, encipher_only=False,
                                            decipher_only=False), critical=True)
               .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
               .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder().subject_name(_name(SIGNER_NAME)).issuer_name(ca_cert.subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now).not_valid_after(now + datetime.timedelta(days=1095))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=True, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False, key_cert_sign=False,
                                         crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256()))
    _write_private(directory / "ca.key.pem", ca_key)  # keep offline once the signer is issued
    _write_private(directory / "signer.key.pem", key)
    (directory / "ca.pem").write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    (directory / "signer.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))


def pdf_signer_material(*, create: bool = False) -> PdfSignerMaterial:
    if settings.PDF_SIGNING_KEY and settings.PDF_SIGNING_CERT:
        key, cert = Path(settings.PDF_SIGNING_KEY), Path(settings.PDF_SIGNING_CERT)
        chain = tuple(Path(p) for p in settings.PDF_SIGNING_CHAIN)
    else:
        directory = _pdf_dir()
        key, cert, chain = directory / "signer.key.pem", directory / "signer.pem", (directory / "ca.pem",)
        if create and not key.exists():
            _generate(directory)
    subject = ""
    if cert.exists():
        subject = x509.load_pem_x509_certificate(cert.read_bytes()).subject.rfc4514_string()
    return PdfSignerMaterial(key, cert, chain, subject)


def pdf_signer_ensure() -> PdfSignerMaterial:
    return pdf_signer_material(create=True)


def pdf_trust_roots() -> list:
    """The certificates a PDF signature must chain to (public; the web process reads them, never a key)."""
    from asn1crypto import pem as asn1_pem
    from asn1crypto import x509 as asn1_x509

    paths = [Path(p) for p in settings.PDF_TRUST_ROOTS] or [_pdf_dir() / "ca.pem"]
    roots = []
    for path in paths:
        if path.exists():
            data = path.read_bytes()
            for _type, _headers, der in asn1_pem.unarmor(data, multiple=True):
                roots.append(asn1_x509.Certificate.load(der))
    return roots


def pdf_sign(data: bytes, *, reason: str, location: str = "Viet Nam", name: str = "") -> bytes:
    """A certification (DocMDP: no changes allowed) PAdES signature over the whole PDF."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    material = pdf_signer_material(create=settings.SIGNING_KEY_AUTO_CREATE)
    if not material.key_path.exists():
        from .keys import SigningUnavailable

        raise SigningUnavailable(_("The PDF signing key is not available to this process; run `manage.py "
                                   "signing_setup` on the signing host."))
    signer = signers.SimpleSigner.load(str(material.key_path), str(material.cert_path),
                                       ca_chain_files=[str(p) for p in material.chain_paths])
    meta = signers.PdfSignatureMetadata(
        field_name="CertificationBodySignature", subfilter=fields.SigSeedSubFilter.PADES, certify=True,
        docmdp_permissions=fields.MDPPerm.NO_CHANGES, reason=reason, location=location, name=name or None,
        md_algorithm="sha256")

    def sign() -> bytes:
        writer = IncrementalPdfFileWriter(io.BytesIO(data), strict=False)
        return signers.sign_pdf(writer, meta, signer=signer).getvalue()

    return _outside_event_loop(sign)


def _outside_event_loop(fn):
    """pyHanko's synchronous API starts its own asyncio loop, which fails in a thread that already runs
    one (an ASGI server, a test driving a browser): there the work runs in a short-lived thread."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return fn()
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(fn).result()


@dataclass(frozen=True)
class PdfSignatureCheck:
    code: str  # valid | not_pdf | not_signed | modified | invalid | untrusted
    signer: str = ""
    signed_at: object = None

    @property
    def ok(self) -> bool:
        return self.code == "valid"


def pdf_signature_check(data: bytes) -> PdfSignatureCheck:
    """Whether the PDF carries a valid signature of the certification body covering the whole file.
    Never raises on bad input."""
    from pyhanko.pdf_utils.misc import PdfError
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.errors import SignatureValidationError
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        signatures = reader.embedded_signatures
    except (PdfError, ValueError, KeyError, TypeError, IndexError, AttributeError, OSError):
        return PdfSignatureCheck("not_pdf")
    if not signatures:
        return PdfSignatureCheck("not_signed")
    if len(signatures) != 1:
        return PdfSignatureCheck("modified")  # we sign once; a second signature is an update after ours
    context = ValidationContext(trust_roots=pdf_trust_roots(), allow_fetching=False, revocation_mode="soft-fail")
    try:
        # no diff analysis: anything but ENTIRE_FILE coverage is refused below, whatever the update says
        status = _outside_event_loop(lambda: validate_pdf_signature(signatures[0], context, skip_diff=True))
    except (SignatureValidationError, PdfError, ValueError, KeyError, TypeError) as exc:
        return PdfSignatureCheck("invalid", signer=str(exc)[:200])
    signer = status.signing_cert.subject.human_friendly if status.signing_cert is not None else ""
    if not (status.intact and status.valid):
        return PdfSignatureCheck("invalid", signer)
    if status.coverage != SignatureCoverageLevel.ENTIRE_FILE:
        return PdfSignatureCheck("modified", signer)
    if not status.trusted:
        return PdfSignatureCheck("untrusted", signer)
    return PdfSignatureCheck("valid", signer, status.signer_reported_dt)
