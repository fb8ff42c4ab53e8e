"""RFC 9162 hashing and proofs: the pure functions, against a reference tree built from the definition."""

import hashlib

import pytest

from trust import merkle


def _leaves(n):
    return [merkle.leaf_hash(f"entry {i}".encode()) for i in range(n)]


def test_merkle_hashing_is_rfc9162():
    assert merkle.leaf_hash(b"x") == hashlib.sha256(b"\x00x").digest()
    assert merkle.node_hash(b"a", b"b") == hashlib.sha256(b"\x01ab").digest()
    assert merkle.root_of([]) == hashlib.sha256(b"").digest()
    leaves = _leaves(3)
    assert merkle.root_of(leaves) == merkle.node_hash(merkle.node_hash(leaves[0], leaves[1]), leaves[2])


@pytest.mark.parametrize("n", [1, 2, 3, 5, 8, 13, 33])
def test_merkle_proofs_verify_and_detect_tampering(n):
    leaves = _leaves(n)
    root = merkle.root_of(leaves)
    tree = merkle.StreamingTree()
    for leaf in leaves:
        tree.append(leaf)
    assert tree.root() == root
    for i in range(n):
        path = [merkle.root_of(leaves[a:b]) for a, b in merkle.inclusion_ranges(i, n)]
        assert merkle.inclusion_verify(leaves[i], i, n, path, root)
        assert not merkle.inclusion_verify(merkle.leaf_hash(b"forged"), i, n, path, root)
        if path:
            assert not merkle.inclusion_verify(leaves[i], i, n, path[:-1], root)
    for m in range(1, n + 1):
        proof = [merkle.root_of(leaves[a:b]) for a, b in merkle.consistency_ranges(m, n)]
        assert merkle.consistency_verify(m, n, merkle.root_of(leaves[:m]), root, proof)
        if m < n:
            rewritten = [merkle.leaf_hash(b"rewritten"), *leaves[1:m]]
            assert not merkle.consistency_verify(m, n, merkle.root_of(rewritten), root, proof)
