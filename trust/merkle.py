"""RFC 9162 Merkle tree hashing and proof verification, over any source of subtree hashes.

Leaf `SHA-256(0x00 || entry)`, node `SHA-256(0x01 || left || right)`. The tree over n leaves splits at
k, the largest power of two below n, so every left subtree is complete and aligned: the tree of any
size is built from complete aligned subtrees, which `trust.transparency` stores once and for all.
"""

import hashlib

EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(entry: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def split(n: int) -> int:
    """The largest power of two strictly below n (n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


def pieces(start: int, end: int) -> list[tuple[int, int]]:
    """The complete aligned subtrees, as (level, index), whose hashes make MTH(D[start:end]) for a range
    that the RFC 9162 recursion produces (start is a multiple of the largest of them)."""
    out = []
    while start < end:
        size = end - start
        level = size.bit_length() - 1 if size & (size - 1) == 0 else split(size).bit_length() - 1
        out.append((level, start >> level))
        start += 1 << level
    return out


def fold(hashes: list[bytes]) -> bytes:
    """MTH of a range from its pieces' hashes, largest first: H(p1, H(p2, ... pn))."""
    result = hashes[-1]
    for h in reversed(hashes[:-1]):
        result = node_hash(h, result)
    return result


def inclusion_ranges(index: int, size: int) -> list[tuple[int, int]]:
    """The subtree ranges whose hashes form the audit path of leaf `index` in a tree of `size` (RFC 9162
    2.1.3.1), nearest the leaf first."""
    path = []
    start, end = 0, size
    while end - start > 1:
        k = split(end - start)
        if index - start < k:
            path.append((start + k, end))
            end = start + k
        else:
            path.append((start, start + k))
            start += k
    return list(reversed(path))


def consistency_ranges(first: int, second: int) -> list[tuple[int, int]]:
    """The subtree ranges whose hashes form the consistency proof from `first` to `second` (RFC 9162
    2.1.4.1), in proof order."""
    if not 0 < first <= second:
        return []
    out: list[tuple[int, int]] = []

    def subproof(m: int, start: int, end: int, complete: bool) -> None:
        n = end - start
        if m == n:
            if not complete:
                out.append((start, end))
            return
        k = split(n)
        if m <= k:
            subproof(m, start, start + k, complete)
            out.append((start + k, end))
        else:
            subproof(m - k, start + k, end, False)
            out.append((start, start + k))

    subproof(first, 0, second, True)
    return out


def inclusion_verify(leaf: bytes, index: int, size: int, path: list[bytes], root: bytes) -> bool:
    """RFC 9162 2.1.3.2."""
    if index >= size or index < 0:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn & 1 == 0 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def consistency_verify(first: int, second: int, first_root: bytes, second_root: bytes, proof: list[bytes]) -> bool:
    """RFC 9162 2.1.4.2."""
    if first > second or first < 1:
        return False
    if first == second:
        return not proof and first_root == second_root
    path = list(proof)
    if first & (first - 1) == 0:  # a power of two: the first root is itself the first node
        path.insert(0, first_root)
    if not path:
        return False
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while fn & 1 == 0 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == first_root and sr == second_root


def root_of(leaves: list[bytes]) -> bytes:
    """MTH of a list of leaf hashes (reference implementation, for tests and small trees)."""
    if not leaves:
        return EMPTY_ROOT
    if len(leaves) == 1:
        return leaves[0]
    k = split(len(leaves))
    return node_hash(root_of(leaves[:k]), root_of(leaves[k:]))


class StreamingTree:
    """Appends leaf hashes one by one and knows the root at every size; reports each complete subtree as
    it closes (level, index, hash), so a verifier can compare it with the stored one."""

    def __init__(self):
        self.stack: list[tuple[int, bytes]] = []  # (level, hash), levels strictly decreasing
        self.size = 0

    def append(self, leaf: bytes) -> list[tuple[int, int, bytes]]:
        closed = []
        level, h = 0, leaf
        index = self.size
        while self.stack and self.stack[-1][0] == level:
            _, left = self.stack.pop()
            h = node_hash(left, h)
            level += 1
            index >>= 1
            closed.append((level, index, h))
        self.stack.append((level, h))
        self.size += 1
        return closed

    def root(self) -> bytes:
        if not self.stack:
            return EMPTY_ROOT
        return fold([h for _, h in self.stack])
