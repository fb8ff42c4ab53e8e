"""What the SBOM parser returns, and its one error type."""

from __future__ import annotations

from dataclasses import dataclass, field

REASON_MAX_CHARS = 500
# Per-kind cap on individual warnings so a 10,000-component SBOM full of bad purls does not
# produce a 10,000-line report; a summary line carries the rest.
WARNINGS_PER_KIND = 20

SPDX_VERSIONS = ("SPDX-2.2", "SPDX-2.3")
# spdx-tools' validator is quadratic (every relationship re-lists every element id): about 2 us per
# unit of (elements x relationships), so 8,000 packages take 45 s. Above this budget (~2 s) we
# skip it; it only produces warnings anyway.
SPDX_VALIDATION_BUDGET = 1_000_000
CYCLONEDX_NS_PREFIX = "http://cyclonedx.org/schema/bom/"
_CDX_SCHEMA_URI_PREFIX = "http://cyclonedx.org/schema/"


# --------------------------------------------------------------------------- public types


class SbomError(Exception):
    """Raised for an invalid or unsupported SBOM.

    ``reason`` is a human-readable English sentence that includes the parser's own message (e.g.
    the schema violation); ``code`` is a short slug: ``too_large``, ``encoding``,
    ``unsupported_format``, ``unsupported_version``, ``malformed`` or ``schema``.
    """

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason

    def __repr__(self) -> str:
        return f"SbomError(code={self.code!r}, reason={self.reason!r})"


@dataclass(frozen=True)
class Component:
    """One inventory entry.

    ``purl`` is the canonical package URL ('' if absent or malformed) and ``purl_type``,
    ``purl_namespace``, ``purl_name`` come from it (decoded, '' when there is no purl).
    ``hashes`` holds ``(ALG, hexvalue)`` pairs, sorted, with the algorithm spelled the CycloneDX
    way in upper case (``SHA-256``, ``SHA3-256``, ``BLAKE2B-256``, ``MD5``) whatever the source
    format, and the value in lower case. ``name`` falls back to the purl's name when the SBOM
    leaves it empty.
    """

    name: str
    version: str
    purl: str
    purl_type: str
    purl_namespace: str
    purl_name: str
    cpe: str
    licenses: tuple[str, ...]
    hashes: tuple[tuple[str, str], ...]
    bom_ref: str
    component_type: str
    supplier: str


@dataclass(frozen=True)
class VexStatement:
    """A CycloneDX ``vulnerabilities[]`` entry that carries an ``analysis.state``.

    ``affects`` holds the ``affects[].ref`` values verbatim (bom-refs, purls or BOM-links).
    """

    vulnerability_id: str
    affects: tuple[str, ...]
    state: str
    justification: str
    detail: str


@dataclass
class ParsedSbom:
    """Result of :func:`sbom_parse`."""

    format: str  # 'cyclonedx' | 'spdx'
    spec_version: str  # '1.4', 'SPDX-2.3', ...
    encoding: str  # 'json' | 'xml' | 'tag-value'
    components: list[Component] = field(default_factory=list)
    vex: list[VexStatement] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)




def _named(filename: str) -> str:
    return f" '{filename}'" if filename else ""


def _truncate(text: str, limit: int = REASON_MAX_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


