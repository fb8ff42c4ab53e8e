"""Content sniffing for uploads: the client's declared type and file name are never trusted."""

import json

import filetype

from registry.choices import ArtifactKind

PDF = "application/pdf"
JSON = "application/json"
XML = "application/xml"
TEXT = "text/plain"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ODT = "application/vnd.oasis.opendocument.text"
OCTET = "application/octet-stream"

DOCUMENT_TYPES = {PDF, DOCX, ODT}
ALLOWED_TYPES: dict[str, set[str] | None] = {
    ArtifactKind.SBOM: {JSON, XML, TEXT},
    ArtifactKind.USER_GUIDE: DOCUMENT_TYPES,
    ArtifactKind.ADMIN_GUIDE: DOCUMENT_TYPES,
    ArtifactKind.SECURITY_TARGET: DOCUMENT_TYPES,
    ArtifactKind.TEST_REPORT: DOCUMENT_TYPES,
    ArtifactKind.INSTALLER: None,  # any binary
    ArtifactKind.OTHER: None,
}


def sniff(head: bytes) -> str:
    """Best guess of the content type from the first bytes (64 KiB is plenty)."""
    if head.startswith(b"%PDF-"):
        return PDF
    kind = filetype.guess(head)
    if kind is not None:
        if kind.mime == "application/zip":
            if b"word/" in head:
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
        except ValueError:
            # truncated sample of a large JSON document
            return JSON if len(head) >= 65536 else TEXT
    if decoded.startswith("<"):
        return XML
    if "\x00" in decoded:
        return OCTET
    return TEXT


def type_allowed(kind: str, content_type: str) -> bool:
    allowed = ALLOWED_TYPES.get(kind)
    return allowed is None or content_type in allowed
