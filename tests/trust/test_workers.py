"""Worker heartbeats: written by the main process with its pool's pids, read by the liveness rules."""

import os
from types import SimpleNamespace

import pytest
from django.utils import timezone

from trust import workers
from trust.models import WorkerHeartbeat
from trust.workers import Claimer, Liveness, current_claimer, live_workers

pytestmark = pytest.mark.django_db
# A heartbeat closes its connections after each beat (to survive a database restart): real commits.
real_commits = pytest.mark.django_db(transaction=True)


def _consumer(pids=(11, 12)):
    queue = SimpleNamespace
    return SimpleNamespace(hostname="alpha@host", pool=SimpleNamespace(info={"processes": list(pids)}),
                           task_consumer=SimpleNamespace(queues=[queue(name="checks"), queue(name="celery")]))


@real_commits
def test_workers_heartbeat_records_pool_and_queues_then_stops(settings):
    settings.WORKER_HEARTBEAT_SECONDS = 1
    beat = workers._Heartbeat(_consumer())
    beat.beat()
    row = WorkerHeartbeat.objects.get()
    assert row.name == f"alpha@host|{os.getpid()}" and row.processes == [11, 12]
    assert row.queues == ["celery", "checks"] and row.stopped_at is None
    assert [w.name for w in live_workers()] == [row.name]
    beat.start()
    beat.stop()
    row.refresh_from_db()
    assert row.stopped_at is not None and live_workers() == []


@real_commits
def test_workers_heartbeat_survives_a_database_error(monkeypatch, caplog):
    beat = workers._Heartbeat(_consumer())

    def broken(**kwargs):
        raise workers.connections["default"].Database.OperationalError("server closed the connection")

    monkeypatch.setattr(WorkerHeartbeat.objects, "update_or_create", broken)
    beat.beat()
    beat.beat()
    assert beat.failing and sum("cannot write" in r.getMessage() for r in caplog.records) == 1
    monkeypatch.undo()
    beat.beat()
    assert not beat.failing and WorkerHeartbeat.objects.count() == 1


def test_workers_claimer_names_the_process():
    me = current_claimer()
    assert me.pid == os.getpid() and me.node.startswith("web@")
    assert Claimer.parse(str(me)) == me
    assert Claimer.parse("celery@a.b|c|12") is None and Claimer.parse("") is None
    assert Claimer.parse("alpha@host|1|2").worker == "alpha@host|1"


def test_workers_liveness_without_a_heartbeat_trusts_the_lease():
    live = Liveness()
    soon = timezone.now() + timezone.timedelta(seconds=30)
    assert live.claim_dead(claimed_by="web@h|5|5", claimed_at=timezone.now(), claim_expires_at=soon) == ""
    assert live.claim_dead(claimed_by="web@h|5|5", claimed_at=timezone.now(),
                           claim_expires_at=timezone.now() - timezone.timedelta(seconds=1))
