"""The rules of the certification process hold whatever path calls the services: automated results,
failing notes, verified vendors, unanswered questions, deviations and appeals."""

import pytest

from certification.access import application_access
from certification.choices import CaseResultValue as R
from certification.models import (
    Application,
    ApplicationEvent,
    CaseResult,
    CaseResultVersion,
    Clarification,
)
from certification.process.scoring import application_pass_outcome
from certification.process.services import (
    application_transition,
    case_deviation_record,
    case_result_record,
)
from certification.process.workbench import (
    clarification_ask,
    clarification_close,
    clarification_reply,
    independence_declare,
)
from config.errors import (
    ApplicationError,
    GuardFailed,
    NotFoundError,
    PermissionDeniedError,
    TransitionNotAllowed,
)
from trust.models import AuditEntry

pytestmark = pytest.mark.django_db


def _snapshot(app) -> tuple:
    """Everything a refused call must leave as it was."""
    app = Application.objects.get(pk=app.pk)
    return (app.status, ApplicationEvent.objects.count(), AuditEntry.objects.count(), CaseResultVersion.objects.count(),
            Clarification.objects.count(),
            tuple(CaseResult.objects.filter(application=app).order_by("pk")
                  .values_list("result", "notes", "deviation_result")))


@pytest.fixture
def in_evaluation(with_artifacts, journey, evaluator):
    app = journey(with_artifacts, "in_evaluation")
    independence_declare(application=app, evaluator=evaluator)
    return Application.objects.get(pk=app.pk)


def _score_all(app, evaluator, **overrides):
    for case in app.cases.select_related("requirement").exclude(requirement__method="automated"):
        code = case.requirement.code
        result = overrides.get(code, "pass")
        case_result_record(application=app, requirement_code=code, actor=evaluator, result=result,
                           notes="Không đạt: thiếu chức năng" if result == "fail" else "")


# Results ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("state", ["pass", "fail", "error", "running"])
def test_automated_result_is_never_overwritten_by_an_evaluator(in_evaluation, evaluator, state):
    CaseResult.objects.filter(application=in_evaluation, requirement__code="INT-01").update(result=state)
    before = _snapshot(in_evaluation)
    with pytest.raises(TransitionNotAllowed) as caught:
        case_result_record(application=in_evaluation, requirement_code="INT-01", actor=evaluator, result="pass",
                           notes="Tôi đã kiểm tra bằng tay")
    assert caught.value.code == "automated_result"
    assert _snapshot(in_evaluation) == before


def test_failing_result_needs_a_note(in_evaluation, evaluator):
    before = _snapshot(in_evaluation)
    for notes in ("", "   "):
        with pytest.raises(ApplicationError) as caught:
            case_result_record(application=in_evaluation, requirement_code="FW-01", actor=evaluator, result="fail",
                               notes=notes)
        assert "notes" in caught.value.details and caught.value.status_code == 400
    assert _snapshot(in_evaluation) == before
    case = case_result_record(application=in_evaluation, requirement_code="FW-01", actor=evaluator, result="fail",
                              notes="Cổng 23 vẫn mở")
    assert case.result == "fail" and case.notes == "Cổng 23 vẫn mở"
    # pass and not applicable need no note
    assert case_result_record(application=in_evaluation, requirement_code="FW-01", actor=evaluator,
                              result="pass").result == "pass"


# Vendor verification ---------------------------------------------------------------------------

def test_unverified_vendor_prepares_but_cannot_submit(unverified_vendor_member, scheme):
    from certification.process.services import application_create, artifact_upload
    from registry.selectors import vendor_for_user
    from registry.services import vendor_verify
    from tests.factories import (
        PDF_BYTES,
        ProductVersionFactory,
        UserFactory,
        installer_bytes,
        upload,
    )

    version = ProductVersionFactory(product__vendor=vendor_for_user(unverified_vendor_member))
    app = application_create(actor=unverified_vendor_member, product_version=version, scheme=scheme, level="basic")
    artifact_upload(application=app, actor=unverified_vendor_member, kind="installer",
                    file=upload("setup.bin", installer_bytes()))
    artifact_upload(application=app, actor=unverified_vendor_member, kind="user_guide",
                    file=upload("guide.pdf", PDF_BYTES))
    access = application_access(user=unverified_vendor_member, application=app)
    assert "submit" not in access.actions
    assert [name for name, _ in access.blocked_actions] == ["submit"]
    before = _snapshot(app)
    with pytest.raises(GuardFailed) as caught:
        application_transition(application=app, action="submit", actor=unverified_vendor_member)
    assert "verified" in str(caught.value.message) or "xác minh" in str(caught.value.message)
    assert _snapshot(app) == before

    staff = UserFactory(role="staff")
    vendor_verify(vendor=vendor_for_user(unverified_vendor_member), actor=staff)
    unverified_vendor_member._vendor_cache = False
    app = application_transition(application=app, action="submit", actor=unverified_vendor_member)
    assert app.status == "submitted"


# Questions to the vendor -----------------------------------------------------------------------

def test_complete_waits_for_unanswered_questions_until_answered_or_closed(in_evaluation, evaluator, vendor_member,
                                                                          staff):
    _score_all(in_evaluation, evaluator)
    first = clarification_ask(application=in_evaluation, actor=evaluator, body="Phiên bản firmware nào?")
    second = clarification_ask(application=in_evaluation, actor=staff, body="Hợp đồng hỗ trợ?")
    access = application_access(user=evaluator, application=Application.objects.get(pk=in_evaluation.pk))
    assert "complete" not in access.actions and access.blocked_actions[0][0] == "complete"
    before = _snapshot(in_evaluation)
    with pytest.raises(GuardFailed):
        application_transition(application=in_evaluation, action="complete", actor=evaluator)
    assert _snapshot(in_evaluation) == before

    # the body's own reply does not answer a question; the vendor's does
    clarification_reply(parent=first, actor=evaluator, body="Nhắc lại câu hỏi")
    with pytest.raises(GuardFailed):
        application_transition(application=in_evaluation, action="complete", actor=evaluator)
    clarification_reply(parent=first, actor=vendor_member, body="Firmware 4.2.1")
    with pytest.raises(GuardFailed):  # the second still waits
        application_transition(application=in_evaluation, action="complete", actor=evaluator)

    # closing needs a reason, is refused to the vendor, and is audited
    with pytest.raises(ApplicationError):
        clarification_close(question=second, actor=evaluator, reason="  ")
    with pytest.raises(PermissionDeniedError):
        clarification_close(question=second, actor=vendor_member, reason="Không cần")
    audit = AuditEntry.objects.count()
    clarification_close(question=second, actor=evaluator, reason="Đã xác minh qua tài liệu quản trị")
    assert AuditEntry.objects.count() == audit + 1
    assert AuditEntry.objects.order_by("-sequence").first().action == "clarification.close"
    with pytest.raises(TransitionNotAllowed):
        clarification_close(question=second, actor=evaluator, reason="lần nữa")
    app = application_transition(application=in_evaluation, action="complete", actor=evaluator)
    assert app.status == "evaluated"


# Deviations ------------------------------------------------------------------------------------

@pytest.fixture
def evaluated_with_failed_check(with_artifacts, journey, evaluator):
    """Evaluated, with the automated integrity check failed: the pass rule does not hold."""
    app = journey(with_artifacts, "in_evaluation")
    independence_declare(application=app, evaluator=evaluator)
    CaseResult.objects.filter(application=app, requirement__code="INT-01").update(result="fail")
    _score_all(app, evaluator)
    return application_transition(application=app, action="complete", actor=evaluator)


def test_certifier_deviation_is_justified_recorded_and_read_by_the_pass_rule(evaluated_with_failed_check,
                                                                             certifier, evaluator, staff,
                                                                             vendor_member):
    app = evaluated_with_failed_check
    assert not application_pass_outcome(application=app).passed
    before = _snapshot(app)
    for actor, error in ((evaluator, PermissionDeniedError), (staff, PermissionDeniedError),
                         (vendor_member, PermissionDeniedError)):
        with pytest.raises(error):
            case_deviation_record(application=app, requirement_code="INT-01", actor=actor, result="pass",
                                  justification="Sai dương tính")
    with pytest.raises(ApplicationError) as caught:
        case_deviation_record(application=app, requirement_code="INT-01", actor=certifier, result="pass",
                              justification=" ")
    assert "justification" in caught.value.details
    assert _snapshot(app) == before

    case = case_deviation_record(application=app, requirement_code="INT-01", actor=certifier, result="pass",
                                 justification="Tệp cài đặt được ký lại; hàm băm mới đã được xác nhận.")
    assert case.result == "fail" and case.deviation_result == "pass" and case.effective_result == "pass"
    version = case.versions.order_by("-id").first()
    assert version.kind == "deviation" and version.actor_id == certifier.pk
    assert AuditEntry.objects.order_by("-sequence").first().action == "case.deviation"
    assert application_pass_outcome(application=Application.objects.get(pk=app.pk)).passed
    app = application_transition(application=app, action="certify", actor=certifier)
    assert app.status == "certified"
    # after the decision, no more deviations
    with pytest.raises(TransitionNotAllowed):
        case_deviation_record(application=app, requirement_code="FW-01", actor=certifier, result="fail",
                              justification="muộn")


def test_deviation_refused_to_a_certifier_who_evaluated(evaluated_with_failed_check, certifier, staff):
    from accounts.roles import user_role_add
    from certification.models import Assignment

    Assignment.objects.create(application=evaluated_with_failed_check, evaluator=certifier, assigned_by=staff)
    user_role_add(certifier, "evaluator")
    with pytest.raises(PermissionDeniedError):
        case_deviation_record(application=evaluated_with_failed_check, requirement_code="INT-01", actor=certifier,
                              result="pass", justification="x")


# Appeals ---------------------------------------------------------------------------------------

@pytest.fixture
def rejected(with_artifacts, journey):
    return journey(with_artifacts, "rejected")


def test_one_appeal_per_decision(rejected, vendor_member, certifier2):
    app = application_transition(application=rejected, action="appeal", actor=vendor_member,
                                 note="Kết quả FW-01 sai", requirements=["FW-01"])
    assert app.events.order_by("-id").first().data["requirements"] == ["FW-01"]
    app = application_transition(application=app, action="uphold", actor=certifier2, note="Giữ nguyên")
    assert app.status == "rejected"
    access = application_access(user=vendor_member, application=Application.objects.get(pk=app.pk))
    assert "appeal" not in access.actions
    before = _snapshot(app)
    with pytest.raises(GuardFailed):
        application_transition(application=app, action="appeal", actor=vendor_member, note="Lần hai")
    assert _snapshot(app) == before


def test_appeal_names_only_requirements_of_the_application(rejected, vendor_member):
    before = _snapshot(rejected)
    with pytest.raises(ApplicationError) as caught:
        application_transition(application=rejected, action="appeal", actor=vendor_member, note="x",
                               requirements=["NOPE-1"])
    assert caught.value.details == {"requirements": ["NOPE-1"]}
    assert _snapshot(rejected) == before


def test_appeal_decided_only_by_a_certifier_outside_the_evaluation_and_the_decision(rejected, vendor_member,
                                                                                   certifier, evaluator):
    app = application_transition(application=rejected, action="appeal", actor=vendor_member, note="Xin xem lại")
    before = _snapshot(app)
    with pytest.raises(GuardFailed):  # made the decision under appeal
        application_transition(application=app, action="overturn", actor=certifier, note="Tôi sai")
    with pytest.raises(PermissionDeniedError):  # an evaluator is no certifier
        application_transition(application=app, action="uphold", actor=evaluator, note="x")
    assert _snapshot(app) == before


def test_overturned_appeal_reevaluates_contested_requirements_then_a_new_decision(
        rejected, vendor_member, certifier, certifier2, evaluator, django_capture_on_commit_callbacks):
    from certification.models import CheckRun

    app = application_transition(application=rejected, action="appeal", actor=vendor_member,
                                 note="FW-02 đã đạt ở bản vá", requirements=["FW-02", "INT-01"])
    generation = CheckRun.objects.get(application=app, check_key="artifact.integrity").generation
    with django_capture_on_commit_callbacks() as callbacks:
        app = application_transition(application=app, action="overturn", actor=certifier2, note="Đánh giá lại")
    assert app.status == "in_evaluation" and app.decided_at is None
    cases = dict(CaseResult.objects.filter(application=app).values_list("requirement__code", "result"))
    assert cases["FW-02"] == R.PENDING and cases["FW-01"] == R.PASS and cases["INT-01"] == R.PENDING
    run = CheckRun.objects.get(application=app, check_key="artifact.integrity")
    assert run.generation == generation + 1 and run.status == "queued"
    for callback in callbacks:  # the commit: the check runs again (in-process in tests)
        callback()
    assert CaseResult.objects.get(application=app, requirement__code="INT-01").result == R.PASS
    reopened = CaseResultVersion.objects.filter(case__application=app, kind="reopened")
    assert set(reopened.values_list("case__requirement__code", flat=True)) == {"FW-02", "INT-01"}

    case_result_record(application=app, requirement_code="FW-02", actor=evaluator, result="pass")
    app = application_transition(application=app, action="complete", actor=evaluator)
    assert app.status == "evaluated"
    # the certifier whose decision fell does not take the new one
    access = application_access(user=certifier, application=Application.objects.get(pk=app.pk))
    assert access.actions == [] and {name for name, _ in access.blocked_actions} == {"certify", "reject"}
    with pytest.raises(GuardFailed):
        application_transition(application=app, action="certify", actor=certifier)
    app = application_transition(application=app, action="certify", actor=certifier2)
    assert app.status == "certified" and app.certificate_id


def test_overturn_without_contested_requirements_goes_straight_to_a_new_decision(rejected, vendor_member,
                                                                                   certifier2):
    app = application_transition(application=rejected, action="appeal", actor=vendor_member, note="Sai quy tắc")
    app = application_transition(application=app, action="overturn", actor=certifier2, note="Quy tắc áp dụng sai")
    assert app.status == "evaluated"
    assert app.events.order_by("-id").first().data["requirements"] == []


# Access ----------------------------------------------------------------------------------------

def test_access_denials_are_404_to_outsiders_and_403_to_those_who_see_it(in_evaluation, evaluator2,
                                                                         other_vendor_member, certifier):
    with pytest.raises(NotFoundError):
        case_result_record(application=in_evaluation, requirement_code="FW-01", actor=evaluator2, result="pass")
    with pytest.raises(NotFoundError):
        clarification_ask(application=in_evaluation, actor=other_vendor_member, body="?")
    with pytest.raises(PermissionDeniedError):
        case_result_record(application=in_evaluation, requirement_code="FW-01", actor=certifier, result="pass")
