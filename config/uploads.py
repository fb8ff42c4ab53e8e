"""One way in for every uploaded file: size limits, content hash and content sniffing.

The client's declared type and file name are never trusted: the stored name is the SHA-256 and the
type is what the first bytes say. Callers decide which sniffed types they accept."""

import hashlib
import json
from dataclasses import dataclass

import filetype
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from config.documents import DOCX, ODT, PDF, document_check
from config.errors import ApplicationError, PayloadTooLarge, UnsupportedMediaType

JSON = "application/json"
XML = "application/xml"
TEXT = "text/plain"
OCTET = "application/octet-stream"

DOCUMENT_TYPES = frozenset({PDF, DOCX, ODT})
SNIFF_BYTES = 65536


@dataclass(frozen=True)
class InspectedUpload:
    sha256: str
    size: int
    content_type: str
    name: str


def sniff(head: bytes) -> str:
    """Best guess of the content type from the first bytes (64 KiB is plenty)."""
    if head.startswith(b"%PDF-"):
        return PDF
    kind = filetype.guess(head)
    if kind is not None:
        if kind.mime == "application/zip":
            # an Office package that is no spreadsheet or slides claims to be DOCX, and is checked as one
            if b"word/" in head or b"[Content_Types].xml" in head:
                return DOCX
            if b"application/vnd.oasis.opendocument.text" in head:
                return ODT
        return kind.mime
    text = head.lstrip(b"\xef\xbb\xbf").lstrip()
    try:
        decoded = text.decode("utf-8")
    except UnicodeDecodeError:
        # a multi-byte character cut at the end of the sample is still text
        try:
            decoded = text[:-4].decode("utf-8")
        except UnicodeDecodeError:
            return OCTET
    if decoded.startswith(("{", "[")):
        try:
            json.loads(decoded)
            return JSON
        except (ValueError, RecursionError):
            # truncated sample of a large JSON document
            return JSON if len(head) >= SNIFF_BYTES else TEXT
    if decoded.startswith("<"):
        return XML
    if "\x00" in decoded:
        return OCTET
    return TEXT


def too_large(limit: int, **details) -> PayloadTooLarge:
    return PayloadTooLarge(
        _("The file is larger than the limit of %(mb)s MB.") % {"mb": max(limit // (1024 * 1024), 1)},
        details={"limit": limit, **details},
    )


def upload_inspect(file, *, max_bytes: int | None = None, allowed_types=None, accepted_as: str = "",
                   declared_sha256: str = "", default_name: str = "upload") -> InspectedUpload:
    """Check an uploaded file's size, hash it and sniff its type, reading it once; a PDF, DOCX or ODT
    must also be what it claims (config.documents). Raise the API's errors (400 empty or hash mismatch,
    413 too large, 415 type not accepted or `invalid_document`). The file is left at 0."""
    if file is None:
        raise ApplicationError(_("No file was uploaded."), code="invalid", details={"file": ["required"]})
    limit = settings.ARTIFACT_MAX_BYTES if max_bytes is None else max_bytes
    size = file.size or 0
    if size > limit:
        raise too_large(limit, size=size)
    if size == 0:
        raise ApplicationError(_("The file is empty."), code="empty_file", details={"file": ["empty"]})
    digest, head = hashlib.sha256(), b""
    file.seek(0)
    for chunk in file.chunks():
        if len(head) < SNIFF_BYTES:
            head += chunk[: SNIFF_BYTES - len(head)]
        digest.update(chunk)
    file.seek(0)
    sha256 = digest.hexdigest()
    declared = (declared_sha256 or "").strip().lower()
    if declared and declared != sha256:
        raise ApplicationError(
            _("The file's SHA-256 does not match the hash you declared."), code="hash_mismatch",
            details={"declared": declared, "actual": sha256},
        )
    content_type = sniff(head)
    if allowed_types is not None and content_type not in allowed_types:
        message = (_("A file of type %(type)s is not accepted as %(kind)s.") if accepted_as
                   else _("A file of type %(type)s is not accepted here."))
        raise UnsupportedMediaType(
            message % {"type": content_type, "kind": accepted_as},
            details={"content_type": content_type, "allowed": sorted(allowed_types)},
        )
    if content_type in DOCUMENT_TYPES:
        document_check(file, content_type=content_type)
    name = (getattr(file, "name", "") or default_name).replace("\x00", "")[-255:]
    return InspectedUpload(sha256=sha256, size=size, content_type=content_type, name=name)
