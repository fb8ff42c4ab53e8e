"""The transparency log over the audit entries: stored subtree hashes, proofs and signed tree heads.

Every complete aligned subtree is stored once (MerkleNode; level 0 is AuditEntry.leaf_hash) when its
last leaf is appended, under the same lock that serialises appends, so the log cannot fork and any
root, inclusion or consistency proof costs O(log n) index lookups in two queries.
"""

from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from config.errors import ApplicationError

from . import merkle
from .canonical import canonical_json, to_jsonable
from .models import AuditEntry, MerkleNode, TreeHead
from .signing import b64

ENTRIES_MAX = 1000


class TransparencyError(ApplicationError):
    status_code = 500
    code = "transparency_error"


def entry_leaf_hash(entry: AuditEntry) -> str:
    return merkle.leaf_hash(canonical_json(entry.leaf_entry())).hex()


def merkle_append(entry: AuditEntry, *, left_leaf_hash: str | None) -> None:
    """Store the subtrees the new leaf completes. `left_leaf_hash` is the previous leaf's hash (already read
    by audit_append), the only level-0 sibling ever needed."""
    index = entry.leaf_index
    if not index & 1:
        return
    trailing = (~index & (index + 1)).bit_length() - 1  # number of trailing one bits
    wanted = [(level, (index >> level) - 1) for level in range(1, trailing)]
    known = _hashes_fetch(set(wanted)) if wanted else {}
    h = bytes.fromhex(entry.leaf_hash)
    left = bytes.fromhex(left_leaf_hash) if left_leaf_hash else _hashes_fetch({(0, index - 1)})[(0, index - 1)]
    nodes = []
    for level in range(trailing):
        sibling = left if level == 0 else known.get((level, (index >> level) - 1))
        if sibling is None:
            raise TransparencyError(_("The transparency log is missing a subtree hash (level %(level)s).")
                                    % {"level": level})
        h = merkle.node_hash(sibling, h)
        nodes.append(MerkleNode(level=level + 1, index=index >> (level + 1), hash=h.hex()))
    MerkleNode.objects.bulk_create(nodes)


def _hashes_fetch(keys: set[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
    """Hashes of the given (level, index) subtrees, in at most two queries."""
    found: dict[tuple[int, int], bytes] = {}
    leaves = [i + 1 for level, i in keys if level == 0]
    if leaves:
        for seq, h in AuditEntry.objects.filter(sequence__in=leaves).values_list("sequence", "leaf_hash"):
            found[(0, seq - 1)] = bytes.fromhex(h)
    by_level: dict[int, list[int]] = {}
    for level, i in keys:
        if level:
            by_level.setdefault(level, []).append(i)
    if by_level:
        condition = Q()
        for level, indexes in by_level.items():
            condition |= Q(level=level, index__in=indexes)
        for level, i, h in MerkleNode.objects.filter(condition).values_list("level", "index", "hash"):
            found[(level, i)] = bytes.fromhex(h)
    missing = keys - found.keys()
    if missing:
        raise TransparencyError(_("The transparency log is missing subtree hashes: %(nodes)s.")
                                % {"nodes": ", ".join(f"L{lv}#{i}" for lv, i in sorted(missing)[:5])})
    return found


def ranges_hashes(ranges: list[tuple[int, int]]) -> list[bytes]:
    """MTH of each range, from the stored subtrees."""
    plans = [merkle.pieces(a, b) for a, b in ranges]
    known = _hashes_fetch({p for plan in plans for p in plan})
    return [merkle.fold([known[p] for p in plan]) for plan in plans]


def tree_size() -> int:
    return AuditEntry.objects.aggregate(n=Max("sequence"))["n"] or 0


def root_hash(size: int) -> bytes:
    if size == 0:
        return merkle.EMPTY_ROOT
    return ranges_hashes([(0, size)])[0]


class ProofRequestError(ApplicationError):
    code = "invalid"


def _bounds(size: int, current: int, name: str) -> None:
    if size > current:
        raise ProofRequestError(_("The log has only %(size)s entries.") % {"size": current},
                                details={name: [str(_("Beyond the current tree size."))]})


def inclusion_proof(*, leaf_index: int, size: int) -> dict:
    current = tree_size()
    _bounds(size, current, "tree_size")
    if not 0 <= leaf_index < size:
        raise ProofRequestError(_("leaf_index must be below tree_size."), details={"leaf_index": [str(leaf_index)]})
    ranges = merkle.inclusion_ranges(leaf_index, size)
    hashes = ranges_hashes([(leaf_index, leaf_index + 1), *ranges])
    return {"leaf_index": leaf_index, "tree_size": size, "leaf_hash": b64(hashes[0]),
            "audit_path": [b64(h) for h in hashes[1:]]}


def inclusion_proofs(*, leaf_indexes: list[int], size: int) -> list[dict]:
    """Inclusion proofs of many leaves in one tree, in two queries (for exports)."""
    plans = [(i, merkle.inclusion_ranges(i, size)) for i in leaf_indexes if 0 <= i < size]
    ranges = [r for i, path in plans for r in [(i, i + 1), *path]]
    hashes = iter(ranges_hashes(ranges)) if ranges else iter(())
    proofs = []
    for i, path in plans:
        leaf = next(hashes)
        proofs.append({"leaf_index": i, "tree_size": size, "leaf_hash": b64(leaf),
                       "audit_path": [b64(next(hashes)) for _ in path]})
    return proofs


def consistency_proof(*, first: int, second: int) -> dict:
    current = tree_size()
    _bounds(second, current, "second")
    if not 0 < first <= second:
        raise ProofRequestError(_("Need 0 < first <= second."), details={"first": [str(first)]})
    return {"first": first, "second": second,
            "proof": [b64(h) for h in ranges_hashes(merkle.consistency_ranges(first, second))]}


def entries_get(*, start: int, end: int) -> dict:
    """The leaf entries [start, end) (leaf indexes), at most ENTRIES_MAX."""
    current = tree_size()
    if start < 0 or end <= start:
        raise ProofRequestError(_("Need 0 <= start < end."), details={"start": [str(start)], "end": [str(end)]})
    end = min(end, start + ENTRIES_MAX, current)
    rows = AuditEntry.objects.filter(sequence__gt=start, sequence__lte=end).order_by("sequence")
    return {"start": start, "end": max(end, start), "tree_size": current,
            "entries": [to_jsonable(e.leaf_entry()) for e in rows]}


def tree_head_latest() -> TreeHead | None:
    return TreeHead.objects.order_by("-tree_size", "-timestamp", "-id").first()


def tree_head_sign(*, force: bool = False) -> TreeHead:
    """Sign a head over the current log, unless the newest head already covers it (or `force`: the beat's
    periodic head, and re-signing after a key is retired)."""
    from .keys import document_sign

    latest = tree_head_latest()
    size = tree_size()
    if latest is not None and latest.tree_size == size and not force:
        return latest
    root = root_hash(size)
    now = timezone.now()
    document = document_sign(to_jsonable({"tree_size": size, "root_hash": b64(root), "timestamp": now}))
    # signing may have appended (a key created at first use): a head is still valid for the size it names
    return TreeHead.objects.create(tree_size=size, root_hash=root.hex(), timestamp=now,
                                   key_id=document["signature"]["key_id"], document=document)


def leaf_proof_links(*, object_type: str, object_id: str) -> list[dict]:
    """The audit entries about one object, each with the leaf index its inclusion proof is asked for."""
    return [{"sequence": seq, "leaf_index": seq - 1, "action": action, "created_at": created}
            for seq, action, created in AuditEntry.objects.filter(object_type=object_type, object_id=object_id)
            .order_by("sequence").values_list("sequence", "action", "created_at")]
