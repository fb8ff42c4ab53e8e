"""The evaluator's workbench through API v1: conflicts of interest, independence, case results with
history and evidence files, clarification threads, the SBOM inventory, findings, progress, the pass
rule, and the live state of automated checks. Every refusal is in the error format and changes nothing."""

import hashlib
from datetime import timedelta

import pytest
from django.utils import timezone

from tests.api.helpers import API, assert_error, auth, row_counts
from tests.factories import PDF_BYTES, ProductVersionFactory, installer_bytes, upload

pytestmark = pytest.mark.django_db

PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


# Helpers ---------------------------------------------------------------------------------------

def _counts() -> dict:
    """Rows a refused workbench request must leave as they were (on top of the API's usual ones)."""
    from certification.models import (
        CaseResult,
        CheckRun,
        Clarification,
        ConflictDeclaration,
        EvidenceFile,
        IndependenceStatement,
    )

    counts = row_counts()
    for model in (Clarification, ConflictDeclaration, EvidenceFile, IndependenceStatement):
        counts[model.__name__] = model.objects.count()
    counts["results"] = sorted(CaseResult.objects.values_list("pk", "result", "notes"))
    counts["runs"] = sorted(CheckRun.objects.values_list("pk", "status", "generation"))
    return counts


def _new_application(*, vendor_member, scheme):
    from certification.process.services import application_create, artifact_upload
    from registry.selectors import vendor_for_user

    version = ProductVersionFactory(product__vendor=vendor_for_user(vendor_member))
    app = application_create(actor=vendor_member, product_version=version, scheme=scheme, level="basic")
    artifact_upload(application=app, actor=vendor_member, kind="installer", file=upload("setup.bin", installer_bytes()))
    artifact_upload(application=app, actor=vendor_member, kind="user_guide", file=upload("guide.pdf", PDF_BYTES))
    return app


def _declare(api_client, evaluator, app):
    response = auth(api_client, evaluator).post(f"{API}applications/{app.pk}/independence/")
    assert response.status_code in (200, 201), response.content
    return response


def _record(api_client, app, code, result, notes=""):
    response = api_client.put(f"{API}applications/{app.pk}/cases/{code}/", {"result": result, "notes": notes},
                              format="json")
    assert response.status_code == 200, response.content
    return response.json()


@pytest.fixture
def app(with_artifacts, journey):
    """An application in evaluation, assigned to `evaluator`; its automated checks have passed."""
    return journey(with_artifacts, "in_evaluation")


@pytest.fixture
def ready(app, api_client, evaluator):
    """The same application once the evaluator has declared independence (the intended flow)."""
    _declare(api_client, evaluator, app)
    return app


@pytest.fixture
def b_app(other_vendor_member, scheme):
    """Vendor B's own application, which vendor A must never reach."""
    return _new_application(vendor_member=other_vendor_member, scheme=scheme)


def _finding(app, *, osv_id="GHSA-aaaa-bbbb-cccc", severity="high", score="7.5", source="GitHub Advisory Database"):
    from certification.models import Advisory, Artifact, Finding, SbomComponent

    artifact = Artifact.objects.filter(application=app).first()
    component = SbomComponent.objects.create(application=app, artifact=artifact, name="lodash", version="4.17.20",
                                             purl="pkg:npm/lodash@4.17.20", purl_type="npm", purl_name="lodash")
    advisory = Advisory.objects.create(osv_id=osv_id, modified=timezone.now(), aliases=["CVE-2021-23337"],
                                       severity_rating=severity, severity_score=score, source=source)
    return Finding.objects.create(application=app, component=component, advisory=advisory, purl=component.purl,
                                  component_name="lodash", version="4.17.20", osv_id=osv_id,
                                  aliases=["CVE-2021-23337"], severity=severity, score=score,
                                  fixed_version="4.17.21", last_seen=timezone.now())


# Conflicts of interest -------------------------------------------------------------------------

def test_workbench_api_conflict_declare_and_list(api_client, evaluator, evaluator2, staff, vendor_member,
                                                 other_vendor_member):
    from registry.selectors import vendor_for_user

    vendor_a, vendor_b = vendor_for_user(vendor_member), vendor_for_user(other_vendor_member)
    auth(api_client, evaluator)
    response = api_client.post(f"{API}conflicts/", {
        "vendor": vendor_a.tax_code, "relation": "consulting", "started_on": "2022-01-10",
        "ended_on": "2023-06-30", "note": "Tư vấn triển khai tường lửa"}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == {"id", "evaluator", "vendor", "relation", "relation_label", "started_on", "ended_on", "note",
                         "declared_at", "cooling_off_until", "blocking"}
    assert body["evaluator"] == evaluator.email and body["vendor"]["id"] == vendor_a.pk
    assert body["relation"] == "consulting" and body["ended_on"] == "2023-06-30"
    assert body["cooling_off_until"] == "2025-06-29"  # 730 days after the relation ended
    # by id, ongoing: no end, so it blocks until the evaluator declares an end
    response = api_client.post(f"{API}conflicts/", {"vendor": vendor_b.pk, "relation": "employment",
                                                    "started_on": "2024-03-01"}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["cooling_off_until"] is None and response.json()["blocking"] is True
    auth(api_client, evaluator2)
    assert api_client.post(f"{API}conflicts/", {"vendor": vendor_a.tax_code, "relation": "family",
                                                "started_on": "2020-01-01"}, format="json").status_code == 201

    # an evaluator sees only their own declarations, newest first
    mine = auth(api_client, evaluator).get(f"{API}conflicts/").json()
    assert mine["count"] == 2
    assert [r["relation"] for r in mine["results"]] == ["employment", "consulting"]
    assert auth(api_client, evaluator).get(f"{API}conflicts/", {"evaluator": evaluator2.email}).json()["count"] == 0
    # staff see everyone's, and filter by evaluator
    assert auth(api_client, staff).get(f"{API}conflicts/").json()["count"] == 3
    theirs = api_client.get(f"{API}conflicts/", {"evaluator": evaluator2.email.upper()}).json()
    assert [r["evaluator"] for r in theirs["results"]] == [evaluator2.email]
    # nobody else
    assert_error(auth(api_client, vendor_member).get(f"{API}conflicts/"), 403, "permission_denied")


def test_workbench_api_conflict_bad_input_changes_nothing(api_client, evaluator, staff, vendor_member):
    from registry.selectors import vendor_for_user

    vendor = vendor_for_user(vendor_member)
    before = _counts()
    auth(api_client, evaluator)
    error = assert_error(api_client.post(f"{API}conflicts/", {}, format="json"), 400, "invalid")
    assert {"vendor", "relation", "started_on"} <= set(error["details"])
    error = assert_error(api_client.post(f"{API}conflicts/", {"vendor": "0999999999", "relation": "other",
                                                              "started_on": "2024-01-01"}, format="json"), 400)
    assert set(error["details"]) == {"vendor"}
    error = assert_error(api_client.post(f"{API}conflicts/", {"vendor": vendor.pk, "relation": "friendship",
                                                              "started_on": "2024-01-01"}, format="json"), 400)
    assert set(error["details"]) == {"relation"}
    assert_error(api_client.post(f"{API}conflicts/", {"vendor": vendor.pk, "relation": "other",
                                                      "started_on": "2024-05-01", "ended_on": "2024-01-01"},
                                 format="json"), 400, "invalid")
    # only evaluators declare their own relations
    assert_error(auth(api_client, staff).post(f"{API}conflicts/", {
        "vendor": vendor.pk, "relation": "other", "started_on": "2024-01-01"}, format="json"), 403, "permission_denied")
    assert_error(auth(api_client, None).get(f"{API}conflicts/"), 401, "not_authenticated")
    assert _counts() == before


def test_workbench_api_conflict_within_cooling_off_refuses_assign_and_independence(
        api_client, staff, evaluator, evaluator2, vendor_member, scheme, journey, app):
    from certification.models import Assignment, IndependenceStatement

    today = timezone.localdate()
    auth(api_client, evaluator2)
    response = api_client.post(f"{API}conflicts/", {
        "vendor": app.vendor.tax_code, "relation": "employment", "started_on": str(today - timedelta(days=1500)),
        "ended_on": str(today - timedelta(days=365))}, format="json")
    assert response.status_code == 201 and response.json()["blocking"] is True

    # staff cannot assign evaluator2 to this vendor's next application: 409 with the reason
    submitted = journey(_new_application(vendor_member=vendor_member, scheme=scheme), "submitted")
    before = _counts()
    error = assert_error(auth(api_client, staff).post(f"{API}applications/{submitted.pk}/actions/", {
        "action": "assign", "evaluators": [evaluator2.email]}, format="json"), 409, "conflict_of_interest")
    assert evaluator2.email in error["message"] and app.vendor.legal_name in error["message"]
    assert _counts() == before
    submitted.refresh_from_db()
    assert submitted.status == "submitted" and not Assignment.objects.filter(application=submitted).exists()

    # evaluator, assigned before declaring, then declares a relation within the cooling-off period
    auth(api_client, evaluator)
    assert api_client.post(f"{API}conflicts/", {
        "vendor": app.vendor.pk, "relation": "financial", "started_on": str(today - timedelta(days=900)),
        "ended_on": str(today - timedelta(days=10))}, format="json").status_code == 201
    before = _counts()
    error = assert_error(api_client.post(f"{API}applications/{app.pk}/independence/"), 409, "conflict_of_interest")
    assert app.vendor.legal_name in error["message"]
    assert _counts() == before and not IndependenceStatement.objects.exists()


def test_workbench_api_conflict_past_cooling_off_does_not_block(api_client, evaluator, app):
    today = timezone.localdate()
    auth(api_client, evaluator)
    response = api_client.post(f"{API}conflicts/", {
        "vendor": app.vendor.tax_code, "relation": "consulting", "started_on": str(today - timedelta(days=2000)),
        "ended_on": str(today - timedelta(days=731))}, format="json")
    assert response.json()["blocking"] is False
    assert api_client.post(f"{API}applications/{app.pk}/independence/").status_code == 201


# Independence ----------------------------------------------------------------------------------

def test_workbench_api_independence_declare(api_client, evaluator, evaluator2, vendor_member, other_vendor_member,
                                            staff, app):
    from certification.models import IndependenceStatement
    from trust.models import AuditEntry

    # Before the statement the evaluator cannot open the application's details.
    assert_error(auth(api_client, evaluator).get(f"{API}applications/{app.pk}/"), 403, "independence_required")
    before = _counts()
    for user, status, code in ((evaluator2, 404, "not_found"), (other_vendor_member, 404, "not_found"),
                               (vendor_member, 403, "permission_denied"), (staff, 403, "permission_denied")):
        assert_error(auth(api_client, user).post(f"{API}applications/{app.pk}/independence/"), status, code)
    assert _counts() == before

    response = auth(api_client, evaluator).post(f"{API}applications/{app.pk}/independence/")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["application"] == app.pk and body["evaluator"] == evaluator.email and body["declared_at"]
    assert AuditEntry.objects.filter(action="independence.declare").count() == 1
    # declaring again answers 200 and changes nothing
    assert api_client.post(f"{API}applications/{app.pk}/independence/").status_code == 200
    assert IndependenceStatement.objects.count() == 1
    assert AuditEntry.objects.filter(action="independence.declare").count() == 1
    detail = api_client.get(f"{API}applications/{app.pk}/").json()
    assert detail["independence"]["declared"] is True and detail["independence"]["declared_at"]
    # only an assigned evaluator has a statement to show
    assert auth(api_client, vendor_member).get(f"{API}applications/{app.pk}/").json()["independence"] is None


# Case results, history and evidence ------------------------------------------------------------

def test_workbench_api_case_history_and_evidence(api_client, evaluator, vendor_member, certifier, staff, ready):
    app = ready
    auth(api_client, evaluator)
    _record(api_client, app, "FW-01", "fail", "Không chặn được cổng 23")
    case = _record(api_client, app, "FW-01", "pass", "Đã chặn sau khi cập nhật chính sách")
    assert [(h["old_result"], h["new_result"]) for h in case["history"]] == [("pending", "fail"), ("fail", "pass")]
    assert case["history"][1]["old_notes"] == "Không chặn được cổng 23"
    assert case["history"][1]["new_notes"] == "Đã chặn sau khi cập nhật chính sách"
    assert case["evidence_files"] == []

    content = PNG_BYTES + b"capture"
    response = api_client.post(f"{API}applications/{app.pk}/cases/FW-01/evidence/",
                               {"file": upload("port-23.png", content)}, format="multipart")
    assert response.status_code == 201, response.content
    item = response.json()
    assert set(item) == {"id", "name", "sha256", "size", "content_type", "uploaded_by", "uploaded_at",
                         "download_url"}
    assert item["name"] == "port-23.png" and item["size"] == len(content)
    assert item["sha256"] == hashlib.sha256(content).hexdigest() and item["uploaded_by"] == evaluator.email
    download_path = f"{API}applications/{app.pk}/evidence/{item['id']}/download/"
    assert item["download_url"].endswith(download_path)

    detail = api_client.get(f"{API}applications/{app.pk}/cases/FW-01/").json()
    assert set(detail) == {"requirement_code", "group", "title", "method", "mandatory", "result", "notes",
                           "evidence", "deviation", "updated_at", "history", "evidence_files"}
    assert detail["result"] == "pass" and len(detail["history"]) == 2
    assert set(detail["history"][0]) == {"old_result", "new_result", "old_notes", "new_notes", "actor", "created_at"}
    assert detail["history"][0]["actor"] == evaluator.email
    assert [f["id"] for f in detail["evidence_files"]] == [item["id"]]

    # whoever sees the application downloads the file, always as an attachment, with its digest
    for user in (evaluator, vendor_member, certifier, staff):
        response = auth(api_client, user).get(download_path)
        assert response.status_code == 200, (user.email, response)
        assert b"".join(response.streaming_content) == content
        assert response["Content-Disposition"].startswith("attachment") and "port-23.png" in response[
            "Content-Disposition"]
        assert response["Content-Digest"].startswith("sha-256=:")

    # the vendor reads the same history without the certification body's names
    seen = auth(api_client, vendor_member).get(f"{API}applications/{app.pk}/cases/FW-01/",
                                               HTTP_ACCEPT_LANGUAGE="en").json()
    assert {h["actor"] for h in seen["history"]} == {"Certification body"}
    assert seen["evidence_files"][0]["uploaded_by"] == "Certification body"
    assert evaluator.email not in str(seen)
    # automated checks keep their own name in the history
    check_case = auth(api_client, certifier).get(f"{API}applications/{app.pk}/cases/INT-01/").json()
    assert check_case["history"][-1]["actor"] == "system:artifact.integrity"


def test_workbench_api_case_scoping(api_client, evaluator2, other_vendor_member, app, b_app):
    from certification.process.services import case_result_record
    from config.errors import NotFoundError

    before = _counts()
    # the service, like the API, refuses an evaluator who is not assigned as if the application did not exist
    with pytest.raises(NotFoundError):
        case_result_record(application=app, requirement_code="FW-01", actor=evaluator2, result="pass")
    for user in (evaluator2, other_vendor_member):
        auth(api_client, user)
        assert_error(api_client.get(f"{API}applications/{app.pk}/cases/FW-01/"), 404, "not_found")
        assert_error(api_client.put(f"{API}applications/{app.pk}/cases/FW-01/", {"result": "pass"}, format="json"),
                     404, "not_found")
        assert_error(api_client.post(f"{API}applications/{app.pk}/cases/FW-01/evidence/",
                                     {"file": upload("x.png", PNG_BYTES)}, format="multipart"), 404, "not_found")
    assert_error(auth(api_client, None).get(f"{API}applications/{app.pk}/cases/FW-01/"), 401)
    assert _counts() == before


def test_workbench_api_case_bad_input_changes_nothing(api_client, evaluator, certifier, vendor_member, ready):
    from certification.models import CaseResult

    app = ready
    before = _counts()
    auth(api_client, evaluator)
    # a requirement that is not in the scheme: 404 from case_result_record, in the error format
    error = assert_error(api_client.put(f"{API}applications/{app.pk}/cases/NOPE-99/", {"result": "pass"},
                                        format="json"), 404, "not_found")
    assert "NOPE-99" in error["message"]
    assert_error(api_client.get(f"{API}applications/{app.pk}/cases/NOPE-99/"), 404, "not_found")
    assert_error(api_client.put(f"{API}applications/{app.pk}/cases/FW-01/", {}, format="json"), 400, "invalid")
    error = assert_error(api_client.put(f"{API}applications/{app.pk}/cases/FW-01/", {"result": "maybe"},
                                        format="json"), 400, "invalid")
    assert error["details"] == {"result": ["pass", "fail", "not_applicable"]}
    # a certifier and the vendor see the case but never record: case_result_record refuses with 403
    assert_error(auth(api_client, certifier).put(f"{API}applications/{app.pk}/cases/FW-01/", {"result": "pass"},
                                                 format="json"), 403, "permission_denied")
    assert_error(auth(api_client, vendor_member).put(f"{API}applications/{app.pk}/cases/FW-01/",
                                                     {"result": "pass"}, format="json"), 403, "permission_denied")
    assert _counts() == before

    # an automated result changes only by running the check again, finished or not
    for state in ("running", "fail"):
        CaseResult.objects.filter(application=app, requirement__code="INT-01").update(result=state)
        before = _counts()
        error = assert_error(auth(api_client, evaluator).put(f"{API}applications/{app.pk}/cases/INT-01/",
                                                             {"result": "pass", "notes": "looks fine"},
                                                             format="json"), 409, "automated_result")
        assert "INT-01" in error["message"]
        assert _counts() == before
        assert CaseResult.objects.get(application=app, requirement__code="INT-01").result == state


def test_workbench_api_evidence_bad_input_changes_nothing(api_client, evaluator, vendor_member, staff, app):
    url = f"{API}applications/{app.pk}/cases/FW-01/evidence/"
    before = _counts()
    auth(api_client, evaluator)
    # before the statement of independence
    assert_error(api_client.post(url, {"file": upload("a.png", PNG_BYTES)}, format="multipart"), 403,
                 "independence_required")
    _declare(api_client, evaluator, app)
    before["IndependenceStatement"] += 1
    before["AuditEntry"] += 1
    error = assert_error(api_client.post(url, {}, format="multipart"), 400, "invalid")
    assert "file" in error["details"]
    assert_error(api_client.post(url, {"file": upload("empty.png", b"")}, format="multipart"), 400, "empty_file")
    error = assert_error(api_client.post(f"{API}applications/{app.pk}/cases/NOPE-99/evidence/",
                                         {"file": upload("a.png", PNG_BYTES)}, format="multipart"), 404, "not_found")
    assert "NOPE-99" in error["message"]
    for user in (vendor_member, staff):
        assert_error(auth(api_client, user).post(url, {"file": upload("a.png", PNG_BYTES)}, format="multipart"),
                     403, "permission_denied")
    assert _counts() == before


def test_workbench_api_evidence_download_scoping(api_client, evaluator, evaluator2, other_vendor_member,
                                                 procurement, vendor_member, scheme, journey, ready):
    auth(api_client, evaluator)
    item = api_client.post(f"{API}applications/{ready.pk}/cases/FW-02/evidence/",
                           {"file": upload("log.txt", b"denied tcp 23")}, format="multipart").json()
    url = f"{API}applications/{ready.pk}/evidence/{item['id']}/download/"
    for user in (evaluator2, other_vendor_member, procurement):
        assert_error(auth(api_client, user).get(url), 404, "not_found")
    assert_error(auth(api_client, None).get(url), 401)
    # the evidence id under another application the caller does see: still not found
    other = _new_application(vendor_member=vendor_member, scheme=scheme)
    assert_error(auth(api_client, vendor_member).get(f"{API}applications/{other.pk}/evidence/{item['id']}/download/"),
                 404, "not_found")
    assert_error(api_client.get(f"{API}applications/{ready.pk}/evidence/999999/download/"), 404, "not_found")


# Clarifications --------------------------------------------------------------------------------

def test_workbench_api_clarification_threads(api_client, evaluator, vendor_member, staff, ready, mailoutbox):
    app = ready
    url = f"{API}applications/{app.pk}/clarifications/"
    auth(api_client, evaluator)
    response = api_client.post(url, {"body": "Tài liệu hướng dẫn có bản tiếng Anh không?",
                                      "requirement_code": "DOC-02"}, format="json")
    assert response.status_code == 201, response.content
    thread = response.json()
    assert set(thread) == {"id", "requirement_code", "author", "body", "created_at", "resolved_at", "resolution", "replies"}
    assert thread["requirement_code"] == "DOC-02" and thread["author"] == evaluator.email and thread["replies"] == []
    assert any(vendor_member.email in m.to for m in mailoutbox)  # the vendor is told

    response = auth(api_client, vendor_member).post(url, {"body": "Có, ở phụ lục B.", "parent": thread["id"]},
                                                    format="json")
    assert response.status_code == 201, response.content
    replied = response.json()
    assert replied["id"] == thread["id"] and [r["body"] for r in replied["replies"]] == ["Có, ở phụ lục B."]
    # a reply to a reply joins the same thread
    reply_id = replied["replies"][0]["id"]
    response = auth(api_client, evaluator).post(url, {"body": "Cảm ơn.", "parent": reply_id}, format="json")
    assert [r["body"] for r in response.json()["replies"]] == ["Có, ở phụ lục B.", "Cảm ơn."]
    assert auth(api_client, staff).post(url, {"body": "Cán bộ theo dõi."}, format="json").status_code == 201

    listed = auth(api_client, evaluator).get(url).json()
    assert listed["count"] == 2
    first = listed["results"][0]
    assert first["id"] == thread["id"]
    assert [r["author"] for r in first["replies"]] == [vendor_member.email, evaluator.email]
    # to the vendor, the certification body's people are one; its own members keep their names
    seen = auth(api_client, vendor_member).get(url, HTTP_ACCEPT_LANGUAGE="en").json()["results"][0]
    assert seen["author"] == "Certification body"
    assert [r["author"] for r in seen["replies"]] == [vendor_member.email, "Certification body"]


def test_workbench_api_clarification_refusals_change_nothing(api_client, evaluator, evaluator2, vendor_member,
                                                             other_vendor_member, certifier, staff, app, b_app):
    from certification.process.workbench import clarification_ask

    url = f"{API}applications/{app.pk}/clarifications/"
    b_thread = clarification_ask(application=b_app, actor=staff, body="Câu hỏi cho nhà cung cấp B")
    before = _counts()
    auth(api_client, evaluator)
    # asking before the statement of independence
    assert_error(api_client.post(url, {"body": "Câu hỏi"}, format="json"), 403, "independence_required")
    _declare(api_client, evaluator, app)
    before["IndependenceStatement"] += 1
    before["AuditEntry"] += 1
    thread = clarification_ask(application=app, actor=evaluator, body="Phiên bản firmware?")
    before["Clarification"] += 1
    before["AuditEntry"] += 1
    error = assert_error(api_client.post(url, {}, format="json"), 400, "invalid")
    assert "body" in error["details"]
    assert_error(api_client.post(url, {"body": "   "}, format="json"), 400, "invalid")
    error = assert_error(api_client.post(url, {"body": "Về yêu cầu lạ", "requirement_code": "NOPE-99"},
                                         format="json"), 404, "not_found")
    assert "NOPE-99" in error["message"]
    # a parent from another application is not found here
    b_thread_url = f"{API}applications/{b_app.pk}/clarifications/"
    assert_error(api_client.post(url, {"body": "Trả lời", "parent": b_thread.pk}, format="json"), 404, "not_found")
    assert_error(api_client.post(url, {"body": "Trả lời", "parent": 999999}, format="json"), 404, "not_found")
    # the vendor replies but does not open threads; a certifier only reads
    assert_error(auth(api_client, vendor_member).post(url, {"body": "Hỏi lại"}, format="json"), 403,
                 "permission_denied")
    assert_error(auth(api_client, vendor_member).post(url, {"body": ""}, format="json"), 400, "invalid")
    assert_error(auth(api_client, certifier).post(url, {"body": "Ghi chú", "parent": thread.pk}, format="json"),
                 403, "permission_denied")
    assert auth(api_client, certifier).get(url).status_code == 200
    for user in (evaluator2, other_vendor_member):
        auth(api_client, user)
        assert_error(api_client.get(url), 404, "not_found")
        assert_error(api_client.post(url, {"body": "Xin chào", "parent": thread.pk}, format="json"), 404,
                     "not_found")
    assert_error(auth(api_client, vendor_member).get(b_thread_url), 404, "not_found")
    assert _counts() == before


# Inventory, findings, progress, pass rule, checks ----------------------------------------------

def test_workbench_api_component_inventory(api_client, vendor_member, evaluator, evaluator2, staff, certifier,
                                           other_vendor_member, procurement, app, django_assert_max_num_queries):
    from certification.models import Artifact, SbomComponent

    artifact = Artifact.objects.filter(application=app).first()
    SbomComponent.objects.bulk_create([
        SbomComponent(application=app, artifact=artifact, name=f"pkg-{i:02d}", version=f"1.{i}.0",
                      purl=f"pkg:pypi/pkg-{i:02d}@1.{i}.0", purl_type="pypi", licenses=["MIT"],
                      hashes={"SHA-256": "ab" * 32})
        for i in range(25)
    ] + [SbomComponent(application=app, artifact=artifact, name="openssl", version="3.0.13",
                       purl="pkg:generic/openssl@3.0.13", purl_type="generic",
                       cpe="cpe:2.3:a:openssl:openssl:3.0.13:*:*:*:*:*:*:*", licenses=["Apache-2.0"])])
    url = f"{API}applications/{app.pk}/components/"
    assert_error(auth(api_client, evaluator).get(url), 403, "independence_required")
    _declare(api_client, evaluator, app)
    for user in (vendor_member, evaluator, staff, certifier):
        body = auth(api_client, user).get(url).json()
        assert body["count"] == 26 and len(body["results"]) == 20 and body["next"]
    item = body["results"][0]
    assert set(item) == {"id", "name", "version", "purl", "purl_type", "cpe", "licenses", "hashes"}
    assert item["name"] == "openssl" and item["cpe"].startswith("cpe:2.3:") and item["licenses"] == ["Apache-2.0"]
    assert api_client.get(url, {"page": 2}).json()["results"][-1]["hashes"] == {"SHA-256": "ab" * 32}
    assert [c["name"] for c in api_client.get(url, {"q": "pkg-0"}).json()["results"]][:2] == ["pkg-00", "pkg-01"]
    assert api_client.get(url, {"purl_type": "generic"}).json()["count"] == 1
    with django_assert_max_num_queries(8):
        assert api_client.get(url, {"page_size": 100}).json()["count"] == 26
    for user in (evaluator2, other_vendor_member, procurement):
        assert_error(auth(api_client, user).get(url), 404, "not_found")


def test_workbench_api_detail_findings_progress_and_checks(api_client, evaluator, vendor_member, app):
    _finding(app)
    assert auth(api_client, evaluator).post(f"{API}applications/{app.pk}/independence/").status_code == 201
    body = api_client.get(f"{API}applications/{app.pk}/").json()
    assert {"progress", "checks", "pass_rule", "independence", "findings"} <= set(body)
    [finding] = body["findings"]
    assert finding == {"purl": "pkg:npm/lodash@4.17.20", "component": "lodash", "version": "4.17.20",
                       "advisory_id": "GHSA-aaaa-bbbb-cccc", "aliases": ["CVE-2021-23337"], "severity": "high",
                       "score": 7.5, "fixed_version": "4.17.21", "status": "open",
                       "source": "GitHub Advisory Database"}
    progress = {g["group"]: g for g in body["progress"]}
    assert [g["group"] for g in body["progress"]] == ["protection", "administration", "documentation",
                                                      "vulnerability"]
    assert progress["documentation"] == {"group": "documentation", "total": 2, "final": 1, "pass": 1, "fail": 0,
                                         "na": 0, "open": 1}  # DOC-01 checked, DOC-02 waits for the evaluator
    assert progress["vulnerability"]["pass"] == 1 and progress["protection"]["open"] == 1
    checks = {c["requirement_code"]: c for c in body["checks"]}
    assert set(checks) == {"INT-01", "DOC-01"}
    assert set(checks["INT-01"]) == {"requirement_code", "check_key", "status", "attempts", "enqueued_at",
                                     "started_at", "finished_at", "error"}
    assert checks["INT-01"]["check_key"] == "artifact.integrity" and checks["INT-01"]["status"] == "done"
    assert checks["INT-01"]["attempts"] == 1 and checks["INT-01"]["finished_at"] and checks["INT-01"]["error"] == ""
    # the vendor sees the same findings, progress and checks
    seen = auth(api_client, vendor_member).get(f"{API}applications/{app.pk}/").json()
    assert seen["findings"] == body["findings"] and seen["progress"] == body["progress"]
    assert seen["checks"] == body["checks"]


def test_workbench_api_pass_rule_breakdown_and_visibility(api_client, evaluator, staff, certifier, vendor_member,
                                                          scheme, ready):
    app = ready
    draft = _new_application(vendor_member=vendor_member, scheme=scheme)
    assert auth(api_client, staff).get(f"{API}applications/{draft.pk}/").json()["pass_rule"] is None  # no cases yet
    auth(api_client, evaluator)
    rule = api_client.get(f"{API}applications/{app.pk}/").json()["pass_rule"]
    assert set(rule) == {"passed", "score", "threshold", "explanation", "failed_mandatory", "open_cases", "groups"}
    assert rule["passed"] is False and rule["open_cases"] == ["FW-01", "FW-02", "DOC-02"]
    assert rule["threshold"] == 60.0
    _record(api_client, app, "FW-01", "pass")
    _record(api_client, app, "FW-02", "fail", "Không có nhật ký quản trị")
    _record(api_client, app, "DOC-02", "not_applicable")
    rule = api_client.get(f"{API}applications/{app.pk}/", HTTP_ACCEPT_LANGUAGE="en").json()["pass_rule"]
    assert rule["passed"] is False and rule["failed_mandatory"] == ["FW-02"]
    assert rule["explanation"] == "Mandatory requirements not passed: FW-02."
    groups = {g["group"]: g for g in rule["groups"]}
    assert set(groups["administration"]) == {"group", "total", "pass", "fail", "na", "open", "weight_passed",
                                             "weight_counted", "score"}
    assert groups["administration"]["fail"] == 1 and groups["administration"]["score"] == 0.0
    assert groups["documentation"] == {"group": "documentation", "total": 2, "pass": 1, "fail": 0, "na": 1,
                                       "open": 0, "weight_passed": 1, "weight_counted": 1, "score": 100.0}
    # weights: FW-01 1 + INT-01 1 + DOC-01 1 passed of 5 counted (FW-02 weighs 2)
    assert rule["score"] == 60.0
    for user in (staff, certifier):
        assert auth(api_client, user).get(f"{API}applications/{app.pk}/",
                                          HTTP_ACCEPT_LANGUAGE="en").json()["pass_rule"] == rule
    # the vendor: not while the evaluation runs ...
    assert auth(api_client, vendor_member).get(f"{API}applications/{app.pk}/").json()["pass_rule"] is None
    # ... but once decided, the breakdown that the decision rests on
    auth(api_client, evaluator)
    assert api_client.post(f"{API}applications/{app.pk}/actions/", {"action": "complete"},
                           format="json").status_code == 200
    assert auth(api_client, vendor_member).get(f"{API}applications/{app.pk}/").json()["pass_rule"] is None
    response = auth(api_client, certifier).post(f"{API}applications/{app.pk}/actions/",
                                                {"action": "reject", "note": "FW-02 không đạt"}, format="json")
    assert response.status_code == 200, response.content
    seen = auth(api_client, vendor_member).get(f"{API}applications/{app.pk}/", HTTP_ACCEPT_LANGUAGE="en").json()
    assert seen["pass_rule"] == rule
    # and the vendor reads who acted on its own side only
    assert [(e["action"], e["actor"]) for e in seen["events"]] == [
        ("create", vendor_member.email), ("submit", vendor_member.email), ("assign", "Certification body"),
        ("complete", "Certification body"), ("reject", "Certification body")]


def test_workbench_api_list_has_no_pass_rule_and_flat_queries(api_client, vendor_member, staff, evaluator, scheme,
                                                              journey, django_assert_max_num_queries):
    def add():
        app = journey(_new_application(vendor_member=vendor_member, scheme=scheme), "in_evaluation")
        _finding(app, osv_id=f"GHSA-{app.pk:04d}-aaaa-bbbb")
        _new_application(vendor_member=vendor_member, scheme=scheme)

    def queries(user) -> int:
        auth(api_client, user)
        with django_assert_max_num_queries(20) as ctx:
            body = api_client.get(f"{API}applications/").json()
        assert all("pass_rule" not in a for a in body["results"])
        assert all({"progress", "checks", "findings"} <= set(a) for a in body["results"])
        return len(ctx.captured_queries)

    add()
    few = {u.email: queries(u) for u in (vendor_member, staff, evaluator)}
    for _ in range(3):
        add()
    many = {u.email: queries(u) for u in (vendor_member, staff, evaluator)}
    assert few == many
    results = auth(api_client, staff).get(f"{API}applications/").json()["results"]
    assert sum(len(a["findings"]) for a in results) == 4


# Live state and retries ------------------------------------------------------------------------

def test_workbench_api_status_poll_is_cheap(api_client, vendor_member, evaluator, evaluator2, staff,
                                            other_vendor_member, app, django_assert_max_num_queries):
    url = f"{API}applications/{app.pk}/status/"
    # an assigned evaluator polls the details once they stated independence, like every other read
    assert_error(auth(api_client, evaluator).get(url), 403, "independence_required")
    _declare(api_client, evaluator, app)
    for user in (vendor_member, evaluator, staff):
        auth(api_client, user)
        with django_assert_max_num_queries(5):
            response = api_client.get(url)
        assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == {"id", "status", "updated_at", "checks", "cases", "progress"}
    assert body["id"] == app.pk and body["status"] == "in_evaluation"
    assert [c["requirement_code"] for c in body["cases"]] == ["FW-01", "FW-02", "DOC-02", "INT-01", "DOC-01"]
    assert set(body["cases"][0]) == {"requirement_code", "result", "updated_at"}
    detail = api_client.get(f"{API}applications/{app.pk}/").json()
    assert body["checks"] == detail["checks"] and body["progress"] == detail["progress"]
    assert response["Cache-Control"] == "no-store"
    for user in (evaluator2, other_vendor_member):
        assert_error(auth(api_client, user).get(url), 404, "not_found")
    assert_error(auth(api_client, None).get(url), 401)


def test_workbench_api_check_retry(api_client, evaluator, evaluator2, vendor_member, staff, ready):
    from certification.checks.runs import check_run_fail
    from certification.models import CheckRun

    app = ready
    run = CheckRun.objects.get(application=app, check_key="artifact.integrity")
    CheckRun.objects.filter(pk=run.pk).update(status="running")  # a re-run whose every attempt then failed
    check_run_fail(check_run_id=run.pk, generation=run.generation, error="OSError: storage unavailable")
    url = f"{API}applications/{app.pk}/checks/artifact.integrity/retry/"
    state = auth(api_client, vendor_member).get(f"{API}applications/{app.pk}/status/").json()
    [failed] = [c for c in state["checks"] if c["check_key"] == "artifact.integrity"]
    run.refresh_from_db()
    # a reason in the caller's language and the incident reference; the raw error only in the log
    assert failed["status"] == "error" and "storage unavailable" not in failed["error"]
    assert run.error_code == "storage" and run.incident in failed["error"]
    assert {c["requirement_code"]: c["result"] for c in state["cases"]}["INT-01"] == "error"

    before = _counts()
    assert_error(api_client.post(url), 403, "permission_denied")  # the vendor does not re-run checks
    for user in (evaluator2,):
        assert_error(auth(api_client, user).post(url), 404, "not_found")
    assert_error(auth(api_client, evaluator).post(f"{API}applications/{app.pk}/checks/no.such.check/retry/"), 404,
                 "not_found")
    assert_error(api_client.post(f"{API}applications/{app.pk}/checks/docs.complete/retry/"), 409,
                 "transition_not_allowed")  # it did not end in error
    assert _counts() == before

    response = api_client.post(url)
    assert response.status_code == 202, response.content
    assert response.json()["status"] == "queued" and response.json()["requirement_code"] == "INT-01"
    # the check ran again after commit; the poll shows it done
    state = api_client.get(f"{API}applications/{app.pk}/status/").json()
    [done] = [c for c in state["checks"] if c["check_key"] == "artifact.integrity"]
    assert done["status"] == "done" and done["attempts"] == 2 and done["error"] == ""
    assert {c["requirement_code"]: c["result"] for c in state["cases"]}["INT-01"] == "pass"
    assert_error(api_client.post(url), 409, "transition_not_allowed")
    assert auth(api_client, staff).post(url).status_code == 409


# OpenAPI ---------------------------------------------------------------------------------------

def test_workbench_api_schema_lists_the_workbench(anon):
    schema = anon.get(f"{API}schema/", {"format": "json"}).json()
    for path, method in (("conflicts/", "get"), ("conflicts/", "post"), ("applications/{id}/independence/", "post"),
                         ("applications/{id}/clarifications/", "get"), ("applications/{id}/clarifications/", "post"),
                         ("applications/{id}/cases/{requirement_code}/", "get"),
                         ("applications/{id}/cases/{requirement_code}/evidence/", "post"),
                         ("applications/{id}/evidence/{evidence_id}/download/", "get"),
                         ("applications/{id}/components/", "get"), ("applications/{id}/status/", "get"),
                         ("applications/{id}/checks/{check_key}/retry/", "post")):
        assert method in schema["paths"].get(f"/api/v1/{path}", {}), (path, method)
    detail = schema["components"]["schemas"]["ApplicationDetail"]["properties"]
    assert {"progress", "checks", "pass_rule", "findings", "independence"} <= set(detail)
    progress = schema["components"]["schemas"]["GroupProgress"]["properties"]
    assert set(progress) == {"group", "total", "final", "pass", "fail", "na", "open"}


def test_workbench_api_detail_gated_until_independence(api_client, with_artifacts, journey, evaluator):
    from tests.factories import api_token_key

    app = journey(with_artifacts, "in_evaluation")
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {api_token_key(evaluator)}")
    response = api_client.get(f"/api/v1/applications/{app.pk}/")
    assert response.status_code == 403 and response.json()["error"]["code"] == "independence_required"
    assert api_client.post(f"/api/v1/applications/{app.pk}/independence/", {}, format="json").status_code == 201
    assert api_client.get(f"/api/v1/applications/{app.pk}/").status_code == 200


def test_workbench_api_artifact_download(api_client, with_artifacts, journey, evaluator, other_vendor_member):
    import base64
    import hashlib

    from tests.factories import PDF_BYTES, api_token_key

    app = journey(with_artifacts, "in_evaluation")
    guide = app.artifacts.get(kind="user_guide")
    url = f"/api/v1/applications/{app.pk}/artifacts/{guide.pk}/download/"
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {api_token_key(other_vendor_member)}")
    assert api_client.get(url).status_code == 404
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {api_token_key(evaluator)}")
    assert api_client.get(url).json()["error"]["code"] == "independence_required"
    assert api_client.post(f"/api/v1/applications/{app.pk}/independence/").status_code == 201
    response = api_client.get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF_BYTES
    digest = base64.b64encode(hashlib.sha256(PDF_BYTES).digest()).decode()
    assert response["Content-Digest"] == f"sha-256=:{digest}:"
