"""Appending to and verifying the audit chain."""

import hashlib
from dataclasses import dataclass

from django.db import connection, models, transaction
from django.utils import timezone

from accounts.actors import actor_label
from config.resilience import request_commit_mark

from .canonical import canonical_json, to_jsonable
from .models import AuditEntry

GENESIS_HASH = "0" * 64
_CHAIN_LOCK_KEY = 0x5EC0A0D17  # any constant; serialises appends across processes on PostgreSQL


def _entry_hash(prev_hash: str, event: dict) -> str:
    return hashlib.sha256(prev_hash.encode("ascii") + canonical_json(event)).hexdigest()


def audit_append(
    *,
    actor,
    action: str,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    before: dict | None = None,
    after: dict | None = None,
    data: dict | None = None,
) -> AuditEntry:
    """Append one event to the chain. Must run inside the transaction that made the change."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit_append must be called inside the transaction that made the change")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK_KEY])
    last = AuditEntry.objects.order_by("-sequence").only("sequence", "hash").first()
    entry = AuditEntry(
        sequence=(last.sequence + 1) if last else 1,
        created_at=timezone.now(),
        actor=actor if getattr(actor, "pk", None) else None,
        actor_repr=actor_label(actor),
        action=action,
        object_type=object_type or (obj._meta.label_lower if obj is not None else ""),
        object_id=object_id or (str(obj.pk) if obj is not None else ""),
        object_repr=str(obj)[:300] if obj is not None else "",
        before=to_jsonable(before) if before is not None else None,
        after=to_jsonable(after) if after is not None else None,
        data=to_jsonable(data or {}),
        prev_hash=last.hash if last else GENESIS_HASH,
    )
    entry.hash = _entry_hash(entry.prev_hash, entry.event())
    entry.save()
    # Once this transaction commits, the request that made it must not answer as if it had failed.
    transaction.on_commit(request_commit_mark)
    return entry


@dataclass
class ChainReport:
    ok: bool
    checked: int
    broken_sequence: int | None = None
    reason: str = ""


def audit_verify() -> ChainReport:
    """Recompute the chain; report the first entry whose hash or link does not match."""
    prev_hash = GENESIS_HASH
    expected_sequence = 1
    checked = 0
    for entry in AuditEntry.objects.order_by("sequence").iterator(chunk_size=2000):
        if entry.sequence != expected_sequence:
            return ChainReport(False, checked, expected_sequence, "entry missing (sequence gap)")
        if entry.prev_hash != prev_hash:
            return ChainReport(False, checked, entry.sequence, "prev_hash does not match the previous entry")
        # JSON fields come back from the database as stored; recompute over the same plain form.
        if _entry_hash(prev_hash, entry.event()) != entry.hash:
            return ChainReport(False, checked, entry.sequence, "content does not match its hash")
        prev_hash = entry.hash
        expected_sequence += 1
        checked += 1
    return ChainReport(True, checked)
