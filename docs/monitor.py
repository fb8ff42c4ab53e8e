#!/usr/bin/env python3
"""Watch the registry's transparency log from its public API: the log must only ever grow.

Usage: python3 monitor.py BASE_URL STATE_FILE [--full]
  BASE_URL    e.g. https://registry.example.vn/api/v1
  STATE_FILE  where the last verified signed tree head is kept between runs
  --full      also download every entry and recompute the root (always done on the first run)
Checks the head's Ed25519 signature against keys/, then that the new head extends the saved one
(RFC 9162 consistency proof). Exit 0 and save the new head when all holds; print ALERT and exit 1 if not.
Needs only `cryptography` and `rfc8785`.
"""
import base64
import hashlib
import json
import os
import sys
import urllib.request

import rfc8785
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey


def get(base: str, path: str) -> dict:
    with urllib.request.urlopen(f"{base.rstrip('/')}/{path}", timeout=30) as response:
        return json.load(response)


def node(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def head_signature_ok(head: dict, keys: dict) -> bool:
    signature = head.get("signature") or {}
    key = {k["key_id"]: k for k in keys["keys"]}.get(signature.get("key_id"))
    if key is None or key["status"] not in ("active", "inactive") or signature.get("alg") != "Ed25519":
        return False
    body = rfc8785.dumps({k: v for k, v in head.items() if k != "signature"})
    value = signature["value"] + "=" * (-len(signature["value"]) % 4)
    try:
        raw = base64.urlsafe_b64decode(key["public_key"] + "=" * (-len(key["public_key"]) % 4))
        Ed25519PublicKey.from_public_bytes(raw).verify(base64.urlsafe_b64decode(value), body)
    except (InvalidSignature, ValueError):
        return False
    return True


def consistent(first: int, second: int, first_root: bytes, second_root: bytes, proof: list[bytes]) -> bool:
    """RFC 9162 section 2.1.4.2."""
    if first == second:
        return first_root == second_root and not proof
    if first & (first - 1) == 0:
        proof = [first_root, *proof]
    if not 0 < first < second or not proof:
        return False
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = proof[0]
    for c in proof[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = node(c, fr), node(c, sr)
            while fn & 1 == 0 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and fr == first_root and sr == second_root


def root_from_entries(base: str, size: int) -> bytes:
    stack: list[tuple[int, bytes]] = []  # (height, hash) of complete subtrees, largest first
    start = 0
    while start < size:
        page = get(base, f"transparency/entries/?start={start}&end={size}")["entries"]
        if not page:
            break
        for entry in page:
            height, h = 0, hashlib.sha256(b"\x00" + rfc8785.dumps(entry)).digest()
            while stack and stack[-1][0] == height:
                h, height = node(stack.pop()[1], h), height + 1
            stack.append((height, h))
        start += len(page)
    if start != size:
        return b""
    root = stack[-1][1] if stack else hashlib.sha256(b"").digest()
    for _, h in reversed(stack[:-1]):
        root = node(h, root)
    return root


def main(base: str, state_file: str, full: bool) -> int:
    keys, head = get(base, "keys/"), get(base, "transparency/head/")
    size, root = head["tree_size"], base64.b64decode(head["root_hash"])
    if not head_signature_ok(head, keys):
        print("ALERT: the tree head's signature does not verify against the published keys")
        return 1
    saved = None
    if os.path.exists(state_file):
        with open(state_file, encoding="utf-8") as fh:
            saved = json.load(fh)
    if saved is not None:
        old_size, old_root = saved["tree_size"], base64.b64decode(saved["root_hash"])
        if size < old_size:
            print(f"ALERT: the log shrank from {old_size} to {size} entries")
            return 1
        proof = [] if size == old_size else \
            get(base, f"transparency/consistency/?first={old_size}&second={size}")["proof"]
        if old_size and not consistent(old_size, size, old_root, root, [base64.b64decode(p) for p in proof]):
            print(f"ALERT: the log of {size} entries does not extend the saved head of {old_size}: history rewritten")
            return 1
    if (full or saved is None) and root_from_entries(base, size) != root:
        print("ALERT: the published entries do not hash to the signed root")
        return 1
    with open(state_file, "w", encoding="utf-8") as fh:
        json.dump(head, fh)
    print(f"OK: {size} entries, root {head['root_hash']}" + (f", extends the saved head of {saved['tree_size']}"
                                                             if saved is not None else ", first run"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2], "--full" in sys.argv[3:]))
