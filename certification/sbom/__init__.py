"""
Pure Python, no Django: the caller hands in the uploaded bytes and gets a :class:`ParsedSbom`
back, or an :class:`SbomError` whose ``reason`` can be shown to the vendor as is.

Supported inputs (the format is sniffed from the content; the file name is only used in messages):

* CycloneDX JSON 1.2-1.7 and CycloneDX XML 1.0-1.7 (every version the installed
  cyclonedx-python-lib ships a schema for). The document must be schema-valid.
* SPDX 2.2 and 2.3 as JSON or tag-value, parsed with spdx-tools. SPDX validation findings are
  reported as warnings, not failures, because real-world SPDX documents are often subtly invalid
  and still usable as an inventory; only a document spdx-tools cannot parse is rejected.

Rejected with a specific ``code``: SPDX 3 JSON-LD (``unsupported_version``), SPDX RDF/XML,
SPDX XML and SPDX YAML (``unsupported_format``), non-UTF-8 text (``encoding``).

Inventory rules:

* CycloneDX: every component under ``components``, walked recursively through nested
  ``components``. ``metadata.component`` (and anything nested in it) describes the product
  itself and is not part of the inventory. Services are not components.
* SPDX: every package is a component, including the package(s) the document DESCRIBES. Unlike
  CycloneDX, SPDX has no separate slot for the product, and many SPDX documents consist of
  nothing but the described package, so dropping it would leave an empty inventory. Files and
  snippets are not components.
* Duplicates (same canonical purl, or same group+name+version when there is no purl) are merged:
  the first occurrence wins and the licences and hashes of the others are added to it.
* A malformed purl is dropped (``purl == ''``) with a warning; it never fails the upload.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
from collections.abc import Mapping
from typing import Any

from lxml import etree

from certification.sbom.cyclonedx import _parse_cyclonedx_json, _parse_cyclonedx_xml
from certification.sbom.spdx import _parse_spdx_json, _parse_spdx_tag_value
from certification.sbom.types import (
    CYCLONEDX_NS_PREFIX,
    Component,
    ParsedSbom,
    SbomError,
    VexStatement,
    _named,
    _truncate,
)

__all__ = ["Component", "ParsedSbom", "SbomError", "VexStatement", "sbom_parse"]

logger = logging.getLogger(__name__)


def sbom_parse(data: bytes, *, filename: str = "", max_bytes: int | None = None) -> ParsedSbom:
    """Sniff, validate and parse an SBOM.

    Raises :class:`SbomError` for anything that is not an acceptable SBOM; no other exception
    escapes for bad input (``MemoryError`` and ``KeyboardInterrupt`` are let through).
    """
    if max_bytes is not None and len(data) > max_bytes:
        raise SbomError(
            "too_large",
            f"The SBOM{_named(filename)} is {len(data):,} bytes, more than the limit of {max_bytes:,} bytes.",
        )
    text = _decode(bytes(data), filename)
    try:
        return _parse_text(text, filename)
    except (SbomError, MemoryError):
        raise
    except RecursionError:
        raise SbomError(
            "malformed", f"The SBOM{_named(filename)} is nested too deeply to be processed."
        ) from None
    except Exception as exc:  # third-party parsers raise anything on hostile input
        # the parser's own words stay in the log, under a reference the reader is given
        incident = "SBOM-" + secrets.token_hex(4).upper()
        logger.info("Unexpected error while parsing an SBOM [incident %s]", incident, exc_info=True)
        raise SbomError(
            "malformed",
            f"The SBOM{_named(filename)} could not be parsed (reference {incident}).",
        ) from exc


# --------------------------------------------------------------------------- sniffing



def _decode(data: bytes, filename: str) -> str:
    """UTF-8 only: SBOM tools all emit it, and guessing other encodings invites mojibake."""
    for bom, name in (
        (b"\x00\x00\xfe\xff", "UTF-32"),
        (b"\xff\xfe\x00\x00", "UTF-32"),
        (b"\xfe\xff", "UTF-16"),
        (b"\xff\xfe", "UTF-16"),
    ):
        if data.startswith(bom):
            raise SbomError(
                "encoding",
                f"The SBOM{_named(filename)} is encoded as {name} (it starts with a {name} byte order mark); "
                "only UTF-8 is accepted. Please re-save it as UTF-8.",
            )
    # UTF-16/32 without a byte order mark: ASCII text then has NUL bytes in every other position.
    if b"\x00" in data[:64] and data[:64].count(b"\x00") >= len(data[:64]) // 4:
        raise SbomError(
            "encoding",
            f"The SBOM{_named(filename)} looks like UTF-16 or UTF-32 text (it contains NUL bytes); "
            "only UTF-8 is accepted. Please re-save it as UTF-8.",
        )
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SbomError(
            "encoding",
            f"The SBOM{_named(filename)} is not valid UTF-8 text (byte {exc.start}: {exc.reason}); "
            "only UTF-8 is accepted.",
        ) from None


_TAG_VALUE_VERSION = re.compile(r"^[ \t]*SPDXVersion[ \t]*:[ \t]*(\S*)", re.MULTILINE)
_YAML_SPDX = re.compile(r"^[ \t]*['\"]?spdxVersion['\"]?[ \t]*:", re.MULTILINE)


def _parse_text(text: str, filename: str) -> ParsedSbom:
    stripped = text.lstrip()
    if not stripped:
        raise SbomError("malformed", f"The SBOM{_named(filename)} is empty.")
    if stripped[0] in "{[":
        return _parse_json_text(text, filename)
    if stripped[0] == "<":
        return _parse_xml_text(text, filename)
    match = _TAG_VALUE_VERSION.search(text)
    if match:
        return _parse_spdx_tag_value(text, match.group(1), filename)
    if _YAML_SPDX.search(text):
        raise SbomError(
            "unsupported_format",
            f"The SBOM{_named(filename)} looks like SPDX YAML, which is not accepted; "
            "please upload SPDX JSON or tag-value, or CycloneDX JSON or XML.",
        )
    raise SbomError(
        "unsupported_format",
        f"The file{_named(filename)} is not a recognised SBOM: expected CycloneDX JSON or XML, "
        "or SPDX 2.2/2.3 JSON or tag-value.",
    )


def _parse_json_text(text: str, filename: str) -> ParsedSbom:
    try:
        doc = json.loads(text)
    except ValueError as exc:  # JSONDecodeError, and int-too-long errors
        raise SbomError(
            "malformed", _truncate(f"The SBOM{_named(filename)} is not valid JSON: {exc}.")
        ) from None
    if not isinstance(doc, dict):
        raise SbomError(
            "unsupported_format",
            f"The JSON file{_named(filename)} is not an SBOM: its top level is not an object.",
        )
    if _is_spdx3(doc):
        raise SbomError(
            "unsupported_version",
            f"The SBOM{_named(filename)} is SPDX 3 (JSON-LD), which is not supported yet; "
            "please upload SPDX 2.2/2.3 or CycloneDX.",
        )
    if doc.get("bomFormat") == "CycloneDX":
        return _parse_cyclonedx_json(doc, filename)
    if "spdxVersion" in doc:
        return _parse_spdx_json(text, doc.get("spdxVersion"), filename)
    if "bomFormat" in doc:
        raise SbomError(
            "unsupported_format",
            _truncate(
                f"The JSON file{_named(filename)} declares bomFormat {doc.get('bomFormat')!r}; "
                "only 'CycloneDX' is recognised."
            ),
        )
    raise SbomError(
        "unsupported_format",
        f"The JSON file{_named(filename)} is neither CycloneDX (no bomFormat 'CycloneDX') "
        "nor SPDX (no spdxVersion).",
    )


def _is_spdx3(doc: Mapping[str, Any]) -> bool:
    context = doc.get("@context")
    contexts = context if isinstance(context, list) else [context]
    return any(isinstance(c, str) and "spdx.org/rdf/3" in c for c in contexts)


# Entities are neither resolved nor fetched, and libxml2's own amplification limit stays on;
# any DOCTYPE is rejected after parsing anyway because no SBOM format needs one.
def _safe_xml_parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_pis=True,
        recover=False,
    )


def _parse_xml_text(text: str, filename: str) -> ParsedSbom:
    try:
        root = etree.fromstring(text.encode("utf-8"), parser=_safe_xml_parser())
    except etree.XMLSyntaxError as exc:
        raise SbomError(
            "malformed", _truncate(f"The SBOM{_named(filename)} is not well-formed XML: {exc}.")
        ) from None
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None:
        raise SbomError(
            "malformed",
            f"The XML file{_named(filename)} contains a DOCTYPE declaration, which SBOMs never need "
            "and which is refused for safety (entity expansion).",
        )
    declared = (docinfo.encoding or "UTF-8").upper()
    if declared not in ("UTF-8", "UTF8", "US-ASCII", "ASCII"):
        raise SbomError(
            "encoding",
            f"The XML file{_named(filename)} declares the encoding {docinfo.encoding}; only UTF-8 is accepted.",
        )
    qname = etree.QName(root)
    namespace = qname.namespace or ""
    if namespace.startswith(CYCLONEDX_NS_PREFIX) or (
        qname.localname == "bom" and "cyclonedx" in namespace
    ):
        return _parse_cyclonedx_xml(text, root, namespace, filename)
    if qname.localname == "RDF" or "spdx.org" in namespace or qname.localname == "Document":
        raise SbomError(
            "unsupported_format",
            f"The SBOM{_named(filename)} looks like SPDX RDF/XML or SPDX XML, which is not accepted; "
            "please upload SPDX JSON or tag-value, or CycloneDX JSON or XML.",
        )
    raise SbomError(
        "unsupported_format",
        _truncate(
            f"The XML file{_named(filename)} is not a CycloneDX SBOM: its root element is "
            f"{qname.localname!r} in namespace {namespace or '(none)'!r}."
        ),
    )


