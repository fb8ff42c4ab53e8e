import json

import pytest
from django.core import mail

from certification.checks import check_execute
from certification.models import Finding, SbomComponent, SbomVexStatement
from certification.process.services import artifact_upload
from certification.vulndb.osv import osv_import
from registry.choices import RequirementMethod
from registry.models import Certificate
from tests.certification.vulndb.osv_support import OSV, REAL_OSV_DIRS, SBOM, needs_data
from tests.factories import RequirementFactory, upload

pytestmark = pytest.mark.django_db

GHSA = "GitHub Advisory Database (CC-BY-4.0)"

# Hand-written after the published GHSA-jfh8-c2jp-5v3q (Log4Shell): same id, alias, ranges and vector.
LOG4SHELL = {
    "id": "GHSA-jfh8-c2jp-5v3q", "modified": "2021-12-10T00:40:56Z", "aliases": ["CVE-2021-44228"],
    "summary": "Remote code injection in Log4j",
    "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H"}],
    "affected": [{"package": {"ecosystem": "Maven", "name": "org.apache.logging.log4j:log4j-core"},
                  "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "2.13.0"}, {"fixed": "2.15.0"}]},
                             {"type": "ECOSYSTEM", "events": [{"introduced": "2.0-beta9"}, {"fixed": "2.3.1"}]},
                             {"type": "ECOSYSTEM", "events": [{"introduced": "2.4"}, {"fixed": "2.12.2"}]}]}],
}
# Hand-written after the published GHSA-288c-cq4h-88gq (CVE-2020-25649, jackson-databind XXE).
JACKSON_XXE = {
    "id": "GHSA-288c-cq4h-88gq", "modified": "2021-10-26T00:00:00Z", "aliases": ["CVE-2020-25649"],
    "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:H/A:N"}],
    "affected": [{"package": {"ecosystem": "Maven", "name": "com.fasterxml.jackson.core:jackson-databind"},
                  "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "2.10.0"}, {"fixed": "2.10.5.1"}]}]}],
}
# A product SBOM naming itself product-ABC, as the CISA VEX examples do, with one vulnerable library.
PRODUCT_ABC = {
    "bomFormat": "CycloneDX", "specVersion": "1.4", "version": 1,
    "metadata": {"component": {"type": "application", "name": "ABC", "version": "4.2", "bom-ref": "product-ABC"}},
    "components": [{"type": "library", "group": "org.apache.logging.log4j", "name": "log4j-core",
                    "version": "2.14.1", "purl": "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1",
                    "bom-ref": "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1"}],
}


@pytest.fixture
def sbom_scheme(scheme):
    RequirementFactory(scheme=scheme, code="SBOM-01", group="vulnerability", order=6,
                       method=RequirementMethod.AUTOMATED, check_key="sbom.valid")
    RequirementFactory(scheme=scheme, code="VUL-01", group="vulnerability", order=7,
                       method=RequirementMethod.AUTOMATED, check_key="sbom.vulnerabilities")
    scheme.vulnerability_thresholds = {"basic": "critical", "substantial": "high", "high": "medium"}
    scheme.save()
    return scheme


@pytest.fixture
def app(sbom_scheme, with_artifacts):
    return with_artifacts


def _upload(application, actor, relative: str):
    path = SBOM / relative
    return artifact_upload(application=application, actor=actor, kind="sbom", file=upload(path.name, path.read_bytes()))


def _upload_bytes(application, actor, name: str, data: bytes):
    return artifact_upload(application=application, actor=actor, kind="sbom", file=upload(name, data))


def _import(tmp_path, *records):
    paths = []
    for record in records:
        path = tmp_path / f"{record['id']}.json"
        path.write_text(json.dumps(record))
        paths.append(path)
    return osv_import(paths)


def _case(application, code):
    return application.cases.select_related("requirement").get(requirement__code=code)


# sbom.valid ------------------------------------------------------------------------------------

@needs_data
def test_sbom_checks_valid_stores_inventory(app, vendor_member, journey):
    _upload(app, vendor_member, "cyclonedx/real/keycloak-10.0.2.cdx-1.2.json")
    app = journey(app, "submitted")
    case = _case(app, "SBOM-01")
    assert case.result == "pass", case.evidence
    evidence = case.evidence
    assert (evidence["format"], evidence["spec_version"], evidence["component_count"]) == ("cyclonedx", "1.2", 903)
    assert SbomComponent.objects.filter(application=app).count() == 903
    h2 = SbomComponent.objects.get(application=app, purl="pkg:maven/com.h2database/h2@1.4.197?type=jar")
    assert (h2.purl_type, h2.purl_namespace, h2.purl_name, h2.version) == ("maven", "com.h2database", "h2", "1.4.197")
    # No advisories are loaded yet: nothing to find.
    vul = _case(app, "VUL-01")
    assert vul.result == "pass" and vul.evidence["total"] == 0 and vul.evidence["components"] == 903


def test_sbom_checks_without_sbom_fail(app, journey):
    app = journey(app, "submitted")
    for code in ("SBOM-01", "VUL-01"):
        case = _case(app, code)
        assert case.result == "fail" and case.notes == "No SBOM was uploaded."


@needs_data
def test_sbom_checks_malformed_sbom_fails_with_parser_reason(app, vendor_member, journey):
    _upload(app, vendor_member, "cyclonedx/schema-tests/invalid/invalid-bomformat-1.6.json")
    app = journey(app, "submitted")
    case = _case(app, "SBOM-01")
    assert case.result == "fail"
    error = case.evidence["errors"][0]
    assert error["name"] == "invalid-bomformat-1.6.json" and error["code"] and error["reason"]
    assert error["reason"] in case.notes
    assert _case(app, "VUL-01").result == "fail"
    assert not SbomComponent.objects.filter(application=app).exists()


@needs_data
def test_sbom_checks_oversize_sbom_fails(app, vendor_member, settings):
    _upload(app, vendor_member, "cyclonedx/real/dropwizard-1.3.15.cdx-1.2.json")
    settings.ARTIFACT_MAX_BYTES = 10_000  # the limit shrank after the upload
    outcome = check_execute("sbom.valid", app)
    assert outcome.result == "fail" and outcome.evidence["errors"][0]["code"] == "too_large"


# sbom.vulnerabilities --------------------------------------------------------------------------

@needs_data
def test_sbom_checks_vulnerabilities_fail_at_threshold(app, vendor_member, journey):
    osv_import(REAL_OSV_DIRS)
    _upload(app, vendor_member, "cyclonedx/real/juice-shop-11.1.2.cdx-1.2.json")
    app = journey(app, "submitted")
    case = _case(app, "VUL-01")
    assert case.result == "fail"
    evidence = case.evidence
    assert evidence["threshold"] == "critical"
    # minimist 0.2.1 and 1.2.5 fall in GHSA-xvch-5gv4-984h (critical): [0, 0.2.4) and [1.0.0, 1.2.6).
    assert [(f["component"], f["version"], f["advisory_id"], f["fixed_version"]) for f in
            evidence["failing_findings"]] == [("minimist", "0.2.1", "GHSA-xvch-5gv4-984h", "0.2.4"),
                                              ("minimist", "1.2.5", "GHSA-xvch-5gv4-984h", "1.2.6")]
    assert evidence["failing_findings"][0]["source"] == GHSA and evidence["attribution"] == [GHSA]
    assert evidence["by_severity"] == {"none": 0, "low": 0, "medium": 2, "high": 7, "critical": 2, "unknown": 0}
    assert evidence["total"] == Finding.objects.filter(application=app).count() == 11

    qs = Finding.objects.get(application=app, purl="pkg:npm/qs@6.7.0")
    assert (qs.osv_id, qs.aliases, qs.severity, str(qs.score), qs.fixed_version, qs.status) == (
        "GHSA-hrpp-h998-j3pp", ["CVE-2022-24999"], "high", "7.5", "6.7.3", "open")
    assert qs.component.name == "qs" and qs.certificate is None


@needs_data
def test_sbom_checks_threshold_follows_level(app, vendor_member, sbom_scheme):
    osv_import(REAL_OSV_DIRS)
    _upload(app, vendor_member, "cyclonedx/real/laravel-7.12.0.cdx-1.4.json")
    # Only guzzlehttp/psr7 1.9.0 is affected (GHSA-wxmh-65f7-jcvw, medium): below "critical" at basic level.
    outcome = check_execute("sbom.vulnerabilities", app)
    assert outcome.result == "pass" and outcome.evidence["open"] == 1
    app.level = "high"  # this scheme fails medium findings at the high level
    outcome = check_execute("sbom.vulnerabilities", app)
    assert outcome.result == "fail" and outcome.evidence["threshold"] == "medium"
    sbom_scheme.vulnerability_thresholds = {}
    app.scheme = sbom_scheme
    assert check_execute("sbom.vulnerabilities", app).evidence["threshold"] == "critical"  # the default


@needs_data
def test_sbom_checks_vex_document_marks_finding_not_affected(app, vendor_member, sbom_scheme, tmp_path):
    _import(tmp_path, JACKSON_XXE)
    sbom_scheme.vulnerability_thresholds = {"basic": "high"}
    _upload(app, vendor_member, "cyclonedx/vex/bom.json")
    outcome = check_execute("sbom.vulnerabilities", app)
    assert outcome.result == "fail"  # jackson-databind 2.10.0 is in [2.10.0, 2.10.5.1), high
    # The vendor's separate VEX document points at the component by BOM-Link and says not affected.
    _upload(app, vendor_member, "cyclonedx/vex/vex.json")
    outcome = check_execute("sbom.vulnerabilities", app)
    assert outcome.result == "pass"
    finding = Finding.objects.get(application=app)
    assert (finding.osv_id, finding.status, finding.vex_justification) == (
        "GHSA-288c-cq4h-88gq", "not_affected", "code_not_reachable")
    assert outcome.evidence["by_status"] == {"not_affected": 1}


@needs_data
@pytest.mark.parametrize(("vex_file", "status", "result"), [
    ("cisa-case1-vex-not_affected.json", "not_affected", "pass"),
    ("cisa-case1-vex-fixed.json", "resolved", "pass"),
    ("cisa-case1-vex-affected.json", "open", "fail"),
    ("cisa-case1-vex-under_investigation.json", "open", "fail"),
])
def test_sbom_checks_cisa_vex_states(app, vendor_member, tmp_path, vex_file, status, result):
    _import(tmp_path, LOG4SHELL)
    _upload_bytes(app, vendor_member, "abc.cdx.json", json.dumps(PRODUCT_ABC).encode())
    # The VEX speaks of CVE-2021-44228 (the advisory's alias) for the product as a whole.
    _upload(app, vendor_member, f"cyclonedx/vex/{vex_file}")
    outcome = check_execute("sbom.vulnerabilities", app)
    assert outcome.result == result
    assert Finding.objects.get(application=app, osv_id="GHSA-jfh8-c2jp-5v3q").status == status


@needs_data
def test_sbom_checks_vulnerabilities_before_valid_and_idempotent(app, vendor_member):
    osv_import(REAL_OSV_DIRS)
    _upload(app, vendor_member, "cyclonedx/real/dropwizard-1.3.15.cdx-1.2.json")
    # sbom.vulnerabilities may run before sbom.valid: it parses and stores the inventory itself.
    first = check_execute("sbom.vulnerabilities", app)
    assert first.result == "fail"  # h2 1.4.197 is in GHSA-h376-j262-vhq6 (critical)
    components = set(SbomComponent.objects.filter(application=app).values_list("pk", flat=True))
    findings = dict(Finding.objects.filter(application=app).values_list("pk", "first_seen"))
    assert len(components) == 167 and len(findings) == 5

    assert check_execute("sbom.vulnerabilities", app).evidence == first.evidence
    assert check_execute("sbom.valid", app).result == "pass"
    assert set(SbomComponent.objects.filter(application=app).values_list("pk", flat=True)) == components
    assert dict(Finding.objects.filter(application=app).values_list("pk", "first_seen")) == findings


# Watching certified products ---------------------------------------------------------------------

@needs_data
def test_sbom_checks_watch_flags_certificate_on_new_finding(app, vendor_member, staff, journey, commit, tmp_path):
    _upload(app, vendor_member, "cyclonedx/real/dropwizard-1.3.15.cdx-1.2.json")
    app = journey(app, "certified")  # no advisories yet: the SBOM is clean
    assert _case(app, "VUL-01").result == "pass"
    certificate = Certificate.objects.get(pk=app.certificate_id)
    assert certificate.status == "active" and not certificate.needs_review
    mail.outbox.clear()

    # A medium advisory (guava 24.1.1-jre in GHSA-7g45-4rm6-3mm3) is below the basic level's "critical".
    with commit():
        osv_import([OSV / "ghsa" / "GHSA-7g45-4rm6-3mm3.json"])
    certificate.refresh_from_db()
    assert not certificate.needs_review and mail.outbox == []
    assert Finding.objects.get(application=app).certificate_id == certificate.pk

    # A critical one for h2 1.4.197 (GHSA-h376-j262-vhq6, [1.1.100, 2.0.206)) flags it for review.
    with commit():
        osv_import([OSV / "ghsa" / "GHSA-h376-j262-vhq6.json"])
    certificate.refresh_from_db()
    assert certificate.needs_review and certificate.status == "active"
    assert "GHSA-h376-j262-vhq6 (CVE-2021-42392) in h2 1.4.197" in certificate.review_reason
    assert sorted(m.to[0] for m in mail.outbox) == ["owner@vendor-a.vn", "staff@cert.gov.vn"]
    body = next(m.body for m in mail.outbox if m.to == ["owner@vendor-a.vn"])
    assert certificate.serial in body and "GHSA-h376-j262-vhq6" in body and GHSA in body
    finding = Finding.objects.get(application=app, osv_id="GHSA-h376-j262-vhq6")
    assert finding.certificate_id == certificate.pk and finding.status == "open"

    # The same finding is not new the next time: a newer revision of the advisory alerts nobody again.
    mail.outbox.clear()
    record = json.loads((OSV / "ghsa" / "GHSA-h376-j262-vhq6.json").read_text())
    record["modified"] = "2030-01-01T00:00:00Z"
    with commit():
        report = _import(tmp_path, record)
    assert report.updated == 1 and mail.outbox == []


@needs_data
def test_sbom_checks_watch_ignores_revoked_certificates(app, vendor_member, staff, journey, commit):
    from registry.services import certificate_transition

    _upload(app, vendor_member, "cyclonedx/real/dropwizard-1.3.15.cdx-1.2.json")
    app = journey(app, "certified")
    certificate = Certificate.objects.get(pk=app.certificate_id)
    with commit():
        certificate_transition(certificate=certificate, action="revoke", actor=staff, reason="Test")
    mail.outbox.clear()
    with commit():
        osv_import([OSV / "ghsa" / "GHSA-h376-j262-vhq6.json"])
    certificate.refresh_from_db()
    assert not certificate.needs_review and mail.outbox == []
    assert not Finding.objects.filter(application=app).exists()


def test_sbom_checks_vex_rows_replaced_not_duplicated(app, vendor_member, tmp_path):
    _upload_bytes(app, vendor_member, "abc.cdx.json", json.dumps(PRODUCT_ABC).encode())
    for _ in range(2):
        assert check_execute("sbom.valid", app).result == "pass"
    assert SbomComponent.objects.filter(application=app).count() == 1
    assert SbomVexStatement.objects.filter(application=app).count() == 0
