"""Hypothesis over the SBOM and OSV parsers: whatever the input, they answer with a result or with the
one error type they document (SbomError, OsvRecordError), never a crash."""

import json
import zipfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from certification.sbom import ParsedSbom, SbomError, sbom_parse
from certification.vulndb.osv import (
    OsvRecordError,
    ParsedAdvisory,
    osv_record_parse,
    osv_records_iter,
)

pytestmark = pytest.mark.fuzz

FUZZ = settings(max_examples=150, deadline=None, database=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=5),
    max_leaves=25,
)


def _sbom_outcome(data: bytes) -> None:
    try:
        result = sbom_parse(data, filename="fuzz.json", max_bytes=1_000_000)
    except SbomError as exc:
        assert exc.code in {"too_large", "encoding", "unsupported_format", "unsupported_version", "malformed",
                            "schema"}
        assert exc.reason
    else:
        assert isinstance(result, ParsedSbom)


@FUZZ
@given(st.binary(max_size=2000))
def test_parsers_fuzz_sbom_bytes(data):
    _sbom_outcome(data)


# CycloneDX- and SPDX-shaped documents with random members, so the fuzzing gets past the format sniffing.
cyclonedx = st.fixed_dictionaries(
    {"bomFormat": st.just("CycloneDX"), "specVersion": st.sampled_from(["1.2", "1.3", "1.4", "1.5", "1.6", "9"])},
    optional={"version": json_values, "components": st.lists(st.dictionaries(
        st.sampled_from(["type", "name", "version", "purl", "bom-ref", "components", "licenses", "hashes"]),
        json_values, max_size=6), max_size=4), "metadata": json_values, "vulnerabilities": json_values,
        "serialNumber": json_values})
spdx = st.fixed_dictionaries(
    {"spdxVersion": st.sampled_from(["SPDX-2.2", "SPDX-2.3", "SPDX-3.0", "SPDX-x"]), "SPDXID": json_values},
    optional={"packages": st.lists(st.dictionaries(
        st.sampled_from(["SPDXID", "name", "versionInfo", "externalRefs", "licenseConcluded", "checksums"]),
        json_values, max_size=6), max_size=4), "name": json_values, "dataLicense": json_values,
        "documentNamespace": json_values, "creationInfo": json_values, "relationships": json_values})


@FUZZ
@given(st.one_of(cyclonedx, spdx, json_values))
def test_parsers_fuzz_sbom_shaped_json(document):
    _sbom_outcome(json.dumps(document).encode())


@FUZZ
@given(st.text(max_size=600))
def test_parsers_fuzz_sbom_text(text):
    for data in (text.encode("utf-8", "surrogatepass"), ("SPDXVersion: SPDX-2.3\n" + text).encode("utf-8", "replace"),
                 ('<?xml version="1.0"?><bom xmlns="http://cyclonedx.org/schema/bom/1.5">' + text).encode(
                     "utf-8", "replace")):
        _sbom_outcome(data)


def test_parsers_fuzz_sbom_deep_nesting():
    _sbom_outcome(b'{"bomFormat": "CycloneDX", "specVersion": "1.5", "components": ' + b"[" * 100_000
                  + b"]" * 100_000 + b"}")


osv_records = st.fixed_dictionaries(
    {"id": json_values | st.text(min_size=1, max_size=20), "modified": json_values | st.just("2024-01-01T00:00:00Z")},
    optional={
        "aliases": json_values | st.lists(st.text(max_size=10), max_size=3),
        "published": json_values, "withdrawn": json_values, "summary": json_values, "details": json_values,
        "severity": json_values | st.lists(st.fixed_dictionaries(
            {"type": st.sampled_from(["CVSS_V2", "CVSS_V3", "CVSS_V4", "Ubuntu"]), "score": st.text(max_size=60)})),
        "database_specific": json_values,
        "references": json_values,
        "affected": json_values | st.lists(st.fixed_dictionaries({}, optional={
            "package": json_values | st.fixed_dictionaries({"ecosystem": st.sampled_from(
                ["PyPI", "npm", "Maven", "Go", "crates.io", "Debian:12", "", "x"]), "name": st.text(max_size=20)}),
            "ranges": json_values | st.lists(st.fixed_dictionaries(
                {"type": st.sampled_from(["SEMVER", "ECOSYSTEM", "GIT", "X"]),
                 "events": json_values | st.lists(st.dictionaries(st.sampled_from(
                     ["introduced", "fixed", "last_affected", "limit"]), json_values | st.text(max_size=8),
                     max_size=2), max_size=3)}, optional={"repo": json_values}), max_size=2),
            "versions": json_values}), max_size=3),
    })


@FUZZ
@given(st.one_of(osv_records, json_values))
def test_parsers_fuzz_osv_record(record):
    try:
        result = osv_record_parse(record)
    except OsvRecordError as exc:
        assert str(exc)
    else:
        assert isinstance(result, ParsedAdvisory)
        assert len(result.osv_id) <= 100


@settings(max_examples=40, deadline=None, database=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=600), st.binary(max_size=300))
def test_parsers_fuzz_osv_files_and_archives(tmp_path, raw, member):
    """Files and zip archives of anything: each yields records or OsvRecordError, never raises."""
    plain = tmp_path / "record.json"
    plain.write_bytes(raw)
    archive = tmp_path / "all.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("a.json", member)
        zf.writestr("b.json", raw)
    corrupt = tmp_path / "corrupt.zip"
    corrupt.write_bytes(b"PK\x03\x04" + raw)
    for _source, item in osv_records_iter([plain, archive, corrupt, tmp_path / "missing.json"]):
        if isinstance(item, OsvRecordError):
            continue
        try:
            osv_record_parse(item)
        except OsvRecordError:
            pass


@pytest.mark.parametrize("record, words", [
    ({"id": "X-1", "modified": "2024-01-01T00:00:00Z", "severity": 7}, "'severity' must be a list"),
    ({"id": "X-1", "modified": "2024-01-01T00:00:00Z", "affected": [{"severity": "HIGH"}]}, "affected[0].severity"),
])
def test_parsers_fuzz_osv_found_by_hypothesis_wrong_types_are_record_errors(record, words):
    """Found by the fuzzing above: these crashed the whole import with TypeError instead of skipping a record."""
    with pytest.raises(OsvRecordError, match=words.replace("[", r"\[").replace("]", r"\]")):
        osv_record_parse(record)


def test_parsers_fuzz_osv_found_by_hypothesis_optional_members_of_the_wrong_type_are_ignored():
    parsed = osv_record_parse({"id": "X-1", "modified": "2024-01-01T00:00:00Z", "references": 3,
                               "database_specific": 5})
    assert parsed.references == [] and parsed.severity_rating == "unknown"
