"""Who is delivering: worker identities, their heartbeats, and whether a claimer is still alive.

A claim on an outbox row names its process as "<node>|<main pid>|<pid>". The main process of every
Celery worker writes a heartbeat row every WORKER_HEARTBEAT_SECONDS listing its pool processes; a
claim is dead when its worker's heartbeat is older than WORKER_STALE_SECONDS, when the worker no
longer has that pool process, or when the claim's lease (the task's hard time limit) has run out.
"""

import logging
import os
import socket
import threading
from dataclasses import dataclass

from celery import signals
from django.conf import settings
from django.db import connection, connections
from django.utils import timezone

from .models import WorkerHeartbeat

logger = logging.getLogger(__name__)

# Set in the worker's main process before the pool forks, so a pool process knows its parent.
_MAIN_PID: int | None = None
_NODENAME: str | None = None


@dataclass(frozen=True)
class Claimer:
    node: str
    main_pid: int
    pid: int

    @property
    def worker(self) -> str:
        return f"{self.node}|{self.main_pid}"

    def __str__(self) -> str:
        return f"{self.node}|{self.main_pid}|{self.pid}"

    @classmethod
    def parse(cls, value: str) -> "Claimer | None":
        parts = (value or "").rsplit("|", 2)
        if len(parts) != 3 or not parts[1].isdigit() or not parts[2].isdigit():
            return None
        return cls(parts[0], int(parts[1]), int(parts[2]))


def current_claimer(nodename: str | None = None) -> Claimer:
    """This process as a claimer: a worker's pool process, a solo worker, or a web process (eager)."""
    pid = os.getpid()
    if _MAIN_PID is not None:
        return Claimer(nodename or _NODENAME or f"celery@{socket.gethostname()}", _MAIN_PID, pid)
    return Claimer(nodename or f"web@{socket.gethostname()}", pid, pid)


def _pid_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def database_epoch():
    """When the database server last started (PostgreSQL); heartbeats cannot be older than that for a
    reason of the worker's own, so staleness is counted from it after a database restart."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_postmaster_start_time()")
        return cursor.fetchone()[0]


class Liveness:
    """Answers "is this claim still held by a live process?" from one read of the heartbeats."""

    def __init__(self, *, now=None):
        self.now = now or timezone.now()
        self.heartbeats = {hb.name: hb for hb in WorkerHeartbeat.objects.all()}
        self.epoch = database_epoch()
        self.stale = timezone.timedelta(seconds=settings.WORKER_STALE_SECONDS)
        self.me = current_claimer()

    def claim_dead(self, *, claimed_by: str, claimed_at, claim_expires_at) -> str:
        """Why the claim is dead ("" while it is alive)."""
        if claim_expires_at is not None and claim_expires_at <= self.now:
            return "the claim's lease ran out"
        claimer = Claimer.parse(claimed_by)
        if claimer is None:
            return "unreadable claim"
        # A sibling pool process of this very worker: ask the operating system.
        if claimer.main_pid == self.me.main_pid and claimer.node == self.me.node and claimer.pid != self.me.pid:
            if not _pid_exists(claimer.pid):
                return "its process has exited"
        heartbeat = self.heartbeats.get(claimer.worker)
        if heartbeat is None:
            return ""  # a web process or a worker without heartbeats: only the lease applies
        if heartbeat.stopped_at is not None:
            return "its worker stopped"
        since = max(heartbeat.seen_at, self.epoch) if self.epoch else heartbeat.seen_at
        if self.now - since > self.stale:
            return "its worker's heartbeat is stale"
        listed_after_claim = claimed_at is None or heartbeat.seen_at > claimed_at + timezone.timedelta(seconds=1)
        if heartbeat.processes and claimer.pid not in heartbeat.processes and listed_after_claim:
            return "its worker no longer has that process"
        return ""


def live_workers(*, now=None) -> list[WorkerHeartbeat]:
    now = now or timezone.now()
    cutoff = now - timezone.timedelta(seconds=settings.WORKER_STALE_SECONDS)
    return list(WorkerHeartbeat.objects.filter(stopped_at__isnull=True, seen_at__gte=cutoff))


# The heartbeat thread of a worker's main process ----------------------------------------------

class _Heartbeat(threading.Thread):
    def __init__(self, consumer):
        super().__init__(name="registry-heartbeat", daemon=True)
        self.consumer = consumer
        self.stop_event = threading.Event()
        self.name_key = f"{consumer.hostname}|{os.getpid()}"
        self.started = timezone.now()
        self.failing = False

    def processes(self) -> list[int]:
        try:
            return [int(p) for p in (self.consumer.pool.info or {}).get("processes", []) if p]
        except Exception:  # the pool is starting or stopping
            return []

    def queues(self) -> list[str]:
        try:
            return sorted(q.name for q in self.consumer.task_consumer.queues)
        except Exception:
            return []

    def beat(self, *, stopped: bool = False) -> None:
        try:
            WorkerHeartbeat.objects.update_or_create(name=self.name_key, defaults={
                "hostname": self.consumer.hostname, "pid": os.getpid(), "processes": self.processes(),
                "queues": self.queues(), "started_at": self.started, "seen_at": timezone.now(),
                "stopped_at": timezone.now() if stopped else None,
            })
            if self.failing:
                logger.warning("worker heartbeat: the database answers again")
            self.failing = False
        except Exception as exc:  # the database is away: keep trying, say it once
            if not self.failing:
                logger.warning("worker heartbeat: cannot write (%s); retrying every %s s", exc,
                               settings.WORKER_HEARTBEAT_SECONDS)
            self.failing = True
        finally:
            connections.close_all()  # a fresh connection each beat survives a database restart

    def run(self) -> None:
        while not self.stop_event.wait(settings.WORKER_HEARTBEAT_SECONDS):
            self.beat()

    def stop(self) -> None:
        self.stop_event.set()
        self.join(timeout=5)
        self.beat(stopped=True)


_heartbeat: _Heartbeat | None = None


@signals.worker_init.connect(weak=False)
def _on_worker_init(sender=None, **kwargs):
    global _MAIN_PID, _NODENAME
    _MAIN_PID = os.getpid()
    _NODENAME = getattr(sender, "hostname", None)


@signals.worker_ready.connect(weak=False)
def _on_worker_ready(sender=None, **kwargs):
    global _heartbeat
    if not settings.WORKER_HEARTBEAT_SECONDS or _heartbeat is not None:
        return
    _heartbeat = _Heartbeat(sender)
    _heartbeat.beat()
    _heartbeat.start()


@signals.worker_shutdown.connect(weak=False)
def _on_worker_shutdown(sender=None, **kwargs):
    global _heartbeat, _MAIN_PID, _NODENAME
    if _heartbeat is not None:
        _heartbeat.stop()
        _heartbeat = None
    _MAIN_PID = _NODENAME = None
