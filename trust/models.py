from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .choices import OutboxStatus


class AuditEntry(models.Model):
    """One link of the append-only, hash-chained audit log.

    hash = SHA-256(prev_hash || canonical(event)); editing or deleting any row breaks every later hash.
    """

    sequence = models.PositiveBigIntegerField(unique=True)
    created_at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="audit_entries"
    )
    actor_repr = models.CharField(max_length=254, blank=True)  # survives deletion of the user
    action = models.CharField(max_length=80)
    object_type = models.CharField(max_length=80)
    object_id = models.CharField(max_length=80)
    object_repr = models.CharField(max_length=300, blank=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    data = models.JSONField(default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["sequence"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        indexes = [models.Index(fields=["object_type", "object_id"], name="trust_audit_object_idx")]

    def __str__(self) -> str:
        return f"#{self.sequence} {self.action} {self.object_type}:{self.object_id}"

    def event(self) -> dict:
        """The fields the hash covers."""
        return {
            "sequence": self.sequence,
            "created_at": self.created_at,
            "actor": self.actor_repr,
            "action": self.action,
            "object_type": self.object_type,
            "object_id": self.object_id,
            "object_repr": self.object_repr,
            "before": self.before,
            "after": self.after,
            "data": self.data,
        }


class OutboxMessage(models.Model):
    """One side effect of a committed change (an e-mail, a PDF, a check run, ...), written in the same
    transaction as the change and delivered afterwards by a worker.

    `key` is the idempotency key: enqueueing the same key twice keeps one row, and a delivery only
    proceeds after claiming the row, so a redelivered task never performs the effect twice.
    """

    key = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=60)
    queue = models.CharField(max_length=40, default="celery")
    payload = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=10, choices=OutboxStatus.choices, default=OutboxStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    max_attempts = models.PositiveSmallIntegerField(default=10)
    created_at = models.DateTimeField(default=timezone.now)
    available_at = models.DateTimeField(default=timezone.now)  # not before: the retry backoff
    dispatched_at = models.DateTimeField(null=True, blank=True)  # last publish to the broker; null = not yet
    claimed_by = models.CharField(max_length=200, blank=True)  # "<node>|<main pid>|<pid>" while delivering
    claimed_at = models.DateTimeField(null=True, blank=True)
    claim_expires_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    result = models.CharField(max_length=500, blank=True)  # what the delivery did, or why it was closed
    object_type = models.CharField(max_length=80, blank=True)
    object_id = models.CharField(max_length=80, blank=True)
    summary = models.CharField(max_length=300, blank=True)  # e.g. the recipient, for the staff desk

    class Meta:
        ordering = ["id"]
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox messages")
        indexes = [
            models.Index(fields=["available_at"], condition=models.Q(status="pending"),
                         name="trust_outbox_pending_idx"),
            models.Index(fields=["status", "created_at"], name="trust_outbox_status_idx"),
            models.Index(fields=["finished_at"], name="trust_outbox_finished_idx"),
            models.Index(fields=["object_type", "object_id"], name="trust_outbox_object_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.key}: {self.status}"


class WorkerHeartbeat(models.Model):
    """A Celery worker's sign of life, written every few seconds by its main process; claims held by a
    worker whose heartbeat went stale (or by a pool process it no longer has) are taken over."""

    name = models.CharField(max_length=200, unique=True)  # "<node>|<main pid>"
    hostname = models.CharField(max_length=200)
    pid = models.PositiveIntegerField()
    processes = models.JSONField(default=list, blank=True)  # pids of its pool processes
    queues = models.JSONField(default=list, blank=True)
    started_at = models.DateTimeField(default=timezone.now)
    seen_at = models.DateTimeField(default=timezone.now)
    stopped_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("worker heartbeat")
        verbose_name_plural = _("worker heartbeats")

    def __str__(self) -> str:
        return self.name
