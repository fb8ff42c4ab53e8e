import io
import json
import zipfile
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from certification.models import Advisory, AdvisoryPackage
from certification.vulndb.osv import OsvRecordError, osv_import, osv_record_parse
from tests.certification.vulndb.osv_support import (
    OSV,
    REAL_OSV_DIRS,
    needs_data,
    osv_record,
    real_osv_files,
    real_osv_ids,
)

pytestmark = pytest.mark.django_db

MINIMAL = {
    "id": "TEST-2024-0001",
    "modified": "2024-01-02T03:04:05Z",
    "affected": [{"package": {"ecosystem": "PyPI", "name": "Django_Rest.Framework"},
                  "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "3.15.2"}]}]}],
}


def _record(**changes) -> dict:
    record = json.loads(json.dumps(MINIMAL))
    record.update(changes)
    return record


# Parsing and validation ------------------------------------------------------------------------

def test_vulndb_parse_normalises_package_names():
    parsed = osv_record_parse(_record())
    package = parsed.packages[0]
    assert (package.purl_type, package.name, package.fixed_version) == ("pypi", "django-rest-framework", "3.15.2")
    maven = osv_record_parse(_record(affected=[{"package": {"ecosystem": "Maven", "name": "org.yaml:snakeyaml"}}]))
    assert (maven.packages[0].purl_type, maven.packages[0].name) == ("maven", "org.yaml:snakeyaml")
    npm = osv_record_parse(_record(affected=[{"package": {"ecosystem": "npm", "name": "@babel/traverse"}}]))
    assert (npm.packages[0].purl_type, npm.packages[0].name) == ("npm", "@babel/traverse")
    alpine = osv_record_parse(_record(affected=[{"package": {"ecosystem": "Alpine:v3.17", "name": "openssl"}}]))
    assert (alpine.packages[0].purl_type, alpine.packages[0].ecosystem) == ("apk", "Alpine:v3.17")


@pytest.mark.parametrize(("changes", "reason"), [
    ({"id": ""}, "missing required field 'id'"),
    ({"modified": None}, "missing required field 'modified'"),
    ({"modified": "yesterday"}, "'modified' is not an RFC 3339 timestamp"),
    ({"aliases": "CVE-2024-1"}, "'aliases' must be a list of strings"),
    ({"affected": [{"package": {"ecosystem": "PyPI"}}]}, "affected[0].package.name is required"),
    ({"affected": [{"package": {"name": "x"}}]}, "affected[0].package.ecosystem is required"),
    ({"affected": [{"package": {"ecosystem": "npm", "name": "x"},
                    "ranges": [{"type": "RANGE", "events": [{"introduced": "0"}]}]}]},
     "affected[0].ranges[0].type must be one of GIT, SEMVER, ECOSYSTEM"),
    ({"affected": [{"package": {"ecosystem": "npm", "name": "x"},
                    "ranges": [{"type": "SEMVER", "events": [{"fixed": "1.0.0"}]}]}]},
     "affected[0].ranges[0].events has no 'introduced' event"),
    ({"affected": [{"package": {"ecosystem": "npm", "name": "x"},
                    "ranges": [{"type": "SEMVER", "events": [{"introduced": "0", "fixed": "1.0.0"}]}]}]},
     "affected[0].ranges[0].events[0] must have exactly one of"),
    ({"affected": [{"package": {"ecosystem": "npm", "name": "x"},
                    "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"patched": "1"}]}]}]},
     "affected[0].ranges[0].events[1] has an unknown event 'patched'"),
    ({"affected": [{"ranges": [{"type": "GIT", "events": [{"introduced": "0"}]}]}]},
     "affected[0].ranges[0]: a GIT range needs a repo"),
])
def test_vulndb_parse_rejects_malformed_records(changes, reason):
    with pytest.raises(OsvRecordError) as excinfo:
        osv_record_parse(_record(**changes))
    assert str(excinfo.value).startswith(reason)


def test_vulndb_severity_from_cvss_vectors_and_fallbacks():
    v3 = osv_record_parse(_record(severity=[{"type": "CVSS_V3",
                                             "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}]))
    assert (v3.severity_score, v3.severity_rating) == (Decimal("9.8"), "critical")
    assert v3.cvss_vector.startswith("CVSS:3.1/")
    v4 = osv_record_parse(_record(severity=[{"type": "CVSS_V4",
                                             "score": "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"}]))
    assert (v4.severity_score, v4.severity_rating) == (Decimal("9.3"), "critical")
    v2 = osv_record_parse(_record(severity=[{"type": "CVSS_V2", "score": "AV:N/AC:L/Au:N/C:P/I:P/A:P"}]))
    assert (v2.severity_score, v2.severity_rating) == (Decimal("7.5"), "high")
    # The highest of several vectors counts; an unreadable one is ignored, not fatal.
    mixed = osv_record_parse(_record(severity=[
        {"type": "CVSS_V3", "score": "CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:N/A:N"},
        {"type": "CVSS_V3", "score": "CVSS:3.1/garbage"},
        {"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:L"},
    ]))
    assert (mixed.severity_score, mixed.severity_rating) == (Decimal("8.3"), "high")
    ghsa = osv_record_parse(_record(database_specific={"severity": "MODERATE"}))
    assert (ghsa.severity_score, ghsa.severity_rating) == (None, "medium")
    assert osv_record_parse(_record()).severity_rating == "unknown"
    # Ubuntu's priority is a label: it rates without a score or vector, and a scored vector of the same
    # rank or higher wins over it; a label outside the table is ignored.
    ubuntu = osv_record_parse(_record(severity=[{"type": "Ubuntu", "score": "Negligible"}]))
    assert (ubuntu.severity_score, ubuntu.severity_rating, ubuntu.cvss_vector) == (None, "low", "")
    both = osv_record_parse(_record(severity=[
        {"type": "Ubuntu", "score": "high"},
        {"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:L"},
    ]))
    assert (both.severity_score, both.severity_rating) == (Decimal("8.3"), "high")
    assert both.cvss_vector.startswith("CVSS:3.1/")
    assert osv_record_parse(_record(severity=[{"type": "Ubuntu", "score": "untriaged"}])).severity_rating == "unknown"


def test_vulndb_source_attribution_by_id_prefix():
    assert osv_record_parse(_record(id="GHSA-xxxx-yyyy-zzzz")).source == "GitHub Advisory Database (CC-BY-4.0)"
    assert osv_record_parse(_record(id="GO-2024-0001")).source == "Go Vulnerability Database (CC-BY-4.0)"
    assert osv_record_parse(_record(id="PYSEC-2024-1")).source == "PyPA Advisory Database (CC-BY-4.0)"
    assert osv_record_parse(_record(id="DSA-5000-1")).source == "OSV (DSA)"
    assert osv_record_parse(_record(id="NODASH")).source == "OSV (NODASH)"


# Importing the real records --------------------------------------------------------------------

@needs_data
def test_vulndb_import_real_records():
    report = osv_import(REAL_OSV_DIRS)
    expected = real_osv_ids()
    assert report.created == len(expected) == Advisory.objects.count()
    assert set(Advisory.objects.values_list("osv_id", flat=True)) == expected
    # Only the linter's deliberately broken record (events without 'introduced') is skipped.
    assert len(report.skipped) == 1
    source, reason = report.skipped[0]
    assert source.endswith("nointroduced-CVE-2023-41045.json") and "introduced" in reason
    # nondistinct-*/nopackage-* share ids and `modified` with real records: the second of each is unchanged.
    assert report.unchanged == len(real_osv_files()) - 1 - len(expected)

    text = Advisory.objects.get(osv_id="GHSA-599f-7c49-w659")
    assert text.aliases == ["CVE-2022-42889"]
    assert (text.severity_score, text.severity_rating) == (Decimal("9.8"), "critical")
    assert text.source == "GitHub Advisory Database (CC-BY-4.0)"
    package = text.packages.get()
    assert (package.purl_type, package.name, package.fixed_version) == ("maven", "org.apache.commons:commons-text",
                                                                        "1.10.0")
    assert package.ranges == [{"type": "ECOSYSTEM", "events": [{"introduced": "1.5"}, {"fixed": "1.10.0"}]}]

    go = Advisory.objects.get(osv_id="GO-2025-4188")
    assert go.source == "Go Vulnerability Database (CC-BY-4.0)" and go.severity_rating == "unknown"
    assert go.packages.get().name == "github.com/sirupsen/logrus"
    # A GIT-only record imports, with nothing to look up by package URL.
    assert Advisory.objects.get(osv_id="CVE-2023-41045").packages.count() == 0
    # PyPI names are folded: "Gradio" is stored as "gradio".
    assert AdvisoryPackage.objects.get(advisory__osv_id="GHSA-9v2f-6vcg-3hgv").name == "gradio"
    assert AdvisoryPackage.objects.filter(purl_type="golang").count() > 100


@needs_data
def test_vulndb_reimport_is_idempotent():
    first = osv_import(REAL_OSV_DIRS)
    packages = AdvisoryPackage.objects.count()
    second = osv_import(REAL_OSV_DIRS)
    assert (second.created, second.updated) == (0, 0)
    assert second.unchanged == first.created + first.unchanged
    assert AdvisoryPackage.objects.count() == packages


@needs_data
def test_vulndb_newer_modified_updates_older_does_not(tmp_path):
    osv_import([OSV / "ghsa"])
    record = osv_record(OSV / "ghsa" / "GHSA-35jh-r3h4-6jhm.json")
    before = Advisory.objects.get(osv_id=record["id"])
    assert before.packages.count() == 2

    older = dict(record, modified="2020-01-01T00:00:00Z", summary="older text")
    (tmp_path / "older.json").write_text(json.dumps(older))
    report = osv_import([tmp_path / "older.json"])
    assert (report.updated, report.unchanged) == (0, 1)
    assert Advisory.objects.get(osv_id=record["id"]).summary == before.summary

    newer = dict(record, modified="2030-01-01T00:00:00Z", summary="Corrected summary",
                 affected=[record["affected"][0]])  # lodash-es dropped
    (tmp_path / "newer.json").write_text(json.dumps(newer))
    report = osv_import([tmp_path / "newer.json"])
    assert (report.created, report.updated, report.unchanged) == (0, 1, 0)
    after = Advisory.objects.get(osv_id=record["id"])
    assert after.summary == "Corrected summary" and after.modified.year == 2030
    assert list(after.packages.values_list("name", flat=True)) == ["lodash"]


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


@needs_data
def test_vulndb_zip_archive_imports_and_reports_broken_members(tmp_path):
    members = {f"ghsa/{p.name}": p.read_bytes() for p in sorted((OSV / "ghsa").glob("*.json"))}
    members["broken.json"] = b'{"id": "GHSA-broken", "modified": '
    members["no-modified.json"] = json.dumps({"id": "GHSA-no-modified", "affected": []}).encode()
    members["README.txt"] = b"not a record"
    archive = tmp_path / "npm-all.zip"
    archive.write_bytes(_zip(members))

    report = osv_import([archive])
    assert report.created == 16 == Advisory.objects.count()
    assert dict(report.skipped) == {
        f"{archive}!broken.json": "invalid JSON: Expecting value at line 1 column 35",
        f"{archive}!no-modified.json": "missing required field 'modified'",
    }
    assert osv_import([archive]).unchanged == 16


def test_vulndb_zip_bomb_members_and_totals_are_capped(tmp_path):
    # 6 MB of one repeated letter compresses to a few KB: the declared and the real size are both checked.
    bomb = json.dumps(_record(id="TEST-BOMB", details="a" * (6 * 1024 * 1024))).encode()
    archive = tmp_path / "bomb.zip"
    archive.write_bytes(_zip({"bomb.json": bomb, "ok.json": json.dumps(_record()).encode()}))
    assert archive.stat().st_size < 100_000
    report = osv_import([archive])
    assert report.created == 1 and report.skipped == [(f"{archive}!bomb.json", "member is larger than 5 MB")]

    many = tmp_path / "many.zip"
    many.write_bytes(_zip({f"r{i}.json": json.dumps(_record(id=f"TEST-{i}")).encode() for i in range(5)}))
    report = osv_import([many], total_max=900)
    assert report.created < 5
    assert report.skipped[-1][1] == "archive exceeds the total decompressed size limit; rest skipped"


def test_vulndb_not_a_zip_archive_is_reported(tmp_path):
    fake = tmp_path / "fake.zip"
    fake.write_bytes(b"PK\x03\x04 but not really")
    report = osv_import([fake])
    assert report.created == 0 and report.skipped[0][1].startswith("not a readable zip archive")


def test_vulndb_import_command_prints_report(tmp_path):
    (tmp_path / "a.json").write_text(json.dumps(_record()))
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "bad.json").write_text("{}")
    out = io.StringIO()
    call_command("import_osv", str(tmp_path), stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[:4] == ["created: 1", "updated: 0", "unchanged: 0", "skipped: 1"]
    assert "missing required field 'id'" in lines[4]


def test_vulndb_import_command_missing_path_changes_nothing(tmp_path):
    (tmp_path / "a.json").write_text(json.dumps(_record()))
    with pytest.raises(CommandError, match="Path does not exist"):
        call_command("import_osv", str(tmp_path / "a.json"), str(tmp_path / "missing"))
    assert Advisory.objects.count() == 0
