from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .choices import OutboxStatus


class AuditEntry(models.Model):
    """One link of the append-only, hash-chained audit log, and one leaf of the transparency log.

    hash = SHA-256(prev_hash || canonical(event)); editing or deleting any row breaks every later hash.
    leaf_hash = SHA-256(0x00 || canonical(leaf entry)) (RFC 9162); the leaf index is sequence - 1.
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
    leaf_hash = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["sequence"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        indexes = [models.Index(fields=["object_type", "object_id"], name="trust_audit_object_idx")]

    def __str__(self) -> str:
        return f"#{self.sequence} {self.action} {self.object_type}:{self.object_id}"

    @property
    def leaf_index(self) -> int:
        return self.sequence - 1

    def event(self) -> dict:
        """The fields the chain hash covers."""
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

    def leaf_entry(self) -> dict:
        """What `transparency/entries/` publishes; its RFC 8785 form is the Merkle leaf."""
        return {**self.event(), "prev_hash": self.prev_hash, "hash": self.hash}


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


class MerkleNode(models.Model):
    """The hash of one complete, aligned subtree of the transparency log: level L, index I covers leaves
    [I * 2^L, (I + 1) * 2^L). Level 0 is AuditEntry.leaf_hash; stored so any proof is O(log n) lookups."""

    level = models.PositiveSmallIntegerField()
    index = models.PositiveBigIntegerField()
    hash = models.CharField(max_length=64)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["level", "index"], name="%(app_label)s_%(class)s_unique_position"),
        ]

    def __str__(self) -> str:
        return f"L{self.level}#{self.index}"


class SigningKeyStatus(models.TextChoices):
    ACTIVE = "active", _("Active (signs now)")
    INACTIVE = "inactive", _("Inactive (rotated out; its signatures remain valid)")
    RETIRED = "retired", _("Retired (its signatures are no longer accepted)")
    COMPROMISED = "compromised", _("Compromised (its signatures are never accepted)")


class SigningKey(models.Model):
    """The public half and the life of an Ed25519 signing key. The private key is a file outside the
    database (settings.SIGNING_KEY_DIR), read only by the signing worker."""

    key_id = models.CharField(max_length=40, unique=True)
    alg = models.CharField(max_length=20, default="Ed25519")
    public_key = models.CharField(max_length=64)  # raw 32-byte key, base64url without padding
    status = models.CharField(max_length=12, choices=SigningKeyStatus.choices, default=SigningKeyStatus.ACTIVE)
    not_before = models.DateTimeField()
    not_after = models.DateTimeField(null=True, blank=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    status_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["not_before", "id"]
        verbose_name = _("signing key")
        verbose_name_plural = _("signing keys")
        constraints = [
            models.UniqueConstraint(fields=["status"], condition=models.Q(status="active"),
                                    name="%(app_label)s_%(class)s_one_active"),
        ]

    def __str__(self) -> str:
        return f"{self.key_id} ({self.status})"


class TreeHead(models.Model):
    """A signed tree head of the transparency log, as published at transparency/head/."""

    tree_size = models.PositiveBigIntegerField()
    root_hash = models.CharField(max_length=64)  # hex
    timestamp = models.DateTimeField()
    key_id = models.CharField(max_length=40)
    document = models.JSONField()  # {tree_size, root_hash (base64), timestamp, signature}

    class Meta:
        ordering = ["-tree_size", "-timestamp", "-id"]
        indexes = [models.Index(fields=["tree_size"], name="trust_treehead_size_idx")]

    def __str__(self) -> str:
        return f"STH {self.tree_size} @ {self.timestamp:%Y-%m-%d %H:%M:%S}"


class SignedDocument(models.Model):
    """A signed JSON document published whole (the certificate status list), newest per kind served."""

    kind = models.CharField(max_length=40)
    issued_at = models.DateTimeField()
    key_id = models.CharField(max_length=40)
    document = models.JSONField()

    class Meta:
        ordering = ["-issued_at", "-id"]
        indexes = [models.Index(fields=["kind", "-issued_at"], name="trust_signeddoc_kind_idx")]

    def __str__(self) -> str:
        return f"{self.kind} @ {self.issued_at:%Y-%m-%d %H:%M:%S}"
