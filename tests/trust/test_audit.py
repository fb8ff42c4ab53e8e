import pytest
from django.core.management import call_command
from django.db import transaction

from trust.models import AuditEntry
from trust.services import audit_append, audit_verify

pytestmark = pytest.mark.django_db


def _append(n: int):
    for i in range(n):
        with transaction.atomic():
            audit_append(actor=None, action="test.event", object_type="thing", object_id=str(i),
                         after={"value": i, "text": "Đà Nẵng"})


def test_audit_chain_verifies_and_detects_edit(capsys):
    _append(5)
    assert audit_verify().ok
    call_command("audit_verify")
    AuditEntry.objects.filter(sequence=3).update(after={"value": 99, "text": "Đà Nẵng"})
    report = audit_verify()
    assert not report.ok and report.broken_sequence == 3
    with pytest.raises(SystemExit) as exc:
        call_command("audit_verify")
    assert exc.value.code == 1
    assert "#3" in capsys.readouterr().err


def test_audit_chain_detects_deletion():
    _append(4)
    AuditEntry.objects.filter(sequence=2).delete()
    report = audit_verify()
    assert not report.ok and report.broken_sequence == 2


@pytest.mark.django_db(transaction=True)
def test_audit_append_requires_transaction():
    with pytest.raises(RuntimeError):
        audit_append(actor=None, action="x", object_type="t", object_id="1")
