"""The transactional outbox: side effects of a committed change, delivered exactly once by workers.

A service writes one OutboxMessage per side effect (an e-mail to one recipient, a PDF to render, a
check to run) with `outbox_enqueue`, inside the transaction of the change; nothing else happens
until that transaction commits. After the commit the row's id is published to the broker (a
failure to publish is only logged: the row waits). A worker claims the row, runs the handler of its
kind, and marks it sent; a redelivered message finds it sent (or claimed by a live process) and
does nothing. A failed attempt is retried with exponential backoff; after the last one the row is
`failed` (the dead letter staff see on their desk) and may be re-sent from there. A row whose object
was deleted meanwhile is `closed` with the reason.

The sweeper (`outbox_sweep`, on beat every OUTBOX_SWEEP_SECONDS) publishes what is due and was
never published or was lost by the broker, and takes back the claims of dead workers.

Handlers are registered by kind, at app ready, by the app that owns the side effect
(`outbox_kind_register`), so registry and certification use the outbox without trust knowing them.
"""

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import (
    DatabaseError,
    IntegrityError,
    InterfaceError,
    OperationalError,
    connection,
    transaction,
)
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.choices import Role
from accounts.roles import user_has_role
from config.errors import PermissionDeniedError, TransitionNotAllowed

from .canonical import to_jsonable
from .choices import OutboxStatus as S
from .models import OutboxMessage, WorkerHeartbeat
from .services import audit_append
from .workers import Liveness, current_claimer

logger = logging.getLogger(__name__)

CLAIM_MARGIN_SECONDS = 30  # a claim's lease outlives the task's hard time limit by this much


class OutboxObsolete(Exception):
    """The message can never be delivered (its object was deleted, its recipient left): close it."""


class OutboxError(Exception):
    """A delivery that cannot be attempted (no handler for the kind)."""


@dataclass(frozen=True)
class OutboxKind:
    name: str
    handler: Callable[[dict, OutboxMessage], Any]
    label: Any
    queue: str = "celery"
    max_attempts: int | None = None
    time_limit: int = 300  # hard time limit of one delivery, in seconds
    on_dead: Callable[[dict, OutboxMessage], None] | None = None  # after the last attempt failed


OUTBOX_KINDS: dict[str, OutboxKind] = {}


def outbox_kind_register(name: str, *, handler, label, queue: str = "celery", max_attempts: int | None = None,
                         time_limit: int = 300, on_dead=None) -> OutboxKind:
    """Register the handler of one kind of side effect; called from the owning app's ready()."""
    kind = OutboxKind(name=name, handler=handler, label=label, queue=queue, max_attempts=max_attempts,
                      time_limit=time_limit, on_dead=on_dead)
    OUTBOX_KINDS[name] = kind
    return kind


def outbox_kind_label(name: str):
    kind = OUTBOX_KINDS.get(name)
    return kind.label if kind else name


# Writing ---------------------------------------------------------------------------------------

def outbox_enqueue(*, kind: str, key: str, payload: dict | None = None, obj=None, summary: str = "",
                   queue: str | None = None) -> OutboxMessage:
    """Record one side effect inside the caller's transaction; it is published after the commit.

    Enqueueing a key that exists already returns the existing row and changes nothing.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("outbox_enqueue must be called inside the transaction that made the change")
    spec = OUTBOX_KINDS.get(kind)
    if spec is None:
        raise ValueError(f"no outbox handler is registered for kind '{kind}'")
    if len(key) > 200:
        raise ValueError("an outbox key is at most 200 characters")
    now = timezone.now()
    message = OutboxMessage(
        key=key, kind=kind, queue=queue or spec.queue, payload=to_jsonable(payload or {}),
        max_attempts=spec.max_attempts or settings.OUTBOX_MAX_ATTEMPTS, created_at=now, available_at=now,
        dispatched_at=now,  # "published at commit"; the sweeper re-publishes if that never happened
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "", summary=summary[:300],
    )
    try:
        with transaction.atomic():
            message.save()
    except IntegrityError:
        existing = OutboxMessage.objects.filter(key=key).first()
        if existing is None:
            raise
        return existing
    pk, target, limit = message.pk, message.queue, spec.time_limit
    transaction.on_commit(lambda: _publish(pk, target, limit, settings.OUTBOX_PRIORITY), robust=True)
    return message


# Publishing (after commit, and from the sweeper) -------------------------------------------------

_BROKER_DOWN = {"until": 0.0, "logged": False}


def _eager() -> bool:
    from config.celery import app

    return bool(app.conf.task_always_eager)


def _publish(pk: int, queue: str, time_limit: int, priority: int) -> bool:
    """Publish one message id; never raises. While the broker is down, publishing is skipped for a few
    seconds instead of costing every request a connection attempt: the row waits for the sweeper.

    On Redis, priority 0 is served before anything else: new work is published at OUTBOX_PRIORITY (3),
    work taken back from a dead worker or lost by the broker at 0, so it does not wait behind a backlog.
    """
    from trust.tasks import outbox_deliver_task

    eager = _eager()
    if not eager and time.monotonic() < _BROKER_DOWN["until"]:
        return False
    try:
        outbox_deliver_task.apply_async(
            args=[pk], queue=queue, time_limit=time_limit, soft_time_limit=max(time_limit - 10, 1),
            priority=priority, retry=True, retry_policy=settings.OUTBOX_PUBLISH_RETRY_POLICY,
        )
    except Exception as exc:  # the broker is away (or, eagerly, the delivery itself failed unexpectedly)
        if eager:
            logger.exception("outbox #%s: in-process delivery failed", pk)
            return False
        _BROKER_DOWN["until"] = time.monotonic() + settings.OUTBOX_BROKER_RETRY_SECONDS
        if not _BROKER_DOWN["logged"]:
            logger.warning("outbox: cannot publish to the broker (%s); messages wait in the outbox and the "
                           "sweeper publishes them when it answers again", exc)
            _BROKER_DOWN["logged"] = True
        return False
    if _BROKER_DOWN["logged"] and not eager:
        logger.warning("outbox: the broker accepts messages again")
    _BROKER_DOWN["logged"] = False
    if eager:
        _maybe_inline_sweep()
    return True


_inline = {"last": 0.0, "running": False}


def _maybe_inline_sweep() -> None:
    """Embedded mode has no beat: retries that came due are delivered with the next committed change."""
    interval = settings.OUTBOX_EAGER_SWEEP_SECONDS
    if not interval or _inline["running"] or time.monotonic() - _inline["last"] < interval:
        return
    _inline["running"], _inline["last"] = True, time.monotonic()
    try:
        outbox_sweep()
    except Exception:
        logger.exception("outbox: in-process sweep failed")
    finally:
        _inline["running"] = False


# Delivering --------------------------------------------------------------------------------------

def _backoff(attempt: int) -> float:
    base = settings.OUTBOX_BACKOFF_SECONDS * 2 ** max(attempt - 1, 0)
    return min(base, settings.OUTBOX_BACKOFF_MAX_SECONDS) * random.uniform(0.8, 1.2)


def _settle(pk: int, claimer: str, attempt: int, **fields) -> int:
    """Compare-and-set the outcome of our own attempt; retried through a short database outage so a
    delivery that happened is not attempted again. Returns 0 when another process took the claim."""
    deadline = time.monotonic() + settings.OUTBOX_SETTLE_RETRY_SECONDS
    while True:
        try:
            return OutboxMessage.objects.filter(pk=pk, status=S.PENDING, claimed_by=claimer,
                                                attempts=attempt).update(**fields)
        except (OperationalError, InterfaceError):
            if connection.in_atomic_block or time.monotonic() > deadline:
                raise
            connection.close()
            time.sleep(1)


def outbox_deliver(*, message_id: int, nodename: str | None = None) -> str:
    """Claim the row, run its handler, record the outcome. Safe to call any number of times."""
    me = str(current_claimer(nodename))
    now = timezone.now()
    with transaction.atomic():
        message = OutboxMessage.objects.select_for_update(skip_locked=True).filter(pk=message_id).first()
        if message is None:
            return "busy or missing"
        if message.status != S.PENDING:
            return f"already {message.status}"
        if message.available_at > now:
            return "not due yet"
        if message.claimed_by:
            why = Liveness(now=now).claim_dead(claimed_by=message.claimed_by, claimed_at=message.claimed_at,
                                                claim_expires_at=message.claim_expires_at)
            if not why:
                return f"being delivered by {message.claimed_by}"
            logger.warning("outbox #%s: taking over from %s (%s)", message.pk, message.claimed_by, why)
        kind = OUTBOX_KINDS.get(message.kind)
        limit = kind.time_limit if kind else 300
        message.attempts += 1
        message.claimed_by, message.claimed_at = me, now
        message.claim_expires_at = now + timezone.timedelta(seconds=limit + CLAIM_MARGIN_SECONDS)
        message.save(update_fields=["attempts", "claimed_by", "claimed_at", "claim_expires_at"])
    attempt = message.attempts
    try:
        if kind is None:
            raise OutboxError(f"no handler is registered for kind '{message.kind}'")
        result = kind.handler(message.payload, message)
    except OutboxObsolete as exc:
        logger.info("outbox #%s (%s): closed: %s", message.pk, message.kind, exc)
        _settle(message.pk, me, attempt, status=S.CLOSED, result=str(exc)[:500], finished_at=timezone.now(),
                claim_expires_at=None)
        return f"closed: {exc}"
    except Exception as exc:
        logger.warning("outbox #%s (%s) attempt %s/%s failed: %s", message.pk, message.kind, attempt,
                       message.max_attempts, exc, exc_info=not isinstance(exc, DatabaseError | OSError))
        return _failed(message, me, attempt, kind, f"{type(exc).__name__}: {exc}")
    if not _settle(message.pk, me, attempt, status=S.SENT, result=str(result or "")[:500],
                   finished_at=timezone.now(), claim_expires_at=None, last_error=""):
        logger.warning("outbox #%s: delivered, but another process had taken the claim", message.pk)
    return "sent"


def _failed(message: OutboxMessage, me: str, attempt: int, kind: OutboxKind | None, error: str) -> str:
    now = timezone.now()
    error = error[:2000]
    if attempt >= message.max_attempts:
        if _settle(message.pk, me, attempt, status=S.FAILED, last_error=error, finished_at=now,
                   claimed_by="", claimed_at=None, claim_expires_at=None):
            message.last_error = error
            _on_dead(kind, message)
        return "failed"
    delay = _backoff(attempt)
    _settle(message.pk, me, attempt, last_error=error, claimed_by="", claimed_at=None, claim_expires_at=None,
            available_at=now + timezone.timedelta(seconds=delay), dispatched_at=None)
    return f"retry in {delay:.0f} s"


def _on_dead(kind: OutboxKind | None, message: OutboxMessage) -> None:
    if kind is None or kind.on_dead is None:
        return
    try:
        kind.on_dead(message.payload, message)
    except Exception:
        logger.exception("outbox #%s: the dead-letter hook of %s failed", message.pk, message.kind)


# Sweeping ----------------------------------------------------------------------------------------

@dataclass
class SweepReport:
    released: int = 0
    dispatched: int = 0
    failed: int = 0
    purged: int = 0
    published: list = field(default_factory=list)


class _QueueProbe:
    """Is a broker queue empty? Asked at most once per queue per sweep; unknown counts as not empty."""

    def __init__(self):
        self.sizes: dict[str, int | None] = {}

    def empty(self, queue: str) -> bool:
        if _eager():
            return True
        if queue not in self.sizes:
            self.sizes[queue] = _queue_size(queue)
        return self.sizes[queue] == 0


def _queue_size(queue: str) -> int | None:
    from config.celery import app

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0.2, timeout=2)
            channel = conn.default_channel
            try:
                return channel.queue_declare(queue=queue, passive=True).message_count
            except conn.channel_errors:
                return 0  # the Redis transport forgets an empty queue
    except Exception as exc:
        logger.info("outbox sweep: cannot read the size of queue %s (%s)", queue, exc)
        return None


def outbox_sweep(*, now=None, limit: int = 500) -> SweepReport:
    """Take back the claims of dead processes and publish what is due but not (or no longer) queued."""
    now = now or timezone.now()
    report = SweepReport()
    dead_letters = []
    with transaction.atomic():
        live = Liveness(now=now)
        claimed = (OutboxMessage.objects.select_for_update(skip_locked=True)
                   .filter(status=S.PENDING).exclude(claimed_by="").order_by("claimed_at")[:limit])
        released = []
        for message in claimed:
            why = live.claim_dead(claimed_by=message.claimed_by, claimed_at=message.claimed_at,
                                  claim_expires_at=message.claim_expires_at)
            if not why:
                continue
            logger.warning("outbox #%s (%s): claim of %s released: %s", message.pk, message.kind,
                           message.claimed_by, why)
            message.claimed_by, message.claimed_at, message.claim_expires_at = "", None, None
            if message.attempts >= message.max_attempts:
                message.status, message.finished_at = S.FAILED, now
                message.last_error = f"The delivery was interrupted on its last attempt ({why})."
                dead_letters.append(message)
                report.failed += 1
            else:
                message.available_at = now
                message.dispatched_at = None
                released.append(message)
            message.save(update_fields=["claimed_by", "claimed_at", "claim_expires_at", "status", "finished_at",
                                        "last_error", "available_at", "dispatched_at"])
        report.released = len(released)

    probe = _QueueProbe()
    redispatch = now - timezone.timedelta(seconds=settings.OUTBOX_REDISPATCH_SECONDS)
    redispatch_max = now - timezone.timedelta(seconds=settings.OUTBOX_REDISPATCH_MAX_SECONDS)
    due = (OutboxMessage.objects.filter(status=S.PENDING, claimed_by="", available_at__lte=now)
           .filter(Q(dispatched_at__isnull=True) | Q(dispatched_at__lt=redispatch))
           .order_by("available_at", "pk")
           .only("pk", "queue", "kind", "dispatched_at")[:limit])
    chosen = [m for m in due
              if m.dispatched_at is None or m.dispatched_at < redispatch_max or probe.empty(m.queue)]
    if chosen:
        OutboxMessage.objects.filter(pk__in=[m.pk for m in chosen]).update(dispatched_at=now)
    for message in chosen:
        kind = OUTBOX_KINDS.get(message.kind)
        if _publish(message.pk, message.queue, kind.time_limit if kind else 300, 0):
            report.dispatched += 1
            report.published.append(message.pk)
    for message in dead_letters:
        _on_dead(OUTBOX_KINDS.get(message.kind), message)
    report.purged = _purge(now)
    return report


def _purge(now) -> int:
    """Delivered and closed rows are kept OUTBOX_RETENTION_DAYS as the delivery history, then dropped;
    heartbeats of workers gone for a day go too (each worker start writes a row of its own)."""
    WorkerHeartbeat.objects.filter(seen_at__lt=now - timezone.timedelta(days=1)).delete()
    cutoff = now - timezone.timedelta(days=settings.OUTBOX_RETENTION_DAYS)
    old = list(OutboxMessage.objects.filter(status__in=[S.SENT, S.CLOSED], finished_at__lt=cutoff)
               .values_list("pk", flat=True)[:1000])
    if not old:
        return 0
    return OutboxMessage.objects.filter(pk__in=old).delete()[0]


# Staff ---------------------------------------------------------------------------------------------

RESENDABLE = (S.FAILED, S.PENDING)


def outbox_resend(*, message: OutboxMessage, actor) -> OutboxMessage:
    """Staff send a failed (or stuck) message again, with a fresh set of attempts; audited."""
    if not user_has_role(actor, Role.STAFF):
        raise PermissionDeniedError(_("Only certification body staff may send a message again."))
    now = timezone.now()
    with transaction.atomic():
        message = OutboxMessage.objects.select_for_update().get(pk=message.pk)
        if message.status not in RESENDABLE:
            raise TransitionNotAllowed(
                _("This message was already delivered or closed; it cannot be sent again."),
                details={"status": message.status},
            )
        if message.claimed_by and not Liveness(now=now).claim_dead(
                claimed_by=message.claimed_by, claimed_at=message.claimed_at,
                claim_expires_at=message.claim_expires_at):
            raise TransitionNotAllowed(_("This message is being delivered right now."))
        before = {"status": message.status, "attempts": message.attempts, "last_error": message.last_error}
        message.status, message.attempts, message.available_at = S.PENDING, 0, now
        message.dispatched_at, message.finished_at = now, None
        message.claimed_by, message.claimed_at, message.claim_expires_at = "", None, None
        message.save()
        audit_append(actor=actor, action="outbox.resend", obj=message, before=before,
                     after={"status": message.status, "attempts": 0},
                     data={"kind": message.kind, "key": message.key})
        kind = OUTBOX_KINDS.get(message.kind)
        pk, queue, limit = message.pk, message.queue, kind.time_limit if kind else 300
        transaction.on_commit(lambda: _publish(pk, queue, limit, 0), robust=True)
    return message


def outbox_resend_failed(*, actor, limit: int = 500) -> int:
    """Staff send every failed message again (after an outage of the mail server, say)."""
    if not user_has_role(actor, Role.STAFF):
        raise PermissionDeniedError(_("Only certification body staff may send a message again."))
    count = 0
    for message in OutboxMessage.objects.filter(status=S.FAILED).order_by("pk")[:limit]:
        outbox_resend(message=message, actor=actor)
        count += 1
    return count
