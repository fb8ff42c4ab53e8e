"""The transactional outbox: rows written with the change, delivered once, retried, dead-lettered, swept."""

import os
from datetime import timedelta

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from accounts.notifications import email_message_id
from certification.process.services import application_transition
from tests.factories import UserFactory
from trust.choices import OutboxStatus as S
from trust.emails import email_enqueue
from trust.models import AuditEntry, OutboxMessage, WorkerHeartbeat
from trust.outbox import (
    OUTBOX_KINDS,
    OutboxObsolete,
    outbox_deliver,
    outbox_enqueue,
    outbox_kind_register,
    outbox_resend,
    outbox_resend_failed,
    outbox_sweep,
)
from trust.tasks import outbox_deliver_task

pytestmark = pytest.mark.django_db


@pytest.fixture
def kind():
    """A test kind whose handler does what the test tells it to, and records each call."""
    calls, behaviour, dead = [], {"raise": None}, []

    def handler(payload, message):
        calls.append(payload)
        if behaviour["raise"] is not None:
            raise behaviour["raise"]
        return "done"

    outbox_kind_register("test.kind", handler=handler, label="Test", max_attempts=3,
                         on_dead=lambda payload, message: dead.append(message.last_error))
    yield {"calls": calls, "behaviour": behaviour, "dead": dead}
    OUTBOX_KINDS.pop("test.kind", None)


def _enqueue(key="k1", **kwargs) -> OutboxMessage:
    with transaction.atomic():
        return outbox_enqueue(kind="test.kind", key=key, payload={"n": 1}, **kwargs)


def _due(message: OutboxMessage) -> None:
    OutboxMessage.objects.filter(pk=message.pk).update(available_at=timezone.now() - timedelta(seconds=1))


# Writing -----------------------------------------------------------------------------------------

def test_outbox_enqueue_refuses_unknown_kinds_and_long_keys(kind):
    with pytest.raises(ValueError):
        with transaction.atomic():
            outbox_enqueue(kind="no.such.kind", key="x")
    with pytest.raises(ValueError):
        with transaction.atomic():
            outbox_enqueue(kind="test.kind", key="x" * 201)


def test_outbox_enqueue_outside_a_transaction_is_refused(kind, monkeypatch):
    from types import SimpleNamespace

    monkeypatch.setattr("trust.outbox.transaction.get_connection", lambda: SimpleNamespace(in_atomic_block=False))
    with pytest.raises(RuntimeError):
        outbox_enqueue(kind="test.kind", key="x")


def test_outbox_enqueue_same_key_keeps_one_row(kind):
    first = _enqueue()
    second = _enqueue()
    assert first.pk == second.pk and OutboxMessage.objects.count() == 1
    assert first.status == S.PENDING and first.max_attempts == 3 and first.queue == "celery"


def test_outbox_rolled_back_change_leaves_no_row_and_sends_nothing(with_artifacts, vendor_member, commit):
    mail.outbox.clear()
    with commit(), pytest.raises(RuntimeError):
        with transaction.atomic():
            application_transition(application=with_artifacts, action="submit", actor=vendor_member)
            assert OutboxMessage.objects.count() > 0  # written inside the change's transaction
            raise RuntimeError("the change fails after its side effects were recorded")
    assert OutboxMessage.objects.count() == 0 and mail.outbox == []


def test_outbox_submit_writes_every_side_effect_in_its_transaction(with_artifacts, vendor_member, staff):
    application_transition(application=with_artifacts, action="submit", actor=vendor_member)  # not committed
    rows = OutboxMessage.objects.order_by("kind", "key")
    assert sorted({(m.kind, m.queue) for m in rows}) == [("check_run.execute", "checks"), ("email", "celery")]
    emails = [m for m in rows if m.kind == "email"]
    assert {m.summary for m in emails} == {vendor_member.email, staff.email}  # one row per recipient
    assert all(m.status == S.PENDING and m.attempts == 0 for m in rows)


# Delivering --------------------------------------------------------------------------------------

def test_outbox_delivers_after_commit_exactly_once(kind, commit):
    with commit():
        message = _enqueue()
    message.refresh_from_db()
    assert message.status == S.SENT and message.attempts == 1 and message.result == "done"
    assert message.finished_at is not None and kind["calls"] == [{"n": 1}]
    # A redelivered task (a duplicate message, the broker's visibility timeout) does nothing.
    assert outbox_deliver(message_id=message.pk) == "already sent"
    assert outbox_deliver_task.apply(args=[message.pk]).get() == "already sent"
    assert len(kind["calls"]) == 1


def test_outbox_email_is_one_message_per_recipient_with_a_stable_message_id(commit, roles_ready):
    user = UserFactory(email="a@vendor.vn", preferred_language="en")
    inactive = UserFactory(email="gone@vendor.vn", is_active=False)
    mail.outbox.clear()
    with commit(), transaction.atomic():
        rows = email_enqueue(template="vendor_verified", context={"legal_name": "Công ty A", "tax_code": "0101"},
                             key="vendor_verified:vendor=1", user_ids=[user.pk, inactive.pk],
                             addresses=["Extra@Example.vn", "extra@example.vn "])
    assert [m.summary for m in rows] == [user.email, "Extra@Example.vn"]  # inactive skipped, one per address
    assert len(mail.outbox) == 2
    sent = {m.to[0]: m for m in mail.outbox}
    key = f"email:vendor_verified:vendor=1:user={user.pk}"
    assert sent[user.email].extra_headers["Message-ID"] == email_message_id(key)
    assert OutboxMessage.objects.get(key=key).status == S.SENT
    outbox_deliver(message_id=rows[0].pk)
    assert len(mail.outbox) == 2


def test_outbox_failure_backs_off_then_dead_letters(kind, commit):
    kind["behaviour"]["raise"] = OSError("mail server down")
    with commit():
        message = _enqueue()
    message.refresh_from_db()
    assert message.status == S.PENDING and message.attempts == 1 and "mail server down" in message.last_error
    assert message.available_at > timezone.now() + timedelta(seconds=5)  # 10 s +-20 %
    assert message.claimed_by == "" and message.dispatched_at is None  # the sweeper publishes it when due
    assert outbox_deliver(message_id=message.pk) == "not due yet"
    _due(message)
    assert outbox_deliver(message_id=message.pk).startswith("retry in")
    message.refresh_from_db()
    assert message.available_at > timezone.now() + timedelta(seconds=12)  # 20 s +-20 %
    _due(message)
    assert outbox_deliver(message_id=message.pk) == "failed"
    message.refresh_from_db()
    assert message.status == S.FAILED and message.attempts == 3 and message.finished_at
    assert kind["dead"] == ["OSError: mail server down"]
    assert outbox_deliver(message_id=message.pk) == "already failed"


def test_outbox_obsolete_object_is_closed_with_its_reason(kind, commit):
    kind["behaviour"]["raise"] = OutboxObsolete("the certificate no longer exists")
    with commit():
        message = _enqueue()
    message.refresh_from_db()
    assert message.status == S.CLOSED and message.result == "the certificate no longer exists"
    assert message.attempts == 1  # not retried


def test_outbox_deleted_objects_close_real_kinds(commit, roles_ready):
    user = UserFactory()
    with commit(), transaction.atomic():
        email_row = email_enqueue(template="vendor_verified", context={}, key="t", user_ids=[user.pk])[0]
        user.delete()
        pdf_row = outbox_enqueue(kind="certificate.render_pdf", key="pdf", payload={"certificate_id": 10**9})
        run_row = outbox_enqueue(kind="check_run.execute", key="run",
                                 payload={"check_run_id": 10**9, "generation": 1})
    for row, reason in ((email_row, "no longer exists"), (pdf_row, "certificate no longer exists"),
                        (run_row, "check run no longer exists")):
        row.refresh_from_db()
        assert row.status == S.CLOSED and reason in row.result


def test_outbox_poison_payload_is_rejected_without_retry(kind):
    assert outbox_deliver_task.apply(args=["not-an-id"]).get() == "rejected"
    assert outbox_deliver_task.apply(args=[None]).get() == "rejected"
    assert outbox_deliver_task.apply(args=[10**9]).get() == "busy or missing"


def test_outbox_unknown_kind_dead_letters_after_its_attempts(kind, commit, settings):
    settings.OUTBOX_MAX_ATTEMPTS = 2
    message = OutboxMessage.objects.create(key="ghost", kind="removed.kind", max_attempts=2)
    assert outbox_deliver(message_id=message.pk).startswith("retry in")
    _due(message)
    assert outbox_deliver(message_id=message.pk) == "failed"
    message.refresh_from_db()
    assert message.status == S.FAILED and "no handler is registered" in message.last_error


# Claims ------------------------------------------------------------------------------------------

def _claim(message, claimed_by, *, ago=1, lease=600):
    now = timezone.now()
    OutboxMessage.objects.filter(pk=message.pk).update(
        claimed_by=claimed_by, claimed_at=now - timedelta(seconds=ago), attempts=1,
        claim_expires_at=now + timedelta(seconds=lease))


def _heartbeat(name="w1@host|100", processes=(101, 102), seen_ago=1, stopped=False):
    now = timezone.now()
    return WorkerHeartbeat.objects.create(name=name, hostname=name.split("|")[0], pid=100, processes=list(processes),
                                          queues=["celery"], seen_at=now - timedelta(seconds=seen_ago),
                                          stopped_at=now if stopped else None)


def test_outbox_claim_of_a_live_worker_is_respected(kind):
    message = _enqueue()
    _heartbeat(seen_ago=1)
    _claim(message, "w1@host|100|101", ago=3)
    assert outbox_deliver(message_id=message.pk) == "being delivered by w1@host|100|101"
    assert kind["calls"] == []


@pytest.mark.parametrize("heartbeat, claim, why", [
    ({"seen_ago": 30}, {}, "stale worker"),
    ({"seen_ago": 1, "processes": (102,)}, {"ago": 10}, "process gone from the pool"),
    ({"seen_ago": 1, "stopped": True}, {}, "worker stopped"),
    ({"seen_ago": 1}, {"lease": -1}, "lease ran out"),
])
def test_outbox_claim_of_a_dead_process_is_taken_over(kind, heartbeat, claim, why):
    message = _enqueue()
    _heartbeat(**heartbeat)
    _claim(message, "w1@host|100|101", **claim)
    assert outbox_deliver(message_id=message.pk) == "sent", why
    message.refresh_from_db()
    assert message.attempts == 2 and message.claimed_by != "w1@host|100|101"


def test_outbox_claim_of_an_unknown_process_waits_for_its_lease(kind):
    message = _enqueue()
    _claim(message, "web@host|7|7", lease=60)  # a web process delivering in-process: no heartbeat
    assert outbox_deliver(message_id=message.pk).startswith("being delivered")


@pytest.mark.postgres
def test_outbox_database_restart_does_not_make_live_workers_look_dead(kind, monkeypatch):
    """After a database restart every heartbeat is old; staleness counts from the restart."""
    from trust import workers

    message = _enqueue()
    _heartbeat(seen_ago=60)
    _claim(message, "w1@host|100|101", ago=61)
    monkeypatch.setattr(workers, "database_epoch", lambda: timezone.now() - timedelta(seconds=2))
    assert outbox_deliver(message_id=message.pk).startswith("being delivered")
    monkeypatch.setattr(workers, "database_epoch", lambda: timezone.now() - timedelta(seconds=20))
    assert outbox_deliver(message_id=message.pk) == "sent"


def test_outbox_sibling_process_that_exited_is_taken_over_at_once(kind, monkeypatch):
    from trust import workers

    message = _enqueue()
    monkeypatch.setattr(workers, "_MAIN_PID", os.getppid())
    monkeypatch.setattr(workers, "_NODENAME", "w9@host")
    _heartbeat(name=f"w9@host|{os.getppid()}", processes=(2**22 + 1, os.getpid()), seen_ago=1)
    _claim(message, f"w9@host|{os.getppid()}|{2**22 + 1}", ago=1)  # no such process
    assert outbox_deliver(message_id=message.pk, nodename="w9@host") == "sent"


# Sweeping ----------------------------------------------------------------------------------------

def test_outbox_sweep_takes_back_dead_claims_and_delivers(kind):
    message = _enqueue()
    _heartbeat(seen_ago=60)
    _claim(message, "w1@host|100|101", ago=60)
    report = outbox_sweep()
    assert report.released == 1 and report.dispatched == 1
    message.refresh_from_db()
    assert message.status == S.SENT and message.attempts == 2


def test_outbox_sweep_fails_a_message_interrupted_on_its_last_attempt(kind):
    message = _enqueue()
    _heartbeat(seen_ago=60)
    _claim(message, "w1@host|100|101", ago=60)
    OutboxMessage.objects.filter(pk=message.pk).update(attempts=3)
    assert outbox_sweep().failed == 1
    message.refresh_from_db()
    assert message.status == S.FAILED and "interrupted on its last attempt" in message.last_error
    assert kind["dead"] and kind["calls"] == []  # a poison message that kills its worker stops here


def test_outbox_sweep_publishes_what_is_due_and_unpublished_only(kind):
    never = _enqueue("never")
    _enqueue("recent")
    lost = _enqueue("lost")
    later = _enqueue("later")
    now = timezone.now()
    OutboxMessage.objects.filter(pk=never.pk).update(dispatched_at=None)
    OutboxMessage.objects.filter(pk=lost.pk).update(dispatched_at=now - timedelta(seconds=30))
    OutboxMessage.objects.filter(pk=later.pk).update(dispatched_at=None, available_at=now + timedelta(minutes=5))
    report = outbox_sweep()
    assert sorted(report.published) == sorted([never.pk, lost.pk])  # in eager mode every queue counts as empty
    statuses = dict(OutboxMessage.objects.values_list("key", "status"))
    assert statuses == {"never": "sent", "recent": "pending", "lost": "sent", "later": "pending"}


def test_outbox_sweep_purges_old_delivered_rows(kind, settings):
    settings.OUTBOX_RETENTION_DAYS = 30
    old, kept, failed = _enqueue("old"), _enqueue("kept"), _enqueue("failed")
    long_ago = timezone.now() - timedelta(days=31)
    OutboxMessage.objects.filter(pk=old.pk).update(status=S.SENT, finished_at=long_ago)
    OutboxMessage.objects.filter(pk=kept.pk).update(status=S.SENT, finished_at=timezone.now())
    OutboxMessage.objects.filter(pk=failed.pk).update(status=S.FAILED, finished_at=long_ago)
    _heartbeat(name="gone@host|1", seen_ago=2 * 86400)
    _heartbeat(name="alive@host|2", seen_ago=1)
    assert outbox_sweep().purged == 1
    assert set(OutboxMessage.objects.values_list("key", flat=True)) == {"kept", "failed"}
    assert list(WorkerHeartbeat.objects.values_list("name", flat=True)) == ["alive@host|2"]


def test_outbox_embedded_mode_delivers_due_retries_with_the_next_commit(kind, commit, settings):
    from trust import outbox

    settings.OUTBOX_EAGER_SWEEP_SECONDS = 1
    kind["behaviour"]["raise"] = OSError("down")
    with commit():
        first = _enqueue("first")
    kind["behaviour"]["raise"] = None
    _due(first)
    outbox._inline["last"] = 0.0
    with commit():
        _enqueue("second")
    assert OutboxMessage.objects.get(pk=first.pk).status == S.SENT


# Publishing ----------------------------------------------------------------------------------------

@pytest.fixture
def dead_broker(settings):
    """Eager execution off and the broker on a port where nothing listens."""
    from config.celery import app
    from tests.conftest import _celery_pools_reset
    from tests.faults.harness import free_port

    saved = (app.conf.task_always_eager, app.conf.broker_url)
    app.conf.task_always_eager, app.conf.broker_url = False, f"redis://127.0.0.1:{free_port()}/0"
    _celery_pools_reset(app)
    yield app
    app.conf.task_always_eager, app.conf.broker_url = saved
    _celery_pools_reset(app)


def test_outbox_publish_to_a_dead_broker_never_raises(kind, dead_broker, caplog):
    import time

    from trust import outbox

    outbox._BROKER_DOWN.update(until=0.0, logged=False)
    started = time.monotonic()
    assert outbox._publish(1, "celery", 60, 3) is False
    assert outbox._publish(2, "celery", 60, 3) is False  # skipped at once while the broker is down
    assert time.monotonic() - started < 5
    assert sum("cannot publish to the broker" in r.getMessage() for r in caplog.records) == 1
    outbox._BROKER_DOWN.update(until=0.0, logged=False)


# Staff -----------------------------------------------------------------------------------------

def test_outbox_resend_by_staff_is_audited_and_delivers(kind, commit, staff, evaluator):
    kind["behaviour"]["raise"] = OSError("down")
    message = _enqueue()
    OutboxMessage.objects.filter(pk=message.pk).update(status=S.FAILED, attempts=3, last_error="OSError: down")
    from config.errors import PermissionDeniedError, TransitionNotAllowed

    with pytest.raises(PermissionDeniedError):
        outbox_resend(message=message, actor=evaluator)
    kind["behaviour"]["raise"] = None
    with commit():
        outbox_resend(message=message, actor=staff)
    message.refresh_from_db()
    assert message.status == S.SENT and message.attempts == 1
    entry = AuditEntry.objects.get(action="outbox.resend")
    assert entry.actor_repr == staff.email and entry.before["status"] == "failed"
    with pytest.raises(TransitionNotAllowed):
        outbox_resend(message=message, actor=staff)  # delivered: nothing to send again


def test_outbox_resend_failed_sends_every_failed_message(kind, commit, staff):
    for key in ("a", "b"):
        OutboxMessage.objects.filter(pk=_enqueue(key).pk).update(status=S.FAILED)
    with commit():
        assert outbox_resend_failed(actor=staff) == 2
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {S.SENT}
