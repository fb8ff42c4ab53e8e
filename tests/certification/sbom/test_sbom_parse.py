"""Tests for certification.sbom against the real SBOMs in ../shared/data/sbom.

Plain pytest functions: no database and no Django are needed. Tests that read the shared data
skip with a reason where it is absent; the synthetic ones always run.
"""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path

import pytest

from certification.sbom import (
    Component,
    ParsedSbom,
    SbomError,
    VexStatement,
    sbom_parse,
)
from certification.sbom.cyclonedx import _json_validator

DATA = (Path(__file__).resolve().parents[3] / ".." / "shared" / "data").resolve()
SBOM = DATA / "sbom"
CDX = SBOM / "cyclonedx"
SPDX = SBOM / "spdx"

needs_data = pytest.mark.skipif(
    not SBOM.is_dir(),
    reason=f"shared SBOM test data not found at {SBOM} (../shared/data beside the checkout)",
)


def _files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.is_file()) if folder.is_dir() else []


def _ids(paths: list[Path]) -> list[str]:
    return [p.name for p in paths]


def parse_file(path: Path) -> ParsedSbom:
    return sbom_parse(path.read_bytes(), filename=path.name)


def raises_sbom_error(path_or_bytes: Path | bytes) -> SbomError:
    data = path_or_bytes.read_bytes() if isinstance(path_or_bytes, Path) else path_or_bytes
    with pytest.raises(SbomError) as info:
        sbom_parse(data)
    assert info.value.reason, "every SbomError carries a human-readable reason"
    return info.value


# --------------------------------------------------------------------------- CycloneDX real

# Inventory sizes after excluding metadata.component and merging duplicates, checked by hand
# against the documents (juice-shop-11.1.2 is flat despite SOURCES.md calling it nested).
CDX_REAL_COUNTS = {
    "alpine.cdx.xml": ("1.4", "xml", 16),
    "cern-lhc-vdm-editor.cdx-1.2.json": ("1.2", "json", 43),
    "cern-lhc-vdm-editor.cdx-1.2.xml": ("1.2", "xml", 43),
    "dropwizard-1.3.15.cdx-1.2.json": ("1.2", "json", 167),
    "dropwizard-1.3.15.cdx-1.2.xml": ("1.2", "xml", 167),
    "juice-shop-11.1.2.cdx-1.2.json": ("1.2", "json", 840),
    # 1,115 entries in the document, 137 of them repeat a purl (npm's flat layout).
    "juice-shop-via-npm-flat.cdx-1.4.json": ("1.4", "json", 978),
    "keycloak-10.0.2.cdx-1.2.json": ("1.2", "json", 903),
    "laravel-7.12.0.cdx-1.1.xml": ("1.1", "xml", 62),
    "laravel-7.12.0.cdx-1.4.json": ("1.4", "json", 62),
    "laravel-7.12.0.cdx-1.4.xml": ("1.4", "xml", 62),
    "postgres-stretch-debian.cdx.xml": ("1.4", "xml", 137),
    "proton-bridge-1.6.3.cdx-1.2.json": ("1.2", "json", 201),
    "proton-bridge-1.8.0.cdx-1.2.json": ("1.2", "json", 201),
    "webgoat-6.1.cdx-1.4.xml": ("1.4", "xml", 52),
}


@needs_data
def test_every_real_cyclonedx_file_has_an_expected_count() -> None:
    assert set(_ids(_files(CDX / "real"))) == set(CDX_REAL_COUNTS)


@needs_data
@pytest.mark.parametrize("name", sorted(CDX_REAL_COUNTS))
def test_real_cyclonedx_parses(name: str) -> None:
    spec_version, encoding, count = CDX_REAL_COUNTS[name]
    result = parse_file(CDX / "real" / name)
    assert (result.format, result.spec_version, result.encoding) == (
        "cyclonedx",
        spec_version,
        encoding,
    )
    assert len(result.components) == count
    assert all(isinstance(c, Component) for c in result.components)
    # Dedup invariant: no two components share a purl.
    purls = [c.purl for c in result.components if c.purl]
    assert len(purls) == len(set(purls))


@needs_data
def test_product_in_metadata_is_not_inventory() -> None:
    result = parse_file(CDX / "real" / "juice-shop-11.1.2.cdx-1.2.json")
    assert "pkg:npm/juice-shop@11.1.2" not in {c.purl for c in result.components}


@needs_data
def test_keycloak_fields_and_json_xml_agree() -> None:
    result = parse_file(CDX / "real" / "keycloak-10.0.2.cdx-1.2.json")
    assert not result.warnings
    with_hashes = [c for c in result.components if c.hashes]
    assert with_hashes, "keycloak components carry hashes"
    for c in with_hashes:
        assert list(c.hashes) == sorted(c.hashes)
        assert all(alg == alg.upper() and value == value.lower() for alg, value in c.hashes)
    maven = [c for c in result.components if c.purl_type == "maven"]
    assert len(maven) > 800 and all(c.purl_namespace and c.purl_name for c in maven)

    json_result = parse_file(CDX / "real" / "dropwizard-1.3.15.cdx-1.2.json")
    xml_result = parse_file(CDX / "real" / "dropwizard-1.3.15.cdx-1.2.xml")
    without_licenses = [dataclasses.replace(c, licenses=()) for c in json_result.components]
    assert without_licenses == [dataclasses.replace(c, licenses=()) for c in xml_result.components]
    # The upstream XML lacks one licence the JSON has (osgi-resource-locator); all others agree.
    differing = [
        j.name
        for j, x in zip(json_result.components, xml_result.components, strict=True)
        if j.licenses != x.licenses
    ]
    assert differing == ["osgi-resource-locator"]


@needs_data
def test_npm_flat_duplicates_are_merged_with_a_warning() -> None:
    result = parse_file(CDX / "real" / "juice-shop-via-npm-flat.cdx-1.4.json")
    assert any("Merged 137 duplicate" in w for w in result.warnings)
    ansi = [c for c in result.components if c.purl == "pkg:npm/ansi-regex@5.0.1"]
    assert len(ansi) == 1
    assert ansi[0].licenses == ("MIT",)


@needs_data
def test_scoped_npm_purl_is_canonical() -> None:
    result = parse_file(CDX / "real" / "juice-shop-11.1.2.cdx-1.2.json")
    scoped = [c for c in result.components if c.purl_namespace.startswith("@")]
    assert scoped
    for c in scoped:
        assert c.purl.startswith(f"pkg:npm/%40{c.purl_namespace[1:]}/")


@needs_data
def test_alpine_component_fields() -> None:
    result = parse_file(CDX / "real" / "alpine.cdx.xml")
    musl = next(c for c in result.components if c.name == "musl")
    assert musl.version == "1.2.3-r4"
    assert musl.purl_type == "apk" and musl.purl_namespace == "alpine" and musl.purl_name == "musl"
    assert musl.purl.startswith("pkg:apk/alpine/musl@1.2.3-r4?")
    assert musl.cpe.startswith("cpe:2.3:a:")
    assert musl.licenses == ("MIT",)
    assert musl.component_type == "library"
    assert musl.bom_ref


# --------------------------------------------------------------------------- CycloneDX VEX

VEX_EXPECTED = {
    "cisa-case1-vex-affected.json": ("CVE-2021-44228", "exploitable", ("product-DEF",)),
    "cisa-case1-vex-fixed.json": ("CVE-2021-44228", "resolved", ("product-DEF",)),
    "cisa-case1-vex-not_affected.json": ("CVE-2021-44228", "not_affected", ("product-ABC",)),
    "cisa-case1-vex-under_investigation.json": ("CVE-2021-44228", "in_triage", ("product-GHI",)),
}


@needs_data
@pytest.mark.parametrize("name", sorted(VEX_EXPECTED))
def test_cisa_vex_statements(name: str) -> None:
    result = parse_file(CDX / "vex" / name)
    vuln_id, state, affects = VEX_EXPECTED[name]
    assert [(v.vulnerability_id, v.state, v.affects) for v in result.vex] == [
        (vuln_id, state, affects)
    ]
    assert result.components == []


@needs_data
def test_vex_example_with_justification() -> None:
    result = parse_file(CDX / "vex" / "vex.json")
    (statement,) = result.vex
    assert statement == VexStatement(
        vulnerability_id="CVE-2020-25649",
        affects=(
            "urn:cdx:3e671687-395b-41f5-a30f-a58921a69b79/1#"
            "pkg:maven/com.fasterxml.jackson.core/jackson-databind@2.10.0?type=jar",
        ),
        state="not_affected",
        justification="code_not_reachable",
        detail=statement.detail,
    )
    assert statement.detail.startswith("Automated dataflow analysis")
    assert len(parse_file(CDX / "vex" / "bom.json").components) == 3


@needs_data
@pytest.mark.parametrize("name", ["valid-vulnerability-1.6.json", "valid-vulnerability-1.6.xml"])
def test_vex_json_and_xml_agree(name: str) -> None:
    result = parse_file(CDX / "schema-tests" / "valid" / name)
    assert len(result.vex) == 1
    statement = result.vex[0]
    assert statement.vulnerability_id and statement.state and statement.affects


# --------------------------------------------------------------------------- CycloneDX schema tests


@needs_data
@pytest.mark.parametrize(
    "path", _files(CDX / "schema-tests" / "valid"), ids=_ids(_files(CDX / "schema-tests" / "valid"))
)
def test_schema_valid_vectors_parse(path: Path) -> None:
    result = parse_file(path)
    assert result.format == "cyclonedx"


@needs_data
@pytest.mark.parametrize(
    "path",
    _files(CDX / "schema-tests" / "invalid"),
    ids=_ids(_files(CDX / "schema-tests" / "invalid")),
)
def test_schema_invalid_vectors_raise_sbom_error(path: Path) -> None:
    error = raises_sbom_error(path)
    expected = {
        "invalid-bomformat-1.6.json": "unsupported_format",  # bomFormat is the sniffing marker
        "invalid-namespace-1.6.xml": "unsupported_version",  # namespace .../bom/12
    }.get(path.name, "schema")
    assert error.code == expected, error.reason
    assert len(error.reason) <= 500


@needs_data
def test_schema_error_reason_quotes_the_validator() -> None:
    error = raises_sbom_error(CDX / "schema-tests" / "invalid" / "invalid-scope-1.6.json")
    assert "'foo' is not one of ['required', 'optional', 'excluded']" in error.reason
    assert "$.components[0].scope" in error.reason
    error = raises_sbom_error(
        CDX / "schema-tests" / "invalid" / "invalid-missing-component-type-1.6.xml"
    )
    assert "The attribute 'type' is required but missing" in error.reason


@needs_data
def test_fast_json_validator_agrees_with_library() -> None:
    """Our validator (fast IRI and uniqueItems checks) must give the library's verdicts."""
    from cyclonedx.schema import SchemaVersion
    from cyclonedx.validation.json import JsonStrictValidator

    paths = [
        *_files(CDX / "schema-tests" / "valid"),
        *_files(CDX / "schema-tests" / "invalid"),
        *_files(CDX / "vex"),
        CDX / "real" / "cern-lhc-vdm-editor.cdx-1.2.json",
        CDX / "real" / "proton-bridge-1.8.0.cdx-1.2.json",
    ]
    checked = 0
    for path in paths:
        if path.suffix != ".json":
            continue
        doc = json.loads(path.read_text(encoding="utf-8"))
        if doc.get("bomFormat") != "CycloneDX":
            continue
        version = SchemaVersion.from_version(doc["specVersion"])
        ours = _json_validator(version)
        assert ours is not None and getattr(ours, "fast", False), (
            "the fast validator must be in use"
        )
        library_error = JsonStrictValidator(version).validate_str(path.read_text(encoding="utf-8"))
        assert (ours(doc) is None) == (library_error is None), path.name
        checked += 1
    assert checked >= 25


def test_fast_validator_rejects_duplicate_items_and_bad_iris() -> None:
    base = {"bomFormat": "CycloneDX", "specVersion": "1.4", "version": 1}
    component = {"type": "library", "name": "a", "version": "1"}
    with pytest.raises(SbomError) as info:
        sbom_parse(
            json.dumps(
                {**base, "components": [component, dict(reversed(component.items()))]}
            ).encode()
        )
    assert info.value.code == "schema" and "more than once" in info.value.reason

    bad_url = {**component, "externalReferences": [{"type": "website", "url": "http://a b/"}]}
    with pytest.raises(SbomError) as info:
        sbom_parse(json.dumps({**base, "components": [bad_url]}).encode())
    assert info.value.code == "schema" and "iri-reference" in info.value.reason

    unicode_url = {
        **component,
        "externalReferences": [{"type": "website", "url": "https://例え.jp/パス?q=ü"}],
    }
    assert (
        len(sbom_parse(json.dumps({**base, "components": [unicode_url]}).encode()).components) == 1
    )


# --------------------------------------------------------------------------- CycloneDX edge cases


@needs_data
def test_duplicate_bom_refs_fail_xsd_uniqueness() -> None:
    error = raises_sbom_error(CDX / "edge-cases" / "osv-scanner-with-duplicates.cdx.xml")
    assert error.code == "schema"
    assert "Duplicate key-sequence" in error.reason


@needs_data
def test_bad_purls_are_dropped_with_warnings() -> None:
    result = parse_file(CDX / "edge-cases" / "osv-scanner-bad-purls.cdx.xml")
    assert len(result.components) == 16
    by_name = {c.name: c for c in result.components}
    # 'pkg:pypi/' x3, 'pkg:///', '/', and 'pkg:apk/alpine/@1.36.1-r27' (empty name segment).
    dropped = {"alpine-keys", "ca-certificates-bundle", "zlib", "libc-utils", "musl", "ssl_client"}
    # busybox and the unnamed operating-system component never had a purl.
    assert {c.name for c in result.components if not c.purl} == dropped | {"busybox", ""}
    for name in dropped:
        c = by_name[name]
        assert (c.purl, c.purl_type, c.purl_namespace, c.purl_name) == ("", "", "", "")
    purl_warnings = [w for w in result.warnings if "malformed package URL" in w]
    assert len(purl_warnings) == 6
    assert any("'pkg:pypi/'" in w and "zlib" in w for w in purl_warnings)
    # The component with an empty <name> takes the name from its (valid) purl.
    assert by_name["alpine-baselayout"].purl.startswith("pkg:apk/alpine/alpine-baselayout@3.4.0-r0")


def test_nested_components_are_walked_and_duplicates_merged() -> None:
    doc = {
        "bomFormat": "CycloneDX",
        "specVersion": "1.5",
        "version": 1,
        "metadata": {
            "component": {
                "type": "application",
                "name": "product",
                "components": [{"type": "library", "name": "inside-product", "version": "1"}],
            }
        },
        "components": [
            {
                "type": "framework",
                "name": "outer",
                "version": "1.0",
                "purl": "pkg:PyPI/Outer_Pkg@1.0",
                "licenses": [{"license": {"id": "MIT"}}],
                "hashes": [{"alg": "SHA-256", "content": "AB" * 32}],
                "components": [
                    {
                        "type": "library",
                        "name": "inner",
                        "version": "2",
                        "components": [{"type": "library", "name": "innermost", "version": "3"}],
                    }
                ],
            },
            {
                "type": "library",
                "name": "outer-again",
                "version": "1.0",
                "purl": "pkg:pypi/outer-pkg@1.0",
                "licenses": [{"expression": "Apache-2.0 OR MIT"}],
                "hashes": [{"alg": "SHA-1", "content": "cd" * 20}],
                "supplier": {"name": "ACME"},
            },
            {"type": "library", "group": "g1", "name": "same", "version": "1"},
            {"type": "library", "group": "g2", "name": "same", "version": "1"},
        ],
    }
    result = sbom_parse(json.dumps(doc).encode())
    assert [c.name for c in result.components] == ["outer", "inner", "innermost", "same", "same"]
    outer = result.components[0]
    assert outer.purl == "pkg:pypi/outer-pkg@1.0"
    assert (outer.purl_type, outer.purl_namespace, outer.purl_name) == ("pypi", "", "outer-pkg")
    assert outer.licenses == ("MIT", "Apache-2.0 OR MIT")
    assert outer.hashes == (("SHA-1", "cd" * 20), ("SHA-256", "ab" * 32))
    assert outer.component_type == "framework" and outer.supplier == ""
    assert any("Merged 1 duplicate" in w for w in result.warnings)


def test_nested_components_in_xml() -> None:
    xml = (
        b"""<?xml version="1.0" encoding="UTF-8"?>
<bom xmlns="http://cyclonedx.org/schema/bom/1.6" version="1">
  <metadata><component type="application"><name>product</name></component></metadata>
  <components>
    <component type="library" bom-ref="a">
      <supplier><name>ACME</name></supplier>
      <name>a</name><version>1</version>
      <hashes><hash alg="SHA-256">"""
        + b"AB" * 32
        + b"""</hash></hashes>
      <licenses><license><name>Custom</name></license></licenses>
      <purl>pkg:npm/a@1</purl>
      <components>
        <component type="library" bom-ref="b"><name>b</name><version>2</version>
          <licenses><expression>MIT OR Apache-2.0</expression></licenses>
        </component>
      </components>
    </component>
  </components>
</bom>"""
    )
    result = sbom_parse(xml)
    assert [(c.name, c.bom_ref) for c in result.components] == [("a", "a"), ("b", "b")]
    a, b = result.components
    assert (
        a.supplier == "ACME" and a.licenses == ("Custom",) and a.hashes == (("SHA-256", "ab" * 32),)
    )
    assert b.licenses == ("MIT OR Apache-2.0",)


def test_vulnerabilities_without_analysis_are_not_vex() -> None:
    doc = {
        "bomFormat": "CycloneDX",
        "specVersion": "1.4",
        "version": 1,
        "vulnerabilities": [
            {"id": "CVE-2021-1", "affects": [{"ref": "x"}]},
            {
                "id": "GHSA-aaaa-bbbb-cccc",
                "analysis": {"state": "false_positive"},
                "affects": [{"ref": "y"}],
            },
        ],
    }
    result = sbom_parse(json.dumps(doc).encode())
    assert [(v.vulnerability_id, v.state, v.affects) for v in result.vex] == [
        ("GHSA-aaaa-bbbb-cccc", "false_positive", ("y",))
    ]
    assert any("without an analysis state" in w for w in result.warnings)


# --------------------------------------------------------------------------- SPDX

SPDX_COUNTS = {
    "real/cisco-terraform-provider-aci.syft.spdx.json": ("SPDX-2.3", "json", 63),
    "real/osv-scanner-only-unimportant.spdx.json": ("SPDX-2.3", "json", 1),
    "real/spdx-examples-ACME-v2.3.spdx.json": ("SPDX-2.3", "json", 4),
    "real/spdx-examples-ex1-hello-c.spdx": ("SPDX-2.2", "tag-value", 1),
    "real/spdx-examples-ex10-python-hello-source.spdx.json": ("SPDX-2.3", "json", 1),
    "real/spdx-examples-ex11-rust-hello-server.spdx.json": ("SPDX-2.3", "json", 4),
    "real/spdx-examples-ex12-ruby-hello-src.spdx.json": ("SPDX-2.2", "json", 1),
    "real/spdx-examples-ex14-examplemaven-enriched.spdx.json": ("SPDX-2.3", "json", 6),
    "real/spdx-examples-ex6-bin.spdx": ("SPDX-2.2", "tag-value", 1),
    "real/spdx-examples-ex6-lib.spdx": ("SPDX-2.2", "tag-value", 5),
    "real/spdx-examples-ex7-go-bin.spdx.json": ("SPDX-2.2", "json", 1),
    "real/spdx-examples-ex7-go-third-party-modules.spdx.json": ("SPDX-2.2", "json", 3),
    "real/spdx-examples-ex8-examplemaven.spdx.json": ("SPDX-2.3", "json", 6),
    "real/spdx-examples-ex9-appbomination.spdx.json": ("SPDX-2.2", "json", 7),
    "real/spdx-examples-oss-na-2023-01-MinimalSBOM.spdx.json": ("SPDX-2.3", "json", 1),
    "real/spdx-examples-oss-na-2023-04-SBOMwSecurity.spdx.json": ("SPDX-2.3", "json", 2),
    "spec-examples/SPDXJSONExample-v2.2.spdx.json": ("SPDX-2.2", "json", 4),
    "spec-examples/SPDXJSONExample-v2.3.spdx.json": ("SPDX-2.3", "json", 4),
    "spec-examples/SPDXLite.spdx": ("SPDX-2.2", "tag-value", 1),
    "spec-examples/SPDXTagExample-v2.3.spdx": ("SPDX-2.3", "tag-value", 4),
    "invalid/edge-ControlCharacters.spdx.json": ("SPDX-2.2", "json", 2),
}
# Files spdx-tools parses but does not validate: the findings come back as warnings.
SPDX_VALIDATION_WARNINGS = {
    "real/spdx-examples-ACME-v2.3.spdx.json": 1,
    "real/spdx-examples-ex9-appbomination.spdx.json": 2,
}


@needs_data
def test_every_real_spdx_file_has_an_expected_count() -> None:
    assert {f"real/{n}" for n in _ids(_files(SPDX / "real"))} == {
        k for k in SPDX_COUNTS if k.startswith("real/")
    }


@needs_data
@pytest.mark.parametrize("name", sorted(SPDX_COUNTS))
def test_spdx_parses(name: str) -> None:
    spec_version, encoding, count = SPDX_COUNTS[name]
    result = parse_file(SPDX / name)
    assert (result.format, result.spec_version, result.encoding) == ("spdx", spec_version, encoding)
    assert len(result.components) == count
    assert result.vex == []
    validation = [w for w in result.warnings if w.startswith("SPDX validation:")]
    assert len(validation) == SPDX_VALIDATION_WARNINGS.get(name, 0), validation


@needs_data
def test_spdx_json_and_tag_value_of_the_spec_example_agree() -> None:
    from_json = parse_file(SPDX / "spec-examples" / "SPDXJSONExample-v2.3.spdx.json")
    from_tag_value = parse_file(SPDX / "spec-examples" / "SPDXTagExample-v2.3.spdx")
    assert sorted(from_json.components, key=lambda c: c.bom_ref) == sorted(
        from_tag_value.components, key=lambda c: c.bom_ref
    )
    glibc = next(c for c in from_json.components if c.name == "glibc")
    assert glibc.version == "2.11.1"
    assert glibc.purl == ""  # its only external refs are a CPE and a non-purl locator
    assert glibc.cpe.startswith("cpe:2.3:a:pivotal_software:spring_framework:")
    assert ("SHA-1", "85ed0817af83a24ad8da68c2b5094de69833983c") in glibc.hashes
    assert glibc.licenses == ("LGPL-2.0-only OR LicenseRef-3", "LGPL-2.0-only AND LicenseRef-3")
    assert "NOASSERTION" not in " ".join(c for comp in from_json.components for c in comp.licenses)
    assert glibc.supplier == "Jane Doe"
    assert glibc.bom_ref == "SPDXRef-Package"


@needs_data
def test_spdx_purls_and_described_package() -> None:
    result = parse_file(SPDX / "real" / "cisco-terraform-provider-aci.syft.spdx.json")
    golang = [c for c in result.components if c.purl_type == "golang"]
    assert len(golang) >= 50
    assert all(c.purl.startswith("pkg:golang/") for c in golang)
    # The described (root) package is kept: ex7 consists of nothing else.
    (only,) = parse_file(SPDX / "real" / "spdx-examples-ex7-go-bin.spdx.json").components
    assert only.name


@needs_data
def test_spdx_utf16_is_an_encoding_error() -> None:
    error = raises_sbom_error(SPDX / "invalid" / "edge-SPDXJSONExample-UTF-16.spdx.json")
    assert error.code == "encoding"
    assert "UTF-16" in error.reason and "UTF-8" in error.reason


@needs_data
def test_spdx_trivy_is_malformed_with_parser_messages() -> None:
    error = raises_sbom_error(SPDX / "invalid" / "spdx-trivy-vmware-fluentd-INVALID.spdx.json")
    assert error.code == "malformed"
    assert "2022-12-27T23:08:17.349368Z" in error.reason
    assert len(error.reason) <= 500


@needs_data
@pytest.mark.parametrize("path", _files(SPDX / "spdx3"), ids=_ids(_files(SPDX / "spdx3")))
def test_spdx3_is_unsupported_version(path: Path) -> None:
    assert raises_sbom_error(path).code == "unsupported_version"


@needs_data
@pytest.mark.parametrize(
    "name",
    [
        "SPDXRdfExample-v2.3.spdx.rdf.xml",
        "SPDXXMLExample-v2.3.spdx.xml",
        "SPDXYAMLExample-v2.3.spdx.yaml",
    ],
)
def test_other_spdx_serialisations_are_unsupported_format(name: str) -> None:
    error = raises_sbom_error(SPDX / "spec-examples" / name)
    assert error.code == "unsupported_format"
    assert "SPDX JSON or tag-value" in error.reason


def test_spdx_unsupported_versions() -> None:
    doc = {"spdxVersion": "SPDX-2.1", "SPDXID": "SPDXRef-DOCUMENT"}
    assert raises_sbom_error(json.dumps(doc).encode()).code == "unsupported_version"
    assert (
        raises_sbom_error(b"SPDXVersion: SPDX-1.2\nDataLicense: CC0-1.0\n").code
        == "unsupported_version"
    )


def test_spdx_tag_value_garbage_is_malformed() -> None:
    error = raises_sbom_error(b"SPDXVersion: SPDX-2.3\nPackageName: x\nNonsense here\n")
    assert error.code == "malformed"


# --------------------------------------------------------------------------- hostile and broken input

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<bom xmlns="http://cyclonedx.org/schema/bom/1.4" version="1">
 <components><component type="library"><name>&lol9;</name></component></components>
</bom>"""

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE bom [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<bom xmlns="http://cyclonedx.org/schema/bom/1.4" version="1">
 <components><component type="library"><name>&xxe;</name></component></components>
</bom>"""

MINIMAL_CDX_JSON = b'{"bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1}'


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "malformed"),
        (b"   \n\t ", "malformed"),
        (os.urandom(0) + bytes(range(256)) * 8, "encoding"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "encoding"),
        (b"hello, world", "unsupported_format"),
        (b'{"bomFormat": "CycloneDX", "specVersion": "1.4", "components": [', "malformed"),
        (b"[1, 2, 3]", "unsupported_format"),
        (b'{"name": "not an sbom"}', "unsupported_format"),
        (b"<bom><components>", "malformed"),
        (b'<bom xmlns="http://cyclonedx.org/schema/bom/1.4"><a></b></bom>', "malformed"),
        (b"<html><body>hi</body></html>", "unsupported_format"),
        (BILLION_LAUGHS, "malformed"),
        (XXE, "malformed"),
        (b'{"bomFormat": "CycloneDX", "specVersion": "9.9", "version": 1}', "unsupported_version"),
        (b'{"bomFormat": "CycloneDX", "specVersion": "1.1", "version": 1}', "unsupported_version"),
        (b'{"bomFormat": "CycloneDX", "specVersion": 1.4, "version": 1}', "unsupported_version"),
        (b'{"bomFormat": "CycloneDX", "specVersion": "1.6", "version": "one"}', "schema"),
        (MINIMAL_CDX_JSON.decode().encode("utf-16"), "encoding"),
        (MINIMAL_CDX_JSON.decode().encode("utf-16-le"), "encoding"),
        (MINIMAL_CDX_JSON.decode().encode("utf-32"), "encoding"),
        (b'{"bomFormat": "CycloneDX", "name": "caf\xe9"}', "encoding"),
        (b"[" * 100_000 + b"]" * 100_000, "malformed"),
        (b'{"n": ' + b"9" * 10_000 + b"}", "malformed"),
        (
            b'<?xml version="1.0" encoding="ISO-8859-1"?><bom xmlns="http://cyclonedx.org/schema/bom/1.4" version="1"/>',
            "encoding",
        ),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_bad_input_raises_only_sbom_error(data: bytes, code: str) -> None:
    assert raises_sbom_error(data).code == code


def test_random_bytes_never_escape_as_other_exceptions() -> None:
    seeds = [os.urandom(n) for n in (1, 7, 64, 1024, 65536)]
    prefixes = [
        b"",
        b"{",
        b"<",
        b"SPDXVersion: SPDX-2.3\n",
        b'{"bomFormat":"CycloneDX","specVersion":"1.4",',
    ]
    for prefix in prefixes:
        for seed in seeds:
            with pytest.raises(SbomError):
                sbom_parse(prefix + seed)


@needs_data
def test_truncated_real_files_raise_sbom_error() -> None:
    for path in (
        CDX / "real" / "dropwizard-1.3.15.cdx-1.2.json",
        CDX / "real" / "dropwizard-1.3.15.cdx-1.2.xml",
        SPDX / "spec-examples" / "SPDXJSONExample-v2.3.spdx.json",
    ):
        # (Tag-value is line-based: cut at a line boundary it is still a valid, shorter document.)
        data = path.read_bytes()
        raises_sbom_error(data[: len(data) // 2])


def test_utf8_byte_order_mark_is_accepted() -> None:
    result = sbom_parse(b"\xef\xbb\xbf" + MINIMAL_CDX_JSON)
    assert (result.format, result.spec_version, result.components) == ("cyclonedx", "1.6", [])


def test_size_limit() -> None:
    error = raises_sbom_error_with(MINIMAL_CDX_JSON, max_bytes=10)
    assert error.code == "too_large" and "10" in error.reason
    assert sbom_parse(MINIMAL_CDX_JSON, max_bytes=len(MINIMAL_CDX_JSON)).format == "cyclonedx"


def raises_sbom_error_with(data: bytes, **kwargs: object) -> SbomError:
    with pytest.raises(SbomError) as info:
        sbom_parse(data, **kwargs)  # type: ignore[arg-type]
    return info.value


def test_filename_appears_in_reasons() -> None:
    error = raises_sbom_error_with(b"hello", filename="notes.txt")
    assert "'notes.txt'" in error.reason


# --------------------------------------------------------------------------- scale


def test_large_synthetic_boms_avoid_quadratic_validation() -> None:
    """Guards the linear-time uniqueItems/IRI checks and the SPDX validation budget."""
    n = 5000
    refs = [f"pkg:npm/pkg{i}@1.0.{i}" for i in range(n)]
    cdx = {
        "bomFormat": "CycloneDX",
        "specVersion": "1.4",
        "version": 1,
        "components": [
            {
                "type": "library",
                "name": f"pkg{i}",
                "version": f"1.0.{i}",
                "purl": refs[i],
                "bom-ref": refs[i],
                "externalReferences": [{"type": "website", "url": f"https://example.com/pkg{i}"}],
            }
            for i in range(n)
        ],
        "dependencies": [{"ref": refs[i], "dependsOn": [refs[(i + 1) % n]]} for i in range(n)],
    }
    spdx = {
        "spdxVersion": "SPDX-2.3",
        "dataLicense": "CC0-1.0",
        "SPDXID": "SPDXRef-DOCUMENT",
        "name": "big",
        "documentNamespace": "https://example.com/big",
        "creationInfo": {"created": "2024-01-01T00:00:00Z", "creators": ["Tool: test"]},
        "packages": [
            {
                "SPDXID": f"SPDXRef-p{i}",
                "name": f"p{i}",
                "versionInfo": "1.0",
                "downloadLocation": "NOASSERTION",
                "filesAnalyzed": False,
                "externalRefs": [
                    {
                        "referenceCategory": "PACKAGE-MANAGER",
                        "referenceType": "purl",
                        "referenceLocator": refs[i],
                    }
                ],
            }
            for i in range(n)
        ],
        "relationships": [
            {
                "spdxElementId": "SPDXRef-DOCUMENT",
                "relationshipType": "DESCRIBES",
                "relatedSpdxElement": f"SPDXRef-p{i}",
            }
            for i in range(n)
        ],
    }
    # No wall-clock limit (timings belong in benchmarks): check instead that neither quadratic
    # validator of the stock libraries is on the path for documents of this size.
    from cyclonedx.schema import SchemaVersion


    assert getattr(_json_validator(SchemaVersion.V1_4), "fast", False), "the linear CycloneDX validator is off"
    for doc in (cdx, spdx):
        result = sbom_parse(json.dumps(doc).encode())
        assert len(result.components) == n
    assert any(w.startswith("SPDX validation was skipped") for w in result.warnings), result.warnings[:3]
