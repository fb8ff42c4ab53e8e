"""SPDX 2.2 and 2.3, JSON and tag-value, through spdx-tools."""

from __future__ import annotations

import json
from typing import Any

from ply import yacc  # spdx-tools' own parser generator
from spdx_tools.common.spdx_licensing import spdx_licensing
from spdx_tools.spdx.model import Actor, Document, SpdxNoAssertion, SpdxNone
from spdx_tools.spdx.parser.error import SPDXParsingError
from spdx_tools.spdx.parser.json.json_parser import remove_json_control_chars_hook
from spdx_tools.spdx.parser.jsonlikedict.json_like_dict_parser import JsonLikeDictParser
from spdx_tools.spdx.parser.tagvalue.helper_methods import grammar_rule
from spdx_tools.spdx.parser.tagvalue.parser import Parser as _SpdxTagValueParser
from spdx_tools.spdx.validation.document_validator import validate_full_spdx_document

from certification.sbom.inventory import _Inventory
from certification.sbom.types import (
    SPDX_VALIDATION_BUDGET,
    SPDX_VERSIONS,
    WARNINGS_PER_KIND,
    ParsedSbom,
    SbomError,
    _named,
    _truncate,
)

# --------------------------------------------------------------------------- SPDX 2.x


class _TagValueParser(_SpdxTagValueParser):
    """spdx-tools' tag-value parser with the SPDX licence index loaded once.

    The stock ``p_license`` rebuilds the licence index (~35 ms) for every licence field, so a
    tag-value SBOM with 1,000 packages would take over a minute; the JSON parser already uses
    the shared ``spdx_licensing`` instance.
    """

    # ply takes the rule defined on the lowest source line as the start symbol unless told; this
    # override sits on a lower line than the stock grammar, so name the start symbol explicitly.
    start = "start"

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
