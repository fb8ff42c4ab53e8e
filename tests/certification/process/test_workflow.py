"""The application state machine: a matrix of action x status x role, and each guard."""

from datetime import timedelta

import pytest
from django.utils import timezone, translation

from certification.access import application_access
from certification.choices import ApplicationStatus as S
from certification.models import Application, ApplicationEvent, Assignment, ConflictDeclaration
from certification.process.services import application_transition
from certification.process.workbench import conflict_declare
from config.errors import (
    ApplicationError,
    ConflictOfInterest,
    GuardFailed,
    PermissionDeniedError,
    TransitionNotAllowed,
)
from tests.factories import UserFactory
from trust.models import AuditEntry
from trust.services import audit_verify

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    # Guard messages are asserted in English; the default language is Vietnamese.
    with translation.override("en"):
        yield

# Written out from ARCHITECTURE §3 rather than derived from workflow.TRANSITIONS, so a wrong table fails.
EXPECTED = {
    "submit": ({"draft", "returned"}, "vendor"),
    "return": ({"submitted"}, "staff"),
    "assign": ({"submitted"}, "staff"),
    "complete": ({"in_evaluation"}, "evaluator"),
    "certify": ({"evaluated"}, "certifier"),
    "reject": ({"evaluated"}, "certifier"),
    "withdraw": ({"draft", "submitted", "returned", "in_evaluation"}, "vendor"),
    "appeal": ({"rejected"}, "vendor"),
    "uphold": ({"appealed"}, "certifier"),
    "overturn": ({"appealed"}, "certifier"),
}
ROLES = ["vendor", "other_vendor", "staff", "evaluator", "unassigned_evaluator", "certifier", "procurement"]


@pytest.fixture
def actors(vendor_member, other_vendor_member, staff, evaluator, evaluator2, certifier, procurement):
    return {"vendor": vendor_member, "other_vendor": other_vendor_member, "staff": staff, "evaluator": evaluator,
            "unassigned_evaluator": evaluator2, "certifier": certifier, "procurement": procurement}


@pytest.mark.parametrize("action", list(EXPECTED))
def test_workflow_matrix_action_status_role(action, with_artifacts, actors, evaluator):
    Assignment.objects.create(application=with_artifacts, evaluator=evaluator)
    sources, role = EXPECTED[action]
    for status in S.values:
        for actor_role in ROLES:
            Application.objects.filter(pk=with_artifacts.pk).update(status=status, decided_at=timezone.now())
            events_before = ApplicationEvent.objects.count()
            try:
                application_transition(application=with_artifacts, action=action, actor=actors[actor_role],
                                       note="Lý do kiểm thử", evaluators=["evaluator2@lab.vn"])
                outcome = "ok"
            except PermissionDeniedError:
                outcome = "forbidden"
            except TransitionNotAllowed:
                outcome = "wrong_state"
            except (GuardFailed, ApplicationError):
                outcome = "guarded"
            where = f"{action} from {status} by {actor_role}"
            if actor_role != role:
                assert outcome == "forbidden", where
            elif status not in sources:
                assert outcome == "wrong_state", where
            else:
                assert outcome in ("ok", "guarded"), where
            if outcome != "ok":
                assert ApplicationEvent.objects.count() == events_before, f"{where} left an event"
    assert audit_verify().ok


def test_workflow_each_transition_writes_event_and_audit(with_artifacts, journey):
    audit_before = AuditEntry.objects.count()
    app = journey(with_artifacts, "certified")
    events = list(app.events.order_by("id").values_list("action", "from_status", "to_status"))
    assert events[1:] == [("submit", "draft", "submitted"), ("assign", "submitted", "in_evaluation"),
                          ("complete", "in_evaluation", "evaluated"), ("certify", "evaluated", "certified")]
    actions = set(AuditEntry.objects.all()[audit_before:].values_list("action", flat=True))
    assert {"application.submit", "application.assign", "application.complete", "application.certify",
            "certificate.issue", "case.record", "check.complete"} <= actions


def test_workflow_certifier_who_evaluated_is_refused(with_artifacts, journey, certifier, django_capture_on_commit_callbacks):
    app = journey(with_artifacts, "in_evaluation")
    certifier.groups.add(*UserFactory(role="evaluator").groups.all())
    certifier._role_cache = None
    Assignment.objects.create(application=app, evaluator=certifier)
    Application.objects.filter(pk=app.pk).update(status=S.EVALUATED)
    assert "certify" not in application_access(user=certifier, application=app).actions
    with pytest.raises(GuardFailed, match="evaluated this application"):
        application_transition(application=app, action="certify", actor=certifier)
    app.refresh_from_db()
    assert app.status == S.EVALUATED and app.certificate_id is None


def test_workflow_appeal_reviewed_by_another_certifier(with_artifacts, journey, certifier, certifier2):
    app = journey(with_artifacts, "appealed")
    with pytest.raises(GuardFailed, match="decision under appeal"):
        application_transition(application=app, action="uphold", actor=certifier, note="Giữ nguyên")
    app = application_transition(application=app, action="overturn", actor=certifier2, note="Xem xét lại")
    assert app.status == S.EVALUATED and app.decided_at is None


def test_workflow_appeal_window_closes(with_artifacts, journey, vendor_member, settings):
    app = journey(with_artifacts, "rejected")
    Application.objects.filter(pk=app.pk).update(
        decided_at=timezone.now() - timedelta(days=settings.APPEAL_WINDOW_DAYS + 1))
    with pytest.raises(GuardFailed, match="appeal window"):
        application_transition(application=app, action="appeal", actor=vendor_member, note="Muộn")
    assert "appeal" not in application_access(user=vendor_member, application=Application.objects.get(pk=app.pk)).actions


def test_workflow_reject_needs_reason(with_artifacts, journey, certifier):
    app = journey(with_artifacts, "evaluated")
    with pytest.raises(ApplicationError) as exc:
        application_transition(application=app, action="reject", actor=certifier, note="  ")
    assert exc.value.status_code == 400
    assert Application.objects.get(pk=app.pk).status == S.EVALUATED


def test_workflow_submit_requires_documents(draft, vendor_member):
    with pytest.raises(GuardFailed, match="User guide"):
        application_transition(application=draft, action="submit", actor=vendor_member)
    assert "submit" not in application_access(user=vendor_member, application=draft).actions
    assert Application.objects.get(pk=draft.pk).status == S.DRAFT


def test_workflow_assign_refused_within_cooling_off(with_artifacts, journey, staff, evaluator, vendor_member):
    app = journey(with_artifacts, "submitted")
    vendor = app.vendor
    conflict_declare(evaluator=evaluator, vendor=vendor, relation="employment",
                     started_on=timezone.localdate() - timedelta(days=1000),
                     ended_on=timezone.localdate() - timedelta(days=300))
    with pytest.raises(ConflictOfInterest) as exc:
        application_transition(application=app, action="assign", actor=staff, evaluators=[evaluator.email])
    assert exc.value.status_code == 409 and evaluator.email in str(exc.value.message)
    assert not Assignment.objects.filter(application=app).exists()
    # Ended more than two years ago: allowed.
    ConflictDeclaration.objects.update(ended_on=timezone.localdate() - timedelta(days=731))
    app = application_transition(application=app, action="assign", actor=staff, evaluators=[evaluator.email])
    assert app.status == S.IN_EVALUATION


def test_workflow_assign_unknown_evaluator(with_artifacts, journey, staff):
    app = journey(with_artifacts, "submitted")
    with pytest.raises(ApplicationError) as exc:
        application_transition(application=app, action="assign", actor=staff, evaluators=["nobody@x.vn"])
    assert exc.value.code == "unknown_evaluator"


def test_workflow_certify_refused_when_pass_rule_fails(with_artifacts, journey, certifier):
    app = journey(with_artifacts, "evaluated", results={"FW-01": "fail"})
    assert "certify" not in application_access(user=certifier, application=app).actions
    with pytest.raises(GuardFailed, match="FW-01"):
        application_transition(application=app, action="certify", actor=certifier)
    assert "reject" in application_access(user=certifier, application=app).actions


def test_workflow_available_actions_by_role(with_artifacts, journey, vendor_member, staff, certifier, evaluator):
    app = journey(with_artifacts, "submitted")
    assert application_access(user=vendor_member, application=app).actions == ["withdraw"]
    assert application_access(user=staff, application=app).actions == ["return", "assign"]
    assert application_access(user=certifier, application=app).actions == []
    assert application_access(user=evaluator, application=app).actions == []


def test_workflow_certificate_valid_until_from_scheme(with_artifacts, journey):
    app = journey(with_artifacts, "certified")
    cert = app.certificate
    months = (cert.valid_until.year - cert.issued_at.year) * 12 + cert.valid_until.month - cert.issued_at.month
    assert months == app.scheme.validity_months
