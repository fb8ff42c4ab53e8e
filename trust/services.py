"""Appending to and verifying the audit chain, which is also the transparency log."""

import base64
import binascii
import hashlib
import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from django.db import connection, models, transaction
from django.db.models import Q
from django.utils import timezone

from accounts.actors import actor_label
from config.resilience import request_commit_mark

from . import merkle
from .canonical import canonical_json, to_jsonable
from .models import AuditEntry, MerkleNode, TreeHead
from .signing import b64, document_verify

logger = logging.getLogger(__name__)
GENESIS_HASH = "0" * 64
_CHAIN_LOCK_KEY = 0x5EC0A0D17  # any constant; serialises appends across processes on PostgreSQL
# Apps register checks of their own rows against the log here (registry: certificates vs their events).
AUDIT_CHECKS: list[Callable[[], list[str]]] = []
PROBLEMS_MAX = 200
HEADS_CHECKED = 1000


def _entry_hash(prev_hash: str, event: dict) -> str:
    return hashlib.sha256(prev_hash.encode("ascii") + canonical_json(event)).hexdigest()


def audit_append(
    *,
    actor,
    action: str,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
    before: dict | None = None,
    after: dict | None = None,
    data: dict | None = None,
) -> AuditEntry:
    """Append one event to the chain and the transparency log. Must run inside the transaction that made
    the change; the tree head is signed after commit."""
    from .transparency import entry_leaf_hash, merkle_append

    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit_append must be called inside the transaction that made the change")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK_KEY])
    last = AuditEntry.objects.order_by("-sequence").only("sequence", "hash", "leaf_hash").first()
    entry = AuditEntry(
        sequence=(last.sequence + 1) if last else 1,
        created_at=timezone.now(),
        actor=actor if getattr(actor, "pk", None) else None,
        actor_repr=actor_label(actor),
        action=action,
        object_type=object_type or (obj._meta.label_lower if obj is not None else ""),
        object_id=object_id or (str(obj.pk) if obj is not None else ""),
        object_repr=(object_repr or (str(obj) if obj is not None else ""))[:300],
        before=to_jsonable(before) if before is not None else None,
        after=to_jsonable(after) if after is not None else None,
        data=to_jsonable(data or {}),
        prev_hash=last.hash if last else GENESIS_HASH,
    )
    entry.hash = _entry_hash(entry.prev_hash, entry.event())
    entry.leaf_hash = entry_leaf_hash(entry)
    entry.save()
    merkle_append(entry, left_leaf_hash=last.leaf_hash if last and entry.leaf_index & 1 else None)
    # A new tree head is signed soon after the change (beat signs one on a schedule too, so losing this
    # publish loses nothing); robust: nothing after the commit may turn the answer into an error.
    transaction.on_commit(_tree_head_enqueue, robust=True)
    # Once this transaction commits, the request that made it must not answer as if it had failed.
    transaction.on_commit(request_commit_mark)
    return entry


def _tree_head_enqueue() -> None:
    """Ask for a tree head over the log as it is; a broker that is away only delays it until beat's."""
    from .tasks import tree_head_sign_task

    try:
        tree_head_sign_task.delay()
    except Exception:  # noqa: BLE001  (Redis down: the scheduled signing covers it)
        logger.warning("could not publish a tree head signing task; beat will sign one", exc_info=True)


@dataclass
class ChainReport:
    ok: bool
    checked: int
    broken_sequence: int | None = None
    reason: str = ""
    problems: list[str] = field(default_factory=list)
    root_hash: str = ""  # hex, of the tree over every entry
    heads_checked: int = 0
    head_extended: bool | None = None  # with a saved head: does the log still extend it?


class _StoredLevels:
    """Stored subtree hashes read level by level in index order, to compare with a recomputed tree."""

    def __init__(self):
        self._iters: dict[int, Iterator] = {}
        self._pending: dict[int, tuple[int, str] | None] = {}

    def _next(self, level: int):
        if level not in self._iters:
            self._iters[level] = iter(MerkleNode.objects.filter(level=level).order_by("index")
                                      .values_list("index", "hash").iterator(chunk_size=5000))
        return next(self._iters[level], None)

    def check(self, level: int, index: int, h: bytes) -> str | None:
        row = self._pending.pop(level, None) or self._next(level)
        while row is not None and row[0] < index:
            row = self._next(level)
        if row is None or row[0] != index:
            if row is not None:
                self._pending[level] = row
            return f"subtree L{level}#{index} is missing from the stored tree"
        if row[1] != h.hex():
            return f"stored subtree L{level}#{index} does not match the entries"
        return None


def audit_verify(*, head: dict | None = None, checks: bool = True) -> ChainReport:
    """Recompute the chain and the Merkle tree from the entries; compare them with the stored hashes, the
    stored signed tree heads and, given one, a head saved earlier; then run the apps' own checks
    (certificates against their events). Reports every problem, the first chain break by its sequence."""
    from .keys import keys_published

    report = ChainReport(ok=True, checked=0)
    problems = report.problems

    def problem(text: str) -> None:
        if len(problems) < PROBLEMS_MAX:
            problems.append(text)

    keys = keys_published()
    heads = list(TreeHead.objects.order_by("-timestamp", "-id")[:HEADS_CHECKED])
    want_roots: dict[int, list] = {}
    for h in heads:
        want_roots.setdefault(h.tree_size, []).append(("stored head", h))
    saved_size = None
    if head is not None:
        verdict = document_verify(head, keys)
        saved_size = head.get("tree_size") if isinstance(head, dict) else None
        if not verdict.ok:
            problem(f"saved head: {verdict.message}")
        if not isinstance(saved_size, int) or isinstance(saved_size, bool) or saved_size < 0:
            problem("saved head: no valid tree_size")
            saved_size = None
        else:
            want_roots.setdefault(saved_size, []).append(("saved head", head))
    if want_roots.pop(0, None) is not None and saved_size == 0:
        report.head_extended = True

    stored = _StoredLevels()
    tree = merkle.StreamingTree()
    prev_hash = GENESIS_HASH
    expected_sequence = 1
    for entry in AuditEntry.objects.order_by("sequence").iterator(chunk_size=2000):
        if entry.sequence != expected_sequence and report.broken_sequence is None:
            report.broken_sequence, report.reason = expected_sequence, "entry missing (sequence gap)"
            problem(f"entry #{expected_sequence}: missing (sequence gap)")
        elif entry.prev_hash != prev_hash and report.broken_sequence is None:
            report.broken_sequence, report.reason = entry.sequence, "prev_hash does not match the previous entry"
            problem(f"entry #{entry.sequence}: prev_hash does not match the previous entry")
        elif _entry_hash(entry.prev_hash, entry.event()) != entry.hash and report.broken_sequence is None:
            report.broken_sequence, report.reason = entry.sequence, "content does not match its hash"
            problem(f"entry #{entry.sequence}: content does not match its hash")
        leaf = merkle.leaf_hash(canonical_json(entry.leaf_entry()))
        if leaf.hex() != entry.leaf_hash:
            problem(f"entry #{entry.sequence}: stored leaf hash does not match the entry")
        for level, index, h in tree.append(leaf):
            found = stored.check(level, index, h)
            if found:
                problem(found)
        for label, item in want_roots.get(tree.size, []):
            _root_compare(report, problem, label, item, tree.root())
        prev_hash = entry.hash
        expected_sequence = entry.sequence + 1
        if report.broken_sequence is None:
            report.checked += 1
    size = tree.size
    report.root_hash = tree.root().hex()
    for tree_size_wanted, items in want_roots.items():
        if tree_size_wanted > size:
            for label, _item in items:
                problem(f"{label} of size {tree_size_wanted}: the log has only {size} entries "
                        f"(entries were deleted)")
                if label == "saved head":
                    report.head_extended = False
    beyond = Q()
    for level in range(1, 64):
        beyond |= Q(level=level, index__gte=size >> level)  # (index + 1) * 2^level > size
    extra = MerkleNode.objects.filter(beyond).count()
    if extra:
        problem(f"{extra} stored subtree(s) cover entries beyond the last one (entries were deleted)")
    for h in heads:
        verdict = document_verify(h.document, keys)
        if not verdict.ok:
            problem(f"stored head of size {h.tree_size} ({h.timestamp:%Y-%m-%d %H:%M:%S}): {verdict.message}")
    report.heads_checked = len(heads)
    if saved_size is not None and saved_size <= size and report.head_extended is None:
        report.head_extended = False
    if checks:
        for check in AUDIT_CHECKS:
            for text in check():
                problem(text)
    report.ok = not problems
    return report


def _root_compare(report: ChainReport, problem, label: str, item, root: bytes) -> None:
    if label == "saved head":
        try:
            wanted = base64.b64decode(item.get("root_hash", ""), validate=True)
        except (ValueError, TypeError, binascii.Error):
            wanted = b""
        ok = wanted == root
        report.head_extended = ok
        if not ok:
            problem(f"saved head of size {item.get('tree_size')}: the log no longer extends it "
                    f"(root {b64(root)} instead of {item.get('root_hash')}): entries were rewritten")
    elif item.root_hash != root.hex():
        problem(f"stored head of size {item.tree_size}: its root does not match the entries (rewritten)")


def audit_bulk_append(entries: Iterable[AuditEntry], *, batch: int = 5000) -> int:
    """Append many prepared entries (generated history for load tests and benchmarks, never live changes)
    with the hashing audit_append does: sequence, chain hash, leaf hash and the subtrees each closes. The
    entries carry their own `created_at`; the caller holds the transaction. Reads every existing leaf once."""
    from . import merkle
    from .models import MerkleNode
    from .transparency import entry_leaf_hash

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK_KEY])
    tree = merkle.StreamingTree()
    for leaf in AuditEntry.objects.order_by("sequence").values_list("leaf_hash", flat=True).iterator(10_000):
        tree.append(bytes.fromhex(leaf))  # these leaves' subtrees are stored already
    last = AuditEntry.objects.order_by("-sequence").only("sequence", "hash").first()
    sequence, prev = (last.sequence, last.hash) if last else (0, GENESIS_HASH)
    written, rows, nodes = 0, [], []
    for entry in entries:
        sequence += 1
        entry.sequence, entry.prev_hash = sequence, prev
        entry.hash = _entry_hash(prev, entry.event())
        entry.leaf_hash = entry_leaf_hash(entry)
        prev = entry.hash
        rows.append(entry)
        nodes.extend(MerkleNode(level=lv, index=ix, hash=h.hex())
                     for lv, ix, h in tree.append(bytes.fromhex(entry.leaf_hash)))
        if len(rows) >= batch:
            AuditEntry.objects.bulk_create(rows, batch_size=batch)
            MerkleNode.objects.bulk_create(nodes, batch_size=batch)
            written += len(rows)
            rows, nodes = [], []
    AuditEntry.objects.bulk_create(rows, batch_size=batch)
    MerkleNode.objects.bulk_create(nodes, batch_size=batch)
    return written + len(rows)
