"""The shared application page and the role desks: scoping, role content, and refused actions."""

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from certification.process.services import application_create, application_transition
from certification.process.workbench import conflict_declare
from registry.selectors import vendor_for_user
from tests.factories import ProductVersionFactory, UserFactory, upload

pytestmark = pytest.mark.django_db


def test_application_detail_is_404_for_another_vendor(client, with_artifacts, other_vendor_member):
    client.force_login(other_vendor_member)
    pk = with_artifacts.pk
    assert client.get(reverse("certification:application_detail", args=[pk])).status_code == 404
    assert client.post(reverse("certification:application_action", args=[pk]),
                       {"action": "withdraw"}).status_code == 404
    assert client.post(reverse("certification:artifact_upload", args=[pk]), {"kind": "other"}).status_code == 404
    assert client.get(reverse("certification:case_score", args=[pk, "FW-01"])).status_code == 404
    with_artifacts.refresh_from_db()
    assert with_artifacts.status == "draft"


def test_application_detail_is_404_for_an_unassigned_evaluator(client, journey, with_artifacts, evaluator2):
    app = journey(with_artifacts, "in_evaluation")
    client.force_login(evaluator2)
    assert client.get(reverse("certification:application_detail", args=[app.pk])).status_code == 404


@pytest.mark.parametrize("url_name", ["vendor_dashboard", "evaluator_queue", "certifier_queue", "staff_queue"])
def test_work_pages_need_login(client, url_name):
    response = client.get(reverse(f"certification:{url_name}"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize("url_name", ["evaluator_queue", "certifier_queue", "staff_queue"])
def test_work_pages_refuse_other_roles(client, vendor_member, url_name):
    client.force_login(vendor_member)
    assert client.get(reverse(f"certification:{url_name}")).status_code == 403


def test_application_detail_vendor_sees_upload_form_and_submit_while_draft(client, draft, vendor_member):
    client.force_login(vendor_member)
    html = client.get(reverse("certification:application_detail", args=[draft.pk])).content.decode()
    assert f'action="{reverse("certification:artifact_upload", args=[draft.pk])}"' in html
    assert 'name="action" value="withdraw"' in html and 'name="action" value="assign"' not in html
    # Submitting waits for the required documents, and the page says which.
    assert 'name="action" value="submit"' not in html and "Còn thiếu tài liệu bắt buộc: Hướng dẫn sử dụng" in html


def test_application_action_refused_shows_message_and_status(client, draft, vendor_member):
    client.force_login(vendor_member)
    # No documents yet: the guard refuses with 409 and says which are missing.
    response = client.post(reverse("certification:application_action", args=[draft.pk]), {"action": "submit"})
    assert response.status_code == 409
    assert "Còn thiếu tài liệu bắt buộc" in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == "draft"


def test_application_action_reason_required_is_400(client, journey, with_artifacts, staff):
    app = journey(with_artifacts, "submitted")
    client.force_login(staff)
    page = client.get(reverse("certification:application_detail", args=[app.pk])).content.decode()
    assert 'name="action" value="return"' in page and 'name="evaluators"' in page
    response = client.post(reverse("certification:application_action", args=[app.pk]),
                           {"action": "return", "note": "  "})
    assert response.status_code == 400 and "Cần nêu lý do." in response.content.decode()
    response = client.post(reverse("certification:application_action", args=[app.pk]),
                           {"action": "return", "note": "Thiếu hướng dẫn quản trị"})
    assert response.status_code == 302
    app.refresh_from_db()
    assert app.status == "returned"


def test_application_action_wrong_role_is_403(client, journey, with_artifacts, vendor_member):
    app = journey(with_artifacts, "submitted")
    client.force_login(vendor_member)
    response = client.post(reverse("certification:application_action", args=[app.pk]),
                           {"action": "assign", "evaluators": ["evaluator@lab.vn"]})
    assert response.status_code == 403


def test_application_detail_certifier_sees_pass_rule_by_group(client, journey, with_artifacts, certifier):
    app = journey(with_artifacts, "evaluated", results={"FW-02": "fail"})
    client.force_login(certifier)
    html = client.get(reverse("certification:application_detail", args=[app.pk])).content.decode()
    assert "outcome-fail" in html and "FW-02" in html
    for group in ("Chức năng bảo vệ", "Quản trị và xác thực", "Tài liệu", "Quản lý lỗ hổng và SBOM"):
        assert f'<th scope="row">{group}</th>' in html
    # FW-02 is mandatory and failed: certify is not offered, reject is.
    assert 'name="action" value="certify"' not in html and 'name="action" value="reject"' in html


def test_case_score_records_result_and_keeps_history(client, journey, with_artifacts, evaluator):
    app = journey(with_artifacts, "in_evaluation")
    client.force_login(evaluator)
    url = reverse("certification:case_score", args=[app.pk, "FW-01"])
    # Before the independence statement the case page is refused (403) and sends the evaluator to declare it.
    assert client.post(url, {"result": "pass"}).status_code == 403
    assert client.get(url).status_code == 302
    assert not app.cases.get(requirement__code="FW-01").versions.exists()
    client.post(reverse("certification:independence_declare", args=[app.pk]))
    page = client.get(url).content.decode()
    assert 'type="radio"' in page and 'value="not_applicable"' in page
    client.post(url, {"result": "fail", "notes": "Không chặn được cổng 23"})
    response = client.post(url, {"result": "pass", "notes": "Đã kiểm tra lại"})
    assert response.status_code == 302
    case = app.cases.get(requirement__code="FW-01")
    assert case.result == "pass" and case.versions.count() == 2
    html = client.get(url).content.decode()
    assert "Không chặn được cổng 23" in html and "Đã kiểm tra lại" in html
    assert client.post(url, {"result": "maybe"}).status_code == 400


def test_case_score_form_hidden_from_other_roles(client, journey, with_artifacts, certifier):
    app = journey(with_artifacts, "in_evaluation")
    client.force_login(certifier)
    url = reverse("certification:case_score", args=[app.pk, "FW-01"])
    assert 'type="radio"' not in client.get(url).content.decode()
    assert client.post(url, {"result": "pass"}).status_code == 403


def test_vendor_dashboard_lists_own_products_and_applications_only(client, vendor_member, other_vendor_member,
                                                                  scheme):
    mine = ProductVersionFactory(product__vendor=vendor_for_user(vendor_member), product__name="Sản phẩm của A")
    theirs = ProductVersionFactory(product__vendor=vendor_for_user(other_vendor_member),
                                   product__name="Sản phẩm của B")
    application_create(actor=vendor_member, product_version=mine, scheme=scheme, level="basic")
    application_create(actor=other_vendor_member, product_version=theirs, scheme=scheme, level="basic")
    client.force_login(vendor_member)
    html = client.get(reverse("certification:vendor_dashboard")).content.decode()
    assert "Sản phẩm của A" in html and "Sản phẩm của B" not in html


def test_vendor_dashboard_rejects_invalid_product_with_400(client, vendor_member):
    client.force_login(vendor_member)
    response = client.post(reverse("certification:product_create"), {"product-name": "", "product-category": "x"})
    assert response.status_code == 400 and "errorlist" in response.content.decode()


def test_application_create_refuses_another_vendors_version(client, vendor_member, other_vendor_member, scheme):
    theirs = ProductVersionFactory(product__vendor=vendor_for_user(other_vendor_member))
    client.force_login(vendor_member)
    response = client.post(reverse("certification:application_create"), {
        "application-product_version": theirs.pk, "application-scheme": scheme.pk, "application-level": "basic"})
    assert response.status_code == 400
    assert not theirs.applications.exists()


def test_staff_queue_changes_certificate_status(client, staff, make_certificate):
    certificate = make_certificate()
    client.force_login(staff)
    page = client.get(reverse("certification:staff_queue")).content.decode()
    assert certificate.serial in page and 'value="suspend"' in page and 'value="revoke"' in page
    url = reverse("certification:certificate_action", args=[certificate.serial])
    response = client.post(url, {"action": "suspend", "reason": ""})
    assert response.status_code == 400 and "Thao tác này cần nêu lý do." in response.content.decode()
    # suspending says what will happen and needs the box ticked; unticked, nothing changes
    response = client.post(url, {"action": "suspend", "reason": "Lỗ hổng chưa vá"})
    assert response.status_code == 400 and 'value="Lỗ hổng chưa vá"' in response.content.decode()
    certificate.refresh_from_db()
    assert certificate.status == "active"
    assert client.post(url, {"action": "suspend", "reason": "Lỗ hổng chưa vá", "confirm": "yes"}).status_code == 302
    certificate.refresh_from_db()
    assert certificate.status == "suspended"
    assert client.post(url, {"action": "suspend", "reason": "again", "confirm": "yes"}).status_code == 409
    assert client.post(url, {"action": "reinstate"}).status_code == 302
    certificate.refresh_from_db()
    assert certificate.status == "active"


def test_certificate_action_refused_to_non_staff(client, certifier, make_certificate):
    certificate = make_certificate()
    client.force_login(certifier)
    url = reverse("certification:certificate_action", args=[certificate.serial])
    assert client.post(url, {"action": "revoke", "reason": "x"}).status_code == 403
    certificate.refresh_from_db()
    assert certificate.status == "active"


def test_independence_clarification_and_evidence_through_pages(client, journey, with_artifacts, evaluator,
                                                               vendor_member):
    app = journey(with_artifacts, "in_evaluation")
    detail = reverse("certification:application_detail", args=[app.pk])
    client.force_login(evaluator)
    assert reverse("certification:independence_declare", args=[app.pk]) in client.get(detail).content.decode()
    # Asking before the statement is refused with the service's reason.
    response = client.post(reverse("certification:clarification_ask", args=[app.pk]), {"body": "Câu hỏi?"})
    assert response.status_code == 403
    assert client.post(reverse("certification:independence_declare", args=[app.pk])).status_code == 302
    assert reverse("certification:independence_declare", args=[app.pk]) not in client.get(detail).content.decode()
    response = client.post(reverse("certification:clarification_ask", args=[app.pk]),
                           {"body": "Sản phẩm hỗ trợ TLS 1.3 không?", "requirement_code": "FW-01"})
    assert response.status_code == 302
    assert client.post(reverse("certification:clarification_ask", args=[app.pk]), {"body": " "}).status_code == 400

    evidence_url = reverse("certification:evidence_attach", args=[app.pk, "FW-01"])
    assert client.post(evidence_url, {"file": upload("log.txt", b"port 23 closed\n")}).status_code == 302
    case_page = client.get(reverse("certification:case_score", args=[app.pk, "FW-01"])).content.decode()
    assert "log.txt" in case_page

    client.force_login(vendor_member)
    html = client.get(detail).content.decode()
    assert "Sản phẩm hỗ trợ TLS 1.3 không?" in html
    thread = app.clarifications.get()
    response = client.post(reverse("certification:clarification_reply", args=[app.pk, thread.pk]),
                           {"body": "Có, mặc định bật TLS 1.3."})
    assert response.status_code == 302
    assert "Có, mặc định bật TLS 1.3." in client.get(detail).content.decode()


def test_application_detail_vendor_sees_pass_rule_only_after_decision(client, journey, with_artifacts,
                                                                      vendor_member, certifier):
    app = journey(with_artifacts, "evaluated")
    client.force_login(vendor_member)
    url = reverse("certification:application_detail", args=[app.pk])
    assert 'id="outcome-heading"' not in client.get(url).content.decode()
    application_transition(application=app, action="reject", actor=certifier, note="Không đạt")
    assert 'id="outcome-heading"' in client.get(url).content.decode()


def test_application_detail_marks_conflicted_evaluators_in_fixed_queries(client, journey, with_artifacts, staff,
                                                                         evaluator, evaluator2,
                                                                         django_assert_max_num_queries):
    app = journey(with_artifacts, "submitted")
    today = timezone.localdate()
    conflict_declare(evaluator=evaluator2, vendor=app.vendor, relation="consulting",
                     started_on=today - timedelta(days=30))
    # Ended before the cooling-off period: no longer a conflict.
    past = UserFactory(role="evaluator", email="past@lab.vn")
    conflict_declare(evaluator=past, vendor=app.vendor, relation="employment",
                     started_on=today - timedelta(days=settings.CONFLICT_COOLING_OFF_DAYS + 400),
                     ended_on=today - timedelta(days=settings.CONFLICT_COOLING_OFF_DAYS + 10))
    client.force_login(staff)
    url = reverse("certification:application_detail", args=[app.pk])
    client.get(url)  # warm the session and role caches
    with CaptureQueriesContext(connection) as few:
        html = client.get(url).content.decode()

    def choice(email):  # one row of the picker: its checkbox and what it says
        return re.search(rf'<label[^>]*data-picker-item="[^"]*{re.escape(email)}"[^>]*>.*?</label>', html,
                         re.S).group(0)

    # the conflicted evaluator is shown with the relation, and cannot be ticked
    assert "Xung đột lợi ích" in choice("evaluator2@lab.vn") and " disabled" in choice("evaluator2@lab.vn")
    assert "Xung đột" not in choice("evaluator@lab.vn") and "Xung đột" not in choice("past@lab.vn")
    assert " disabled" not in choice("past@lab.vn")
    # More evaluators to choose from cost no more queries (no conflict lookup per evaluator).
    for n in range(8):
        UserFactory(role="evaluator", email=f"extra{n}@lab.vn")
    with django_assert_max_num_queries(len(few)):
        html = client.get(url).content.decode()
    assert html.count('name="evaluators" value="extra') == 8
