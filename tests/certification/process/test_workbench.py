"""The evaluator's workbench services: independence, clarifications, evidence files."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from certification.models import Clarification, EvidenceFile, IndependenceStatement
from certification.process.workbench import (
    clarification_ask,
    clarification_reply,
    conflict_declare,
    evidence_file_attach,
    independence_declare,
)
from config.errors import ApplicationError, ConflictOfInterest, NotFoundError, PermissionDeniedError
from tests.factories import PDF_BYTES, upload
from trust.models import AuditEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def in_evaluation(with_artifacts, journey):
    return journey(with_artifacts, "in_evaluation")


def test_independence_declare_once_and_audited(in_evaluation, evaluator):
    independence_declare(application=in_evaluation, evaluator=evaluator)
    independence_declare(application=in_evaluation, evaluator=evaluator)
    assert IndependenceStatement.objects.filter(application=in_evaluation).count() == 1
    assert AuditEntry.objects.filter(action="independence.declare").count() == 1


def test_independence_refused_with_recent_conflict(in_evaluation, evaluator):
    conflict_declare(evaluator=evaluator, vendor=in_evaluation.vendor, relation="consulting",
                     started_on=timezone.localdate() - timedelta(days=400), ended_on=None)
    with pytest.raises(ConflictOfInterest):
        independence_declare(application=in_evaluation, evaluator=evaluator)
    assert not IndependenceStatement.objects.exists()


def test_independence_unassigned_evaluator_gets_not_found(in_evaluation, evaluator2):
    with pytest.raises(NotFoundError):
        independence_declare(application=in_evaluation, evaluator=evaluator2)


def test_clarification_thread_notifies_other_side(in_evaluation, evaluator, vendor_member, commit):
    independence_declare(application=in_evaluation, evaluator=evaluator)
    mail.outbox.clear()
    with commit():
        question = clarification_ask(application=in_evaluation, actor=evaluator, requirement_code="FW-01",
                                     body="Vui lòng cung cấp cấu hình chính sách mặc định.")
    assert [m.to for m in mail.outbox] == [[vendor_member.email]]
    with commit():
        reply = clarification_reply(parent=question, actor=vendor_member, body="Đã tải lên tài liệu quản trị.")
    assert reply.parent_id == question.pk and reply.requirement_code == "FW-01"
    assert mail.outbox[-1].to == [evaluator.email]
    assert list(question.replies.values_list("body", flat=True)) == ["Đã tải lên tài liệu quản trị."]


def test_clarification_refuses_outsiders_and_bad_input(in_evaluation, evaluator, other_vendor_member):
    independence_declare(application=in_evaluation, evaluator=evaluator)
    question = clarification_ask(application=in_evaluation, actor=evaluator, body="Câu hỏi")
    with pytest.raises(NotFoundError):
        clarification_reply(parent=question, actor=other_vendor_member, body="Xin chào")
    with pytest.raises(ApplicationError):
        clarification_ask(application=in_evaluation, actor=evaluator, body="   ")
    with pytest.raises(NotFoundError):
        clarification_ask(application=in_evaluation, actor=evaluator, body="x", requirement_code="NOPE-99")
    assert Clarification.objects.count() == 1


def test_evidence_file_attach(in_evaluation, evaluator, evaluator2, settings):
    independence_declare(application=in_evaluation, evaluator=evaluator)
    item = evidence_file_attach(application=in_evaluation, requirement_code="FW-01", actor=evaluator,
                                file=upload("ket-qua.pdf", PDF_BYTES))
    assert item.content_type == "application/pdf" and len(item.sha256) == 64
    with pytest.raises(NotFoundError):  # not assigned: the application is not theirs to know
        evidence_file_attach(application=in_evaluation, requirement_code="FW-01", actor=evaluator2,
                             file=upload("x.pdf", PDF_BYTES))
    with pytest.raises(NotFoundError):
        evidence_file_attach(application=in_evaluation, requirement_code="NOPE", actor=evaluator,
                             file=upload("x.pdf", PDF_BYTES))
    settings.ARTIFACT_MAX_BYTES = 10
    with pytest.raises(ApplicationError) as exc:
        evidence_file_attach(application=in_evaluation, requirement_code="FW-01", actor=evaluator,
                             file=upload("x.pdf", PDF_BYTES))
    assert exc.value.status_code == 413
    assert EvidenceFile.objects.count() == 1


def test_independence_required_whatever_other_roles(in_evaluation, staff):
    from accounts.roles import user_role_add
    from certification.models import Assignment
    from certification.process.services import case_result_record

    user_role_add(staff, "evaluator")
    Assignment.objects.create(application=in_evaluation, evaluator=staff)
    with pytest.raises(PermissionDeniedError) as exc:
        case_result_record(application=in_evaluation, requirement_code="FW-01", actor=staff, result="pass")
    assert exc.value.code == "independence_required"
    assert not in_evaluation.cases.get(requirement__code="FW-01").versions.exists()
