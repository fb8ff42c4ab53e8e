from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from config.errors import ApplicationError, PermissionDeniedError, TransitionNotAllowed
from registry.models import Certificate, CertificateEvent
from registry.services import (
    certificate_available_actions,
    certificate_expire_due,
    certificate_transition,
    vendor_create,
)
from trust.models import AuditEntry
from trust.services import audit_verify

pytestmark = pytest.mark.django_db


@pytest.fixture
def certificate(with_artifacts, journey):
    return journey(with_artifacts, "certified").certificate


def test_certificate_transition_suspend_reinstate_revoke(certificate, staff, commit):
    mail.outbox.clear()
    with commit():
        certificate_transition(certificate=certificate, action="suspend", actor=staff, reason="Lỗ hổng nghiêm trọng")
    certificate.refresh_from_db()
    assert (certificate.status, certificate.status_reason) == ("suspended", "Lỗ hổng nghiêm trọng")
    assert len(mail.outbox) == 1 and certificate.serial in mail.outbox[0].subject
    assert certificate_available_actions(certificate=certificate, actor=staff) == ["reinstate", "revoke"]
    certificate_transition(certificate=certificate, action="reinstate", actor=staff)
    certificate_transition(certificate=certificate, action="revoke", actor=staff, reason="Nhà cung cấp giải thể")
    certificate.refresh_from_db()
    assert certificate.status == "revoked"
    assert list(certificate.events.values_list("action", flat=True)) == ["issue", "suspend", "reinstate", "revoke"]
    with pytest.raises(TransitionNotAllowed):
        certificate_transition(certificate=certificate, action="reinstate", actor=staff)
    assert audit_verify().ok


def test_certificate_transition_refuses_non_staff_and_missing_reason(certificate, certifier, staff):
    events = CertificateEvent.objects.count()
    with pytest.raises(PermissionDeniedError):
        certificate_transition(certificate=certificate, action="suspend", actor=certifier, reason="x")
    with pytest.raises(ApplicationError):
        certificate_transition(certificate=certificate, action="revoke", actor=staff, reason=" ")
    with pytest.raises(PermissionDeniedError):
        certificate_transition(certificate=certificate, action="expire", actor=staff)
    certificate.refresh_from_db()
    assert certificate.status == "active" and CertificateEvent.objects.count() == events


def test_certificate_expire_due_only_past_validity(certificate):
    assert certificate_expire_due() == 0
    Certificate.objects.filter(pk=certificate.pk).update(valid_until=timezone.now() - timedelta(minutes=1))
    assert certificate_expire_due() == 1
    certificate.refresh_from_db()
    assert certificate.status == "expired"
    assert certificate.events.last().actor_repr == "system"
    assert certificate_expire_due() == 0


def test_certificate_serials_are_unique_and_sequential(with_artifacts, journey):
    first = journey(with_artifacts, "certified").certificate
    number = int(first.serial.rsplit("-", 1)[1])
    assert first.serial == f"VN-CSP-{first.issued_at.year}-{number:05d}"


@pytest.mark.parametrize("tax_code", ["123", "01012345678", "0101234567-1", "010123456A", ""])
def test_vendor_create_rejects_invalid_tax_code(tax_code, staff):
    audit = AuditEntry.objects.count()
    with pytest.raises(ApplicationError) as exc:
        vendor_create(actor=staff, legal_name="Công ty TNHH Thử nghiệm", tax_code=tax_code)
    assert "tax_code" in exc.value.details
    assert AuditEntry.objects.count() == audit


@pytest.mark.parametrize("tax_code", ["0101234567", "0101234567-001"])
def test_vendor_create_accepts_tax_code_forms(tax_code, staff):
    vendor = vendor_create(actor=staff, legal_name="Công ty TNHH Thử nghiệm", tax_code=tax_code, province="48")
    assert vendor.get_province_display() == "Thành phố Đà Nẵng"
