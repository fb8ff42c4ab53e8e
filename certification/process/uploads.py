"""Which sniffed content types each kind of artifact accepts (config.uploads does the sniffing)."""

from config.uploads import DOCUMENT_TYPES, JSON, TEXT, XML
from registry.choices import ArtifactKind

ALLOWED_TYPES: dict[str, frozenset[str] | None] = {
    ArtifactKind.SBOM: frozenset({JSON, XML, TEXT}),
    ArtifactKind.USER_GUIDE: DOCUMENT_TYPES,
    ArtifactKind.ADMIN_GUIDE: DOCUMENT_TYPES,
    ArtifactKind.SECURITY_TARGET: DOCUMENT_TYPES,
    ArtifactKind.TEST_REPORT: DOCUMENT_TYPES,
    ArtifactKind.INSTALLER: None,  # any binary
    ArtifactKind.OTHER: None,
}
