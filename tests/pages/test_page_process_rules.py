"""The process rules through the pages: refusals show the reason with their status and change nothing."""

import pytest
from django.urls import reverse

from certification.models import Application, CaseResult, Clarification
from certification.process.services import application_transition, case_result_record
from certification.process.workbench import clarification_ask, independence_declare
from registry.models import MvnAttestation, Vendor, VendorChangeRequest
from registry.selectors import vendor_for_user
from tests.factories import PDF_BYTES, ProductFactory, upload
from trust.models import AuditEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def in_evaluation(with_artifacts, journey, evaluator):
    app = journey(with_artifacts, "in_evaluation")
    independence_declare(application=app, evaluator=evaluator)
    for case in app.cases.select_related("requirement").exclude(requirement__method="automated"):
        case_result_record(application=app, requirement_code=case.requirement.code, actor=evaluator, result="pass")
    return Application.objects.get(pk=app.pk)


def test_page_irreversible_actions_ask_for_confirmation(client, in_evaluation, evaluator):
    client.force_login(evaluator)
    url = reverse("certification:application_detail", args=[in_evaluation.pk])
    html = client.get(url).content.decode()
    assert 'name="confirm"' in html and "Hoàn tất đánh giá sẽ chốt mọi kết quả" in html
    audit = AuditEntry.objects.count()
    action = reverse("certification:application_action", args=[in_evaluation.pk])
    response = client.post(action, {"action": "complete", "note": ""})
    assert response.status_code == 400 and "Hãy xác nhận thao tác" in response.content.decode()
    assert Application.objects.get(pk=in_evaluation.pk).status == "in_evaluation"
    assert AuditEntry.objects.count() == audit
    assert client.post(action, {"action": "complete", "confirm": "yes"}).status_code == 302
    assert Application.objects.get(pk=in_evaluation.pk).status == "evaluated"


def test_page_failing_result_without_a_note_is_400_at_the_field(client, in_evaluation, evaluator):
    client.force_login(evaluator)
    url = reverse("certification:case_score", args=[in_evaluation.pk, "FW-01"])
    response = client.post(url, {"result": "fail", "notes": ""})
    html = response.content.decode()
    assert response.status_code == 400 and "kết quả không đạt phải kèm ghi chú" in html
    assert CaseResult.objects.get(application=in_evaluation, requirement__code="FW-01").result == "pass"


def test_page_automated_case_offers_no_result_form(client, in_evaluation, evaluator):
    client.force_login(evaluator)
    url = reverse("certification:case_score", args=[in_evaluation.pk, "INT-01"])
    html = client.get(url).content.decode()
    assert 'name="result"' not in html and "kết quả chỉ thay đổi khi chạy lại kiểm tra" in html
    response = client.post(url, {"result": "fail", "notes": "sửa tay"})
    assert response.status_code == 409
    assert CaseResult.objects.get(application=in_evaluation, requirement__code="INT-01").result == "pass"


def test_page_unanswered_question_blocks_completion_until_closed(client, in_evaluation, evaluator):
    question = clarification_ask(application=in_evaluation, actor=evaluator, body="Có hỗ trợ IPv6 không?")
    client.force_login(evaluator)
    detail = client.get(reverse("certification:application_detail", args=[in_evaluation.pk])).content.decode()
    assert "đang chờ nhà cung cấp trả lời" in detail and 'name="reason"' in detail
    assert 'value="complete"' not in detail  # blocked, with the reason listed
    close = reverse("certification:clarification_close", args=[in_evaluation.pk, question.pk])
    assert client.post(close, {"reason": ""}).status_code == 400
    assert Clarification.objects.get(pk=question.pk).resolved_at is None
    assert client.post(close, {"reason": "Đã thấy trong tài liệu"}).status_code == 302
    detail = client.get(reverse("certification:application_detail", args=[in_evaluation.pk])).content.decode()
    assert 'value="complete"' in detail and "Đã đóng khi chưa có câu trả lời" in detail


def test_page_vendor_sees_certification_body_not_evaluator_names_in_threads(client, in_evaluation, evaluator,
                                                                           vendor_member):
    clarification_ask(application=in_evaluation, actor=evaluator, body="Câu hỏi")
    client.force_login(vendor_member)
    html = client.get(reverse("certification:application_detail", args=[in_evaluation.pk])).content.decode()
    assert evaluator.email not in html and "Cơ quan chứng nhận" in html


def test_page_certifier_records_a_deviation(client, in_evaluation, evaluator, certifier):
    CaseResult.objects.filter(application=in_evaluation, requirement__code="INT-01").update(result="fail")
    app = application_transition(application=in_evaluation, action="complete", actor=evaluator)
    client.force_login(certifier)
    url = reverse("certification:case_deviation", args=[app.pk, "INT-01"])
    assert client.post(url, {"result": "pass", "justification": ""}).status_code == 400
    assert client.post(url, {"result": "pass", "justification": "Hàm băm mới đã được xác nhận"}).status_code == 302
    case = CaseResult.objects.get(application=app, requirement__code="INT-01")
    assert case.deviation_result == "pass" and case.result == "fail"
    html = client.get(reverse("certification:application_detail", args=[app.pk])).content.decode()
    assert "Sai khác do người ra quyết định ghi nhận" in html and 'value="certify"' in html
    client.force_login(evaluator)
    assert client.post(url, {"result": "fail", "justification": "x"}).status_code == 403


def test_page_vendor_change_request_and_staff_decision(client, vendor_member, staff):
    vendor = vendor_for_user(vendor_member)
    client.force_login(vendor_member)
    profile = reverse("certification:vendor_profile")
    html = client.get(profile).content.decode()
    assert 'name="legal_name"' not in html and 'id="legal-name"' in html  # verified: shown, not editable
    url = reverse("certification:vendor_change_request")
    response = client.post(url, {"change-legal_name": "", "change-tax_code": "", "change-reason": ""})
    assert response.status_code == 400 and not VendorChangeRequest.objects.exists()
    assert client.post(url, {"change-legal_name": "Công ty Cổ phần Mới", "change-reason": "ĐKDN lần 4"}).status_code == 302
    request = VendorChangeRequest.objects.get()
    client.force_login(staff)
    desk = client.get(reverse("certification:staff_queue")).content.decode()
    assert "Công ty Cổ phần Mới" in desk
    decide = reverse("certification:change_request_decide", args=[request.pk])
    assert client.post(decide, {"decision": "reject", "note": ""}).status_code == 400
    assert client.post(decide, {"decision": "approve"}).status_code == 302
    assert Vendor.objects.get(pk=vendor.pk).legal_name == "Công ty Cổ phần Mới"
    client.force_login(vendor_member)
    assert client.post(decide, {"decision": "approve"}).status_code == 403


def test_page_mvn_attestation_review_and_evidence_access(client, vendor_member, other_vendor_member, staff):
    product = ProductFactory(vendor=vendor_for_user(vendor_member), made_in_vietnam=False)
    client.force_login(vendor_member)
    url = reverse("certification:mvn_attest")
    data = {"mvn-product": product.pk, "mvn-researched": "on", "mvn-developed": "on", "mvn-produced": "on",
            "mvn-source_owner": "on", "mvn-statement": "Phát triển tại Hà Nội"}
    assert client.post(url, data).status_code == 400  # no evidence
    assert client.post(url, {**data, "mvn-file": upload("dang-ky.pdf", PDF_BYTES)}).status_code == 302
    attestation = MvnAttestation.objects.get()
    evidence = reverse("certification:mvn_evidence", args=[attestation.pk])
    assert client.get(evidence).status_code == 200
    client.force_login(other_vendor_member)
    assert client.get(evidence).status_code == 404
    client.force_login(staff)
    assert client.get(evidence).status_code == 200
    assert client.post(reverse("certification:mvn_review", args=[attestation.pk]), {"decision": "approve"}).status_code == 302
    product.refresh_from_db()
    assert product.made_in_vietnam
