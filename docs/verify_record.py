#!/usr/bin/env python3
"""Check a certificate record signed by the registry, offline, against the registry's published keys.

Usage: python3 verify_record.py CERTIFICATE.json KEYS.json
  CERTIFICATE.json  the answer of /api/v1/certificates/<serial>/ (any JSON with "record" and "signature")
  KEYS.json         the answer of /api/v1/keys/
Needs only the `cryptography` and `rfc8785` packages. Exit 0 when valid, 1 otherwise.
"""
import base64
import hashlib
import json
import sys

import rfc8785
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey


def b64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def verify(document: dict, keys: dict) -> str:
    record, signature = document.get("record"), document.get("signature") or {}
    if not isinstance(record, dict) or signature.get("alg") != "Ed25519":
        return "INVALID: no signed record"
    key = {k["key_id"]: k for k in keys["keys"]}.get(signature.get("key_id"))
    if key is None:
        return f"INVALID: signed with an unknown key {signature.get('key_id')!r}"
    if key["status"] not in ("active", "inactive"):  # retired or compromised keys are not trusted
        return f"INVALID: signed with key {key['key_id']}, which is {key['status']}"
    if record.get("key_id") != key["key_id"]:
        return "INVALID: the record names another key than the one that signed it"
    data = rfc8785.dumps(record)  # the signature covers the record's RFC 8785 form
    try:
        Ed25519PublicKey.from_public_bytes(b64url(key["public_key"])).verify(b64url(signature["value"]), data)
    except (InvalidSignature, ValueError):
        return "INVALID: the signature does not match the record (it was changed, or is not the registry's)"
    return (f"VALID: {record['serial']} is {record['status']}, valid until {record['valid_until']} "
            f"(key {key['key_id']}, fingerprint {hashlib.sha256(data).hexdigest()})")


if __name__ == "__main__":
    with open(sys.argv[1], encoding="utf-8") as cert_file, open(sys.argv[2], encoding="utf-8") as keys_file:
        verdict = verify(json.load(cert_file), json.load(keys_file))
    print(verdict)
    sys.exit(0 if verdict.startswith("VALID") else 1)
