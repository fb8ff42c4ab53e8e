import pytest

from certification.choices import ApplicationStatus as S
from registry.models import Certificate
from trust.services import audit_verify

pytestmark = pytest.mark.django_db


def test_journey_services_reach_certified(with_artifacts, journey):
    app = journey(with_artifacts, "certified")
    assert app.status == S.CERTIFIED
    cert = Certificate.objects.get(pk=app.certificate_id)
    assert cert.status == "active" and cert.serial.startswith("VN-CSP-")
    assert {c.requirement.code: c.result for c in app.cases.select_related("requirement")}["INT-01"] == "pass"
    actions = list(app.events.values_list("action", flat=True))
    assert actions == ["create", "submit", "assign", "complete", "certify"]
    assert audit_verify().ok
