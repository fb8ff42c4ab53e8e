"""On PostgreSQL the database itself refuses to rewrite history, and keeps the four-eyes rule; and
audit_verify names a certificate row changed by hand."""

import pytest
from django.core.management import call_command
from django.db import IntegrityError, ProgrammingError, connection, transaction

from certification.models import ApplicationEvent, Assignment, CaseResultVersion
from registry.models import Certificate, CertificateEvent, CertificateRecord
from trust.models import AuditEntry, MerkleNode
from trust.services import audit_verify

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("the triggers are PostgreSQL's (DATABASE_URL); the embedded SQLite default has none")


@pytest.fixture
def certified(journey, with_artifacts, commit):
    return journey(with_artifacts, "certified")


def _refused(fn):
    with pytest.raises((ProgrammingError, IntegrityError)) as exc, transaction.atomic():
        fn()
    return str(exc.value)


@pytest.mark.parametrize("model", [AuditEntry, MerkleNode, CertificateEvent, ApplicationEvent, CaseResultVersion,
                                   CertificateRecord])
def test_database_refuses_update_and_delete_of_history(certified, model):
    assert model.objects.exists()
    field = "hash" if model is MerkleNode else ("record" if model is CertificateRecord else None)
    if field is None:
        field = {AuditEntry: "action", CertificateEvent: "reason", ApplicationEvent: "note",
                 CaseResultVersion: "new_notes"}[model]
    value = {} if field == "record" else "0" * 64
    assert "append-only" in _refused(lambda: model.objects.update(**{field: value}))
    assert "append-only" in _refused(lambda: model.objects.all().delete())


def test_database_allows_only_nulling_the_actor(certified, staff):
    """What deleting a user does to the rows they acted in (SET_NULL) stays possible; nothing else."""
    with transaction.atomic():
        assert CertificateEvent.objects.filter(actor__isnull=False).update(actor=None) >= 1
        assert AuditEntry.objects.filter(actor__isnull=False).update(actor=None) >= 1
        transaction.set_rollback(True)
    _refused(lambda: AuditEntry.objects.filter(actor__isnull=False).update(actor=None, actor_repr="x"))
    _refused(lambda: CertificateEvent.objects.update(actor=staff))


def test_database_four_eyes_rule(certified, evaluator):
    """Even past the services, an evaluator of an application cannot be recorded as deciding on it."""
    message = _refused(lambda: ApplicationEvent.objects.create(application=certified, action="certify",
                                                               from_status="evaluated", to_status="certified",
                                                               actor=evaluator))
    assert "four-eyes" in message
    decider = ApplicationEvent.objects.get(application=certified, action="certify").actor
    assert "four-eyes" in _refused(lambda: Assignment.objects.create(application=certified, evaluator=decider))


def test_audit_verify_names_a_certificate_changed_by_sql(certified, staff, commit, capsys):
    from registry.services import certificate_transition

    with commit():
        certificate_transition(certificate=certified.certificate, action="revoke", actor=staff, reason="Gian lận")
    assert audit_verify().ok
    with connection.cursor() as cursor:
        cursor.execute("UPDATE registry_certificate SET status = 'active', status_reason = '' WHERE id = %s",
                       [certified.certificate_id])
    with pytest.raises(SystemExit):
        call_command("audit_verify")
    err = capsys.readouterr().err
    serial = certified.certificate.serial
    assert f"certificate {serial}" in err and "status is 'active' but its signed events say 'revoked'" in err
    Certificate.objects.filter(pk=certified.certificate_id).update(valid_until="2099-01-01T00:00:00Z")
    assert any("valid_until" in p for p in audit_verify().problems)
