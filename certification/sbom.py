"""Parse and validate uploaded SBOMs (CycloneDX and SPDX 2.x) into a flat component inventory.

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

import dataclasses
import functools
import json
import logging
import os
import re
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator
from cyclonedx.validation.xml import XmlValidator
from jsonschema import FormatChecker
from jsonschema.exceptions import ValidationError as JsonSchemaError
from jsonschema.exceptions import best_match
from jsonschema.validators import Draft7Validator, extend
from lxml import etree
from packageurl import PackageURL
from ply import yacc  # spdx-tools' own parser generator
from referencing import Registry
from referencing.jsonschema import DRAFT7
from rfc3986_validator import validate_rfc3986
from spdx_tools.common.spdx_licensing import spdx_licensing
from spdx_tools.spdx.model import Actor, Document, SpdxNoAssertion, SpdxNone
from spdx_tools.spdx.parser.error import SPDXParsingError
from spdx_tools.spdx.parser.json.json_parser import remove_json_control_chars_hook
from spdx_tools.spdx.parser.jsonlikedict.json_like_dict_parser import JsonLikeDictParser
from spdx_tools.spdx.parser.tagvalue.helper_methods import grammar_rule
from spdx_tools.spdx.parser.tagvalue.parser import Parser as _SpdxTagValueParser
from spdx_tools.spdx.validation.document_validator import validate_full_spdx_document

__all__ = ["Component", "ParsedSbom", "SbomError", "VexStatement", "sbom_parse"]

logger = logging.getLogger(__name__)

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
        logger.info("Unexpected error while parsing an SBOM", exc_info=True)
        raise SbomError(
            "malformed",
            _truncate(
                f"The SBOM{_named(filename)} could not be parsed: {type(exc).__name__}: {exc}"
            ),
        ) from exc


# --------------------------------------------------------------------------- sniffing


def _named(filename: str) -> str:
    return f" '{filename}'" if filename else ""


def _truncate(text: str, limit: int = REASON_MAX_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


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


# --------------------------------------------------------------------------- CycloneDX validation


def _schema_version(version: object, filename: str) -> SchemaVersion:
    if not isinstance(version, str):
        raise SbomError(
            "unsupported_version",
            _truncate(
                f"The CycloneDX SBOM{_named(filename)} has no usable specVersion ({version!r})."
            ),
        )
    try:
        return SchemaVersion.from_version(version)
    except (ValueError, KeyError, TypeError):
        raise SbomError(
            "unsupported_version",
            _truncate(
                f"The SBOM{_named(filename)} declares CycloneDX version {version!r}, which is not supported."
            ),
        ) from None


def _iri_to_uri(value: str) -> str:
    """Map an IRI to a URI by percent-encoding non-ASCII characters (RFC 3987, section 3.1)."""
    if value.isascii():
        return value
    return "".join(
        ch if ord(ch) < 128 else "".join(f"%{b:02X}" for b in ch.encode("utf-8")) for ch in value
    )


def _build_format_checker() -> FormatChecker:
    """Draft 7 format checks, with a regex-based IRI check.

    jsonschema's own iri/iri-reference check (rfc3987-syntax, an Earley parser) costs ~20 ms per
    URL: 100 s for a 1.9 MB npm SBOM. The RFC 3987 mapping to a URI plus the RFC 3986 regex gives
    the same verdicts on real SBOMs (it is slightly more lenient about a few non-ASCII code points).
    """
    checker = FormatChecker(formats=())
    checker.checkers = dict(Draft7Validator.FORMAT_CHECKER.checkers)

    @checker.checks("iri")
    def _is_iri(instance: object) -> bool:
        return (
            not isinstance(instance, str)
            or validate_rfc3986(_iri_to_uri(instance), rule="URI") is not None
        )

    @checker.checks("iri-reference")
    def _is_iri_reference(instance: object) -> bool:
        return (
            not isinstance(instance, str)
            or validate_rfc3986(_iri_to_uri(instance), rule="URI_reference") is not None
        )

    return checker


def _unique_key(value: Any) -> Any:
    # Mirrors jsonschema's equality: key order does not matter, 1 == 1.0, but True != 1.
    if isinstance(value, dict):
        return ("object", frozenset((k, _unique_key(v)) for k, v in value.items()))
    if isinstance(value, list):
        return ("array", tuple(_unique_key(v) for v in value))
    if isinstance(value, bool):
        return ("bool", value)
    return value


def _unique_items(
    validator: Any, unique: Any, instance: Any, schema: Any
) -> Iterator[JsonSchemaError]:
    """``uniqueItems`` in O(n) instead of jsonschema's O(n^2) for arrays of objects.

    With the stock check an SBOM of 8,000 components takes 90 s to validate.
    """
    if not unique or not validator.is_type(instance, "array"):
        return
    seen: set[Any] = set()
    for item in instance:
        key = _unique_key(item)
        if key in seen:
            yield JsonSchemaError(
                f"{_truncate(repr(item), 200)} occurs more than once (uniqueItems)"
            )
            return
        seen.add(key)


_FastDraft7Validator = extend(Draft7Validator, validators={"uniqueItems": _unique_items})


def _bundled_schema_registry(schema_dir: str) -> Registry:
    """The auxiliary schemas (SPDX licence ids, JSF, crypto defs) shipped next to the BOM schemas.

    They are registered under the URIs the BOM schemas reference, the same way
    cyclonedx-python-lib does; nothing is ever fetched from the network.
    """
    resources = []
    for name in sorted(os.listdir(schema_dir)):
        if name.endswith(".schema.json") and not name.startswith("bom-"):
            with open(os.path.join(schema_dir, name), encoding="utf-8") as fh:
                resources.append(
                    (_CDX_SCHEMA_URI_PREFIX + name, DRAFT7.create_resource(json.load(fh)))
                )
    return Registry().with_resources(resources)


@functools.cache
def _json_validator(version: SchemaVersion) -> Callable[[Any], JsonSchemaError | None] | None:
    """Return a function giving the first schema violation of a parsed CycloneDX JSON document.

    ``None`` when there is no JSON schema for ``version`` (CycloneDX JSON starts at 1.2).

    Uses the strict schema files of cyclonedx-python-lib's ``JsonStrictValidator`` with two
    performance fixes (see :func:`_build_format_checker`, :func:`_unique_items`). Should the
    library's internals move, fall back to the stock validator: correct, only slower.
    """
    try:
        stock = JsonStrictValidator(version)
    except ValueError:  # the library refuses versions it has no JSON schema for
        return None
    schema_file = stock._schema_file  # the library exposes no public accessor
    if schema_file is None:
        return None
    try:
        with open(schema_file, encoding="utf-8") as fh:
            schema = json.load(fh)
        validator = _FastDraft7Validator(
            schema,
            registry=_bundled_schema_registry(os.path.dirname(schema_file)),
            format_checker=_build_format_checker(),
        )
    except Exception:
        logger.warning(
            "Fast CycloneDX JSON validator unavailable, using the library's", exc_info=True
        )

        def stock_first_error(doc: Any) -> JsonSchemaError | None:
            error = stock.validate_str(json.dumps(doc))
            return None if error is None else error.data

        return stock_first_error

    def first_error(doc: Any) -> JsonSchemaError | None:
        error = next(validator.iter_errors(doc), None)
        return None if error is None else best_match([error])

    first_error.fast = True  # type: ignore[attr-defined]  # lets the tests check the fast path is live
    return first_error


@functools.cache
def _xml_validator(version: SchemaVersion) -> XmlValidator:
    return XmlValidator(version)


# lxml's XMLSchema keeps its error log on the schema object, so concurrent validations with one
# cached validator would read each other's errors.
_xml_validation_lock = threading.Lock()


def _validate_cyclonedx_json(doc: dict[str, Any], version: SchemaVersion, filename: str) -> None:
    first_error = _json_validator(version)
    if first_error is None:
        raise SbomError(
            "unsupported_version",
            f"CycloneDX {version.to_version()} is not supported in JSON{_named(filename)} "
            "(JSON exists from CycloneDX 1.2 on).",
        )
    error = first_error(doc)
    if error is not None:
        where = error.json_path if getattr(error, "json_path", "$") != "$" else "the document root"
        raise SbomError(
            "schema",
            _truncate(
                f"The SBOM{_named(filename)} does not conform to the CycloneDX {version.to_version()} "
                f"JSON schema at {where}: {error.message}"
            ),
        )


def _validate_cyclonedx_xml(text: str, version: SchemaVersion, filename: str) -> None:
    validator = _xml_validator(version)
    with _xml_validation_lock:
        error = validator.validate_str(text)
        if error is None:
            return
        entry = error.data
        message = f"line {entry.line}: {entry.message}" if hasattr(entry, "message") else str(entry)
    raise SbomError(
        "schema",
        _truncate(
            f"The SBOM{_named(filename)} does not conform to the CycloneDX {version.to_version()} "
            f"XML schema, {message}"
        ),
    )


# --------------------------------------------------------------------------- inventory building


_SHA_PLAIN = re.compile(r"SHA(\d+)")


def _hash_alg(alg: str) -> str:
    """Spell hash algorithms one way for CycloneDX ('SHA-256') and SPDX ('SHA256') alike."""
    alg = alg.strip().upper().replace("_", "-")
    match = _SHA_PLAIN.fullmatch(alg)
    return f"SHA-{match.group(1)}" if match else alg


class _Inventory:
    """Collects components, drops bad purls and merges duplicates, accumulating warnings."""

    def __init__(self) -> None:
        self.components: list[Component] = []
        self.warnings: list[str] = []
        self._index: dict[Any, int] = {}
        self._merged = 0
        self._bad_purls = 0

    def add(
        self,
        *,
        name: str,
        version: str,
        group: str = "",
        purl: str = "",
        cpe: str = "",
        licenses: Iterable[str] = (),
        hashes: Iterable[tuple[str, str]] = (),
        bom_ref: str = "",
        component_type: str = "",
        supplier: str = "",
    ) -> None:
        name, version, group = name.strip(), version.strip(), group.strip()
        parsed = self._purl(purl.strip(), name, version)
        if not name and parsed is not None:
            name = parsed.name
        component = Component(
            name=name,
            version=version,
            purl=parsed.to_string() if parsed else "",
            purl_type=parsed.type if parsed else "",
            purl_namespace=(parsed.namespace or "") if parsed else "",
            purl_name=parsed.name if parsed else "",
            cpe=cpe.strip(),
            licenses=_unique_strings(licenses),
            hashes=tuple(sorted({(_hash_alg(a), v.strip().lower()) for a, v in hashes if a and v})),
            bom_ref=bom_ref.strip(),
            component_type=component_type.strip(),
            supplier=supplier.strip(),
        )
        key: Any = component.purl or ("", group, name, version)
        existing = self._index.get(key)
        if existing is None:
            self._index[key] = len(self.components)
            self.components.append(component)
            return
        first = self.components[existing]
        self.components[existing] = dataclasses.replace(
            first,
            licenses=_unique_strings((*first.licenses, *component.licenses)),
            hashes=tuple(sorted(set(first.hashes) | set(component.hashes))),
        )
        self._merged += 1

    def _purl(self, raw: str, name: str, version: str) -> PackageURL | None:
        if not raw:
            return None
        try:
            parsed = PackageURL.from_string(raw)
            # packageurl-python quietly drops an empty name segment ('pkg:apk/alpine/@1.0' becomes
            # the package 'alpine'), which would match the wrong package; treat it as malformed.
            core = raw.split("#", 1)[0].split("?", 1)[0]
            if "@" in core:
                core = core.rsplit("@", 1)[0]
            if core.endswith("/"):
                raise ValueError("the name segment is empty")
            return parsed
        except ValueError as exc:
            self._bad_purls += 1
            if self._bad_purls <= WARNINGS_PER_KIND:
                label = " ".join(p for p in (name, version) if p) or "(unnamed)"
                self.warnings.append(
                    _truncate(
                        f"Dropped the malformed package URL {raw!r} of component {label}: {exc}",
                        300,
                    )
                )
            return None

    def finish(self) -> list[str]:
        if self._bad_purls > WARNINGS_PER_KIND:
            self.warnings.append(
                f"Dropped {self._bad_purls - WARNINGS_PER_KIND} more malformed package URLs "
                f"({self._bad_purls} in total)."
            )
        if self._merged:
            self.warnings.append(
                f"Merged {self._merged} duplicate component entries (same package URL, or same "
                "name and version where there is no package URL)."
            )
        return self.warnings


def _unique_strings(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(v.strip() for v in values if v and v.strip()))


def _vex_skipped_warning(skipped: int) -> list[str]:
    if not skipped:
        return []
    return [
        f"Ignored {skipped} vulnerability entries without an analysis state (not VEX statements)."
    ]


# --------------------------------------------------------------------------- CycloneDX JSON


def _parse_cyclonedx_json(doc: dict[str, Any], filename: str) -> ParsedSbom:
    version = _schema_version(doc.get("specVersion"), filename)
    _validate_cyclonedx_json(doc, version, filename)

    inventory = _Inventory()
    for comp in _walk_json_components(doc.get("components")):
        supplier = comp.get("supplier")
        inventory.add(
            name=_s(comp.get("name")),
            version=_s(comp.get("version")),
            group=_s(comp.get("group")),
            purl=_s(comp.get("purl")),
            cpe=_s(comp.get("cpe")),
            licenses=_json_licenses(comp.get("licenses")),
            hashes=[
                (_s(h.get("alg")), _s(h.get("content")))
                for h in _list(comp.get("hashes"))
                if isinstance(h, dict)
            ],
            bom_ref=_s(comp.get("bom-ref")),
            component_type=_s(comp.get("type")),
            supplier=_s(supplier.get("name")) if isinstance(supplier, dict) else "",
        )

    vex: list[VexStatement] = []
    skipped = 0
    for vuln in _list(doc.get("vulnerabilities")):
        if not isinstance(vuln, dict):
            continue
        analysis = vuln.get("analysis") if isinstance(vuln.get("analysis"), dict) else {}
        if not _s(analysis.get("state")):
            skipped += 1
            continue
        vex.append(
            VexStatement(
                vulnerability_id=_s(vuln.get("id")),
                affects=_unique_strings(
                    _s(a.get("ref")) for a in _list(vuln.get("affects")) if isinstance(a, dict)
                ),
                state=_s(analysis.get("state")),
                justification=_s(analysis.get("justification")),
                detail=_s(analysis.get("detail")),
            )
        )
    return ParsedSbom(
        format="cyclonedx",
        spec_version=version.to_version(),
        encoding="json",
        components=inventory.components,
        vex=vex,
        warnings=inventory.finish() + _vex_skipped_warning(skipped),
    )


def _s(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _walk_json_components(components: Any) -> Iterator[dict[str, Any]]:
    """Pre-order walk through nested components, iterative so depth cannot hit the recursion limit."""
    stack = list(reversed(_list(components)))
    while stack:
        comp = stack.pop()
        if isinstance(comp, dict):
            yield comp
            stack.extend(reversed(_list(comp.get("components"))))


def _json_licenses(licenses: Any) -> Iterator[str]:
    for choice in _list(licenses):
        if not isinstance(choice, dict):
            continue
        if isinstance(choice.get("expression"), str):
            yield choice["expression"]
        elif isinstance(choice.get("license"), dict):
            lic = choice["license"]
            yield _s(lic.get("id")) or _s(lic.get("name"))


# --------------------------------------------------------------------------- CycloneDX XML


def _parse_cyclonedx_xml(
    text: str, root: etree._Element, namespace: str, filename: str
) -> ParsedSbom:
    raw_version = (
        namespace[len(CYCLONEDX_NS_PREFIX) :] if namespace.startswith(CYCLONEDX_NS_PREFIX) else ""
    )
    version = _schema_version(raw_version, filename)
    if etree.QName(root).localname != "bom":
        raise SbomError(
            "schema",
            f"The SBOM{_named(filename)} does not conform to the CycloneDX schema: the root element is "
            f"{etree.QName(root).localname!r}, not 'bom'.",
        )
    _validate_cyclonedx_xml(text, version, filename)

    ns = f"{{{namespace}}}"

    def child_text(el: etree._Element, path: str) -> str:
        return (el.findtext(path.replace("{ns}", ns)) or "").strip()

    inventory = _Inventory()
    for comp in _walk_xml_components(root.find(f"{ns}components"), ns):
        licenses: list[str] = []
        lic_root = comp.find(f"{ns}licenses")
        if lic_root is not None:
            for lic in lic_root:
                if lic.tag == f"{ns}expression":
                    licenses.append((lic.text or "").strip())
                elif lic.tag == f"{ns}license":
                    licenses.append(child_text(lic, "{ns}id") or child_text(lic, "{ns}name"))
        inventory.add(
            name=child_text(comp, "{ns}name"),
            version=child_text(comp, "{ns}version"),
            group=child_text(comp, "{ns}group"),
            purl=child_text(comp, "{ns}purl"),
            cpe=child_text(comp, "{ns}cpe"),
            licenses=licenses,
            hashes=[
                (h.get("alg") or "", h.text or "") for h in comp.iterfind(f"{ns}hashes/{ns}hash")
            ],
            bom_ref=comp.get("bom-ref") or "",
            component_type=comp.get("type") or "",
            supplier=child_text(comp, "{ns}supplier/{ns}name"),
        )

    vex: list[VexStatement] = []
    skipped = 0
    for vuln in root.iterfind(f"{ns}vulnerabilities/{ns}vulnerability"):
        state = child_text(vuln, "{ns}analysis/{ns}state")
        if not state:
            skipped += 1
            continue
        vex.append(
            VexStatement(
                vulnerability_id=child_text(vuln, "{ns}id"),
                affects=_unique_strings(
                    (t.text or "") for t in vuln.iterfind(f"{ns}affects/{ns}target/{ns}ref")
                ),
                state=state,
                justification=child_text(vuln, "{ns}analysis/{ns}justification"),
                detail=child_text(vuln, "{ns}analysis/{ns}detail"),
            )
        )
    return ParsedSbom(
        format="cyclonedx",
        spec_version=version.to_version(),
        encoding="xml",
        components=inventory.components,
        vex=vex,
        warnings=inventory.finish() + _vex_skipped_warning(skipped),
    )


def _walk_xml_components(components: etree._Element | None, ns: str) -> Iterator[etree._Element]:
    if components is None:
        return
    stack = list(reversed(components.findall(f"{ns}component")))
    while stack:
        comp = stack.pop()
        yield comp
        stack.extend(reversed(comp.findall(f"{ns}components/{ns}component")))


# --------------------------------------------------------------------------- SPDX 2.x


class _TagValueParser(_SpdxTagValueParser):
    """spdx-tools' tag-value parser with the SPDX licence index loaded once.

    The stock ``p_license`` rebuilds the licence index (~35 ms) for every licence field, so a
    tag-value SBOM with 1,000 packages would take over a minute; the JSON parser already uses
    the shared ``spdx_licensing`` instance.
    """

    @grammar_rule("license_or_no_assertion_or_none : LINE")
    def p_license(self, p: Any) -> None:
        try:
            p[0] = spdx_licensing.parse(p[1])
        except Exception as err:  # mirror the stock rule, which logs and carries on
            message = f"Error while parsing license expression: {p[1]}"
            if err.args:
                message += f": {err.args[0]}"
            self.current_element["logger"].append(message)


def _check_spdx_version(version: object, filename: str) -> str:
    if version in SPDX_VERSIONS:
        return str(version)
    raise SbomError(
        "unsupported_version",
        _truncate(
            f"SPDX version {version!r}{_named(filename)} is not supported; "
            f"accepted are {', '.join(SPDX_VERSIONS)}."
        ),
    )


def _spdx_parse_error(exc: SPDXParsingError, filename: str) -> SbomError:
    messages = "; ".join(str(m) for m in exc.get_messages())
    return SbomError(
        "malformed",
        _truncate(f"The SPDX document{_named(filename)} could not be parsed: {messages}"),
    )


def _parse_spdx_json(text: str, version: object, filename: str) -> ParsedSbom:
    spec_version = _check_spdx_version(version, filename)
    # Same loading as spdx-tools' json_parser (which strips \b and \f), without a temporary file.
    doc = json.loads(text, object_pairs_hook=remove_json_control_chars_hook)
    try:
        document = JsonLikeDictParser().parse(doc)
    except SPDXParsingError as exc:
        raise _spdx_parse_error(exc, filename) from None
    return _spdx_result(document, spec_version, "json")


def _parse_spdx_tag_value(text: str, version: str, filename: str) -> ParsedSbom:
    spec_version = _check_spdx_version(version, filename)
    # No table files written into site-packages and no grammar debug output.
    parser = _TagValueParser(write_tables=False, debug=False, errorlog=yacc.NullLogger())
    try:
        document = parser.parse(text)
    except SPDXParsingError as exc:
        raise _spdx_parse_error(exc, filename) from None
    return _spdx_result(document, spec_version, "tag-value")


def _spdx_license(value: Any) -> str:
    if value is None or isinstance(value, (SpdxNoAssertion, SpdxNone)):
        return ""
    return str(value)


def _spdx_result(document: Document, spec_version: str, encoding: str) -> ParsedSbom:
    inventory = _Inventory()
    for package in document.packages:
        purl = cpe23 = cpe22 = ""
        for ref in package.external_references:
            ref_type = (ref.reference_type or "").strip()
            if ref_type == "purl" and not purl:
                purl = ref.locator
            elif ref_type == "cpe23Type" and not cpe23:
                cpe23 = ref.locator
            elif ref_type == "cpe22Type" and not cpe22:
                cpe22 = ref.locator
        inventory.add(
            name=package.name or "",
            version=package.version or "",
            purl=purl,
            cpe=cpe23 or cpe22,
            licenses=(
                _spdx_license(package.license_concluded),
                _spdx_license(package.license_declared),
            ),
            hashes=[(c.algorithm.name, c.value) for c in package.checksums],
            bom_ref=package.spdx_id,
            component_type=package.primary_package_purpose.name.lower().replace("_", "-")
            if package.primary_package_purpose
            else "",
            supplier=package.supplier.name if isinstance(package.supplier, Actor) else "",
        )
    warnings = inventory.finish()
    elements = len(document.packages) + len(document.files) + len(document.snippets)
    cost = (elements + 1) * (len(document.relationships) + 1)
    if cost > SPDX_VALIDATION_BUDGET:
        warnings.append(
            f"SPDX validation was skipped: the document has {elements:,} elements and "
            f"{len(document.relationships):,} relationships, too many to check in reasonable time."
        )
        messages = []
    else:
        messages = validate_full_spdx_document(document)
    for message in messages[:WARNINGS_PER_KIND]:
        warnings.append(_truncate(f"SPDX validation: {message.validation_message}", 300))
    if len(messages) > WARNINGS_PER_KIND:
        warnings.append(
            f"SPDX validation: {len(messages) - WARNINGS_PER_KIND} more findings not shown."
        )
    return ParsedSbom(
        format="spdx",
        spec_version=spec_version,
        encoding=encoding,
        components=inventory.components,
        vex=[],
        warnings=warnings,
    )
