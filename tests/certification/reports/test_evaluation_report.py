"""The evaluation report: rendered on 'complete' (two copies), bilingual text with correct Vietnamese,
idempotent task, findings capped, and downloads scoped to who may read which copy."""

import base64
import hashlib
import re
import shutil
import subprocess
import unicodedata

import pytest
from django.core.files.storage import default_storage
from django.http import Http404
from django.utils import timezone

from certification.choices import ApplicationStatus as S
from certification.choices import ReportEdition
from certification.models import Advisory, Artifact, EvaluationReport, Finding, SbomComponent
from certification.process.services import application_transition, case_result_record
from certification.process.workbench import independence_declare
from certification.reports.render import FINDINGS_MAX, evaluation_report_context
from certification.reports.views import evaluation_report_download
from certification.tasks import evaluation_report_render_task
from registry.selectors import vendor_for_user
from tests.api.helpers import API, assert_error, auth
from tests.factories import ProductVersionFactory

pytestmark = [pytest.mark.django_db, pytest.mark.reports]

PRODUCT = "Tường lửa thế hệ mới Hải Vân"
GHSA = "GHSA-jfh8-c2jp-5v3q"
CODES = ["FW-01", "FW-02", "DOC-02", "INT-01", "DOC-01"]


def _pdftotext(pdf: bytes, tmp_path, name="r") -> str:
    tool = shutil.which("pdftotext")
    if tool is None:
        pytest.skip("pdftotext is not installed (Debian package poppler-utils); cannot read the PDF text")
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(pdf)
    out = subprocess.run([tool, "-layout", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True).stdout
    return " ".join(unicodedata.normalize("NFC", out.decode("utf-8")).split())


def _read(report: EvaluationReport) -> bytes:
    with default_storage.open(report.file.name, "rb") as fh:
        return fh.read()


def _finding(app, *, n: int, severity: str = "critical", source: str = "GitHub Advisory Database (CC-BY-4.0)",
             osv_id: str | None = None) -> Finding:
    artifact = Artifact.objects.filter(application=app).first()
    advisory = Advisory.objects.create(osv_id=osv_id or f"GHSA-test-{n:04d}", modified=timezone.now(),
                                       aliases=[f"CVE-2021-{44000 + n}"], severity_rating=severity, source=source)
    component = SbomComponent.objects.create(application=app, artifact=artifact, name="log4j-core", version="2.14.1",
                                             purl="pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1")
    return Finding.objects.create(application=app, component=component, advisory=advisory, purl=component.purl,
                                  component_name="org.apache.logging.log4j:log4j-core", version="2.14.1",
                                  osv_id=advisory.osv_id, aliases=advisory.aliases, severity=severity,
                                  fixed_version="2.15.0", last_seen=timezone.now())


@pytest.fixture
def named_app(vendor_member, scheme):
    """A draft with the Vietnamese product name, ready for the journey fixture."""
    from certification.process.services import application_create, artifact_upload
    from tests.factories import PDF_BYTES, installer_bytes, upload

    version = ProductVersionFactory(product__vendor=vendor_for_user(vendor_member), product__name=PRODUCT,
                                    product__name_en="Hai Van NGFW", version="3.2.1")
    app = application_create(actor=vendor_member, product_version=version, scheme=scheme, level="basic")
    artifact_upload(application=app, actor=vendor_member, kind="installer", file=upload("setup.bin", installer_bytes()))
    artifact_upload(application=app, actor=vendor_member, kind="user_guide", file=upload("guide.pdf", PDF_BYTES))
    return app


@pytest.fixture
def completed(named_app, journey, evaluator, commit):
    """Evaluated, with one vulnerability finding recorded before the evaluation was completed."""
    app = journey(named_app, "in_evaluation")
    _finding(app, n=1, osv_id=GHSA)
    independence_declare(application=app, evaluator=evaluator)
    for case in app.cases.select_related("requirement").exclude(requirement__method="automated"):
        case_result_record(application=app, requirement_code=case.requirement.code, actor=evaluator,
                           result="pass", notes="Đã kiểm tra đạt yêu cầu")
    with commit():  # the 'complete' action enqueues the report task after commit; tasks run eagerly in tests
        return application_transition(application=app, action="complete", actor=evaluator)


def test_evaluation_report_complete_renders_both_copies(with_artifacts, journey):
    app = journey(with_artifacts, "evaluated")
    reports = {r.edition: r for r in EvaluationReport.objects.filter(application=app)}
    assert set(reports) == {ReportEdition.BODY, ReportEdition.VENDOR}
    stamp = timezone.localtime(app.completed_at).strftime("%Y%m%dT%H%M%S")
    assert reports["body"].file.name == f"reports/{app.pk}/evaluation-report-{stamp}.pdf"
    assert reports["vendor"].file.name == f"reports/{app.pk}/evaluation-report-{stamp}-vendor.pdf"
    for report in reports.values():
        pdf = _read(report)
        assert pdf.startswith(b"%PDF-")
        assert report.generation == 1 and report.size == len(pdf)
        assert hashlib.sha256(pdf).hexdigest() == report.sha256


def test_evaluation_report_text_bilingual_with_results_and_findings(completed, evaluator, tmp_path):
    body = EvaluationReport.objects.get(application=completed, edition=ReportEdition.BODY)
    text = _pdftotext(_read(body), tmp_path)
    assert PRODUCT in text  # Vietnamese diacritics survive (NFC, no missing glyphs)
    assert "BÁO CÁO ĐÁNH GIÁ" in text and "EVALUATION REPORT" in text
    for code in CODES:
        assert code in text, code
    assert evaluator.email in text
    assert GHSA in text and "org.apache.logging.log4j:log4j-core" in text and "2.15.0" in text
    assert "GitHub Advisory Database (CC-BY-4.0)" in text  # attribution of the CC-BY source
    assert "Đã kiểm tra đạt yêu cầu" in text  # the evaluator's notes
    pages = re.findall(r"Trang (\d+) / (\d+) — Page \1 of \2", text)
    assert pages and pages[0][0] == "1" and {total for _, total in pages} == {pages[-1][1]}
    assert completed.vendor.tax_code in text and "3.2.1" in text


def test_evaluation_report_vendor_copy_names_no_evaluator(completed, evaluator, tmp_path):
    vendor = EvaluationReport.objects.get(application=completed, edition=ReportEdition.VENDOR)
    text = _pdftotext(_read(vendor), tmp_path)
    assert PRODUCT in text and "FW-01" in text and GHSA in text
    assert evaluator.email not in text
    assert evaluator.full_name not in text


def test_evaluation_report_task_idempotent(completed):
    before = {r.edition: (r.pk, r.file.name, r.sha256) for r in EvaluationReport.objects.filter(application=completed)}
    assert len(before) == 2
    evaluation_report_render_task.apply(args=[completed.pk]).get()
    evaluation_report_render_task.apply(args=[completed.pk]).get()
    after = {r.edition: (r.pk, r.file.name, r.sha256) for r in EvaluationReport.objects.filter(application=completed)}
    assert after == before  # one report per copy and completion, not rendered again
    _, files = default_storage.listdir(f"reports/{completed.pk}")
    assert len(files) == 2


def test_evaluation_report_task_skips_application_never_completed(with_artifacts, journey):
    app = journey(with_artifacts, "in_evaluation")
    assert evaluation_report_render_task.apply(args=[app.pk]).get() == "skipped"
    assert evaluation_report_render_task.apply(args=[999_999]).get() == "skipped"
    assert not EvaluationReport.objects.exists()


def test_evaluation_report_findings_capped_with_counts(completed):
    for n in range(2, FINDINGS_MAX + 6):
        _finding(completed, n=n, severity="low" if n % 2 else "high", source="OSV (TEST)")
    context = evaluation_report_context(application=completed, generation=1)
    findings = context["findings"]
    assert findings["total"] == FINDINGS_MAX + 5 and findings["shown"] == FINDINGS_MAX and findings["truncated"]
    assert findings["rows"][0]["osv_id"] == GHSA  # open and most severe first
    assert findings["sources"] == ["GitHub Advisory Database (CC-BY-4.0)", "OSV (TEST)"]
    by_severity = {s["code"]: s["n"] for s in findings["open_by_severity"]}
    assert by_severity["critical"] == 1 and by_severity["high"] + by_severity["low"] == FINDINGS_MAX + 4
    assert findings["threshold"]["code"] == "critical" and findings["at_threshold"] == 1  # the default threshold
    completed.scheme.vulnerability_thresholds = {completed.level: "high"}
    completed.scheme.save(update_fields=["vulnerability_thresholds"])
    findings = evaluation_report_context(application=completed, generation=1)["findings"]
    assert findings["threshold"]["code"] == "high"
    assert findings["at_threshold"] == 1 + by_severity["high"]  # critical and high count; low does not


def test_evaluation_report_download_scoped(completed, journey, api_client, vendor_member, other_vendor_member,
                                           certifier, evaluator, procurement, commit, tmp_path):
    url = f"{API}applications/{completed.pk}/report/"
    # The vendor sees the report, like the pass rule's breakdown, only once a decision was taken.
    assert_error(auth(api_client, vendor_member).get(url), 404, "report_not_available")
    response = auth(api_client, certifier).get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    body = EvaluationReport.objects.get(application=completed, edition=ReportEdition.BODY)
    assert b"".join(response.streaming_content) == _read(body)
    assert response["Content-Digest"] == f"sha-256=:{base64.b64encode(bytes.fromhex(body.sha256)).decode()}:"
    assert auth(api_client, evaluator).get(url).status_code == 200

    with commit():
        application_transition(application=completed, action="certify", actor=certifier)
    response = auth(api_client, vendor_member).get(url)
    assert response.status_code == 200
    pdf = b"".join(response.streaming_content)
    vendor_copy = EvaluationReport.objects.get(application=completed, edition=ReportEdition.VENDOR)
    assert pdf == _read(vendor_copy) and pdf.startswith(b"%PDF-")
    assert evaluator.email not in _pdftotext(pdf, tmp_path)

    assert_error(auth(api_client, other_vendor_member).get(url), 404, "not_found")
    assert_error(auth(api_client, procurement).get(url), 404, "not_found")
    assert_error(auth(api_client, None).get(url), 401)


def test_evaluation_report_download_not_ready(with_artifacts, journey, api_client, certifier):
    app = journey(with_artifacts, "in_evaluation")
    assert_error(auth(api_client, certifier).get(f"{API}applications/{app.pk}/report/"), 404, "report_not_ready")


def test_evaluation_report_download_page_view(completed, journey, rf, vendor_member, other_vendor_member,
                                              certifier, commit):
    from django.contrib.auth.models import AnonymousUser

    def get(user):
        request = rf.get(f"/applications/{completed.pk}/report/")
        request.user = user
        return evaluation_report_download(request, pk=completed.pk)

    with commit():
        application_transition(application=completed, action="certify", actor=certifier)
    assert completed.__class__.objects.get(pk=completed.pk).status == S.CERTIFIED
    response = get(vendor_member)
    assert response.status_code == 200 and b"".join(response.streaming_content).startswith(b"%PDF-")
    assert 'filename="evaluation-report-' in response["Content-Disposition"]
    assert get(certifier).status_code == 200
    with pytest.raises(Http404):
        get(other_vendor_member)
    assert get(AnonymousUser()).status_code == 302  # to the login page


def test_evaluation_report_is_tagged_pdf_ua_with_its_language(completed):
    """PDF/UA-1: a structure tree, marked content and the document's language (Vietnamese first)."""
    from tests.support.pdf import assert_pdf_ua

    assert_pdf_ua(_read(EvaluationReport.objects.get(application=completed, edition=ReportEdition.VENDOR)))


def test_evaluation_report_states_the_sbom_facts_that_are_true(named_app, journey, evaluator, vendor_member,
                                                                commit, tmp_path):
    """An SBOM that lists components: the report names the file, its format and component count, says no
    vulnerability was found among them, and says how big and how old the vulnerability database was."""
    from certification.models import AdvisoryImport
    from certification.process.services import artifact_upload
    from tests.factories import upload

    sbom = (b'{"bomFormat": "CycloneDX", "specVersion": "1.5", "version": 1, "components": ['
            b'{"type": "library", "name": "zlib", "version": "1.3.1", "purl": "pkg:generic/zlib@1.3.1"},'
            b'{"type": "library", "name": "left-pad", "version": "1.3.0", "purl": "pkg:npm/left-pad@1.3.0"}]}')
    artifact_upload(application=named_app, actor=vendor_member, kind="sbom", file=upload("hai-van.cdx.json", sbom))
    Advisory.objects.create(osv_id="GHSA-none-0001", modified=timezone.now())
    AdvisoryImport.objects.create(finished_at=timezone.now() - timezone.timedelta(days=30), created=1)
    app = journey(named_app, "in_evaluation")
    sbom_valid = app.cases.get(requirement__check_key="sbom.valid") if app.cases.filter(
        requirement__check_key="sbom.valid").exists() else None
    context = evaluation_report_context(application=app, generation=1)
    [document] = context["sbom"]["documents"]
    assert document["name"] == "hai-van.cdx.json" and not document["unreadable"]
    assert context["sbom"]["vulndb"]["advisories"] == 1 and context["sbom"]["vulndb"]["stale"]
    if sbom_valid is not None:  # the test scheme may not run the SBOM checks: then nothing is claimed of them
        assert document["format"] and context["sbom"]["components"] == 2
    independence_declare(application=app, evaluator=evaluator)
    for case in app.cases.select_related("requirement").exclude(requirement__method="automated"):
        case_result_record(application=app, requirement_code=case.requirement.code, actor=evaluator,
                           result="pass", notes="OK")
    with commit():
        application_transition(application=app, action="complete", actor=evaluator)
    text = _pdftotext(_read(EvaluationReport.objects.get(application=app, edition=ReportEdition.BODY)), tmp_path)
    assert "hai-van.cdx.json" in text and "1 cảnh báo" in text and "Older than 7 days" in text
    assert "The vendor uploaded no SBOM" not in text
