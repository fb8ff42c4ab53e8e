"""Ed25519 signatures over RFC 8785 JSON, and their verification against the published keys.

A signature is `{"alg": "Ed25519", "key_id": ..., "value": base64url}`. A signed JSON document carries it
as its `signature` member, computed over the canonical form of the document without that member.
Verification never raises on bad input: it answers a `Verdict` whose code says what is wrong.
"""

import base64
import binascii
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.utils.translation import gettext_lazy as _

from .canonical import canonical_json

ALG = "Ed25519"
# Statuses whose signatures are accepted: the key signing now and keys rotated out in good standing.
TRUSTED_STATUSES = ("active", "inactive")


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    if not isinstance(text, str):
        raise ValueError("not a string")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


@dataclass(frozen=True)
class PublicKeyInfo:
    key_id: str
    alg: str
    public_key: str  # base64url raw key
    status: str
    not_before: object = None
    not_after: object = None


VERDICT_MESSAGES = {
    "valid": _("The signature is valid: the record is exactly as the registry signed it."),
    "invalid": _("The signature does not match: the record was changed after signing, or the signature is "
                 "not the registry's."),
    "unknown_key": _("The signature names a key the registry never published."),
    "retired_key": _("The signature was made with a key the registry retired; it is no longer accepted."),
    "compromised_key": _("The signature was made with a key the registry declared compromised; it is never "
                         "accepted."),
    "malformed": _("The signature or the record is malformed."),
    "unsigned": _("There is no signature."),
}


@dataclass(frozen=True)
class Verdict:
    code: str
    key_id: str = ""
    details: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.code == "valid"

    @property
    def message(self) -> str:
        return str(VERDICT_MESSAGES.get(self.code, self.code))


def signature_verify(payload: bytes, signature, keys: dict[str, PublicKeyInfo]) -> Verdict:
    """Check `signature` over `payload` against the published keys; never raises."""
    if not signature:
        return Verdict("unsigned")
    if not isinstance(signature, dict):
        return Verdict("malformed")
    key_id, alg, value = signature.get("key_id"), signature.get("alg"), signature.get("value")
    if not isinstance(key_id, str) or alg != ALG or not isinstance(value, str):
        return Verdict("malformed", key_id if isinstance(key_id, str) else "")
    key = keys.get(key_id)
    if key is None:
        return Verdict("unknown_key", key_id)
    if key.status == "compromised":
        return Verdict("compromised_key", key_id)
    if key.status not in TRUSTED_STATUSES:
        return Verdict("retired_key", key_id)
    try:
        raw_signature = b64url_decode(value)
        public = Ed25519PublicKey.from_public_bytes(b64url_decode(key.public_key))
        public.verify(raw_signature, payload)
    except (InvalidSignature, ValueError, binascii.Error):
        return Verdict("invalid", key_id)
    return Verdict("valid", key_id)


def document_payload(document: dict) -> bytes:
    """The bytes a signed document's signature covers: its canonical form without `signature`."""
    return canonical_json({k: v for k, v in document.items() if k != "signature"})


def document_verify(document, keys: dict[str, PublicKeyInfo]) -> Verdict:
    if not isinstance(document, dict):
        return Verdict("malformed")
    try:
        payload = document_payload(document)
    except (TypeError, ValueError):
        return Verdict("malformed")
    return signature_verify(payload, document.get("signature"), keys)


def record_verify(record, signature, keys: dict[str, PublicKeyInfo]) -> Verdict:
    """A certificate's signature covers the canonical form of its record; the record names its key."""
    if not isinstance(record, dict):
        return Verdict("malformed")
    try:
        payload = canonical_json(record)
    except (TypeError, ValueError):
        return Verdict("malformed")
    verdict = signature_verify(payload, signature, keys)
    if verdict.ok and record.get("key_id") != verdict.key_id:
        return Verdict("invalid", verdict.key_id, {"reason": "the record names another key"})
    return verdict


def keys_from_document(document) -> dict[str, PublicKeyInfo]:
    """The keys of a `keys/` document (as published), for offline verification."""
    keys = {}
    for item in (document or {}).get("keys", []) if isinstance(document, dict) else []:
        if isinstance(item, dict) and isinstance(item.get("key_id"), str):
            keys[item["key_id"]] = PublicKeyInfo(
                key_id=item["key_id"], alg=str(item.get("alg", "")), public_key=str(item.get("public_key", "")),
                status=str(item.get("status", "")), not_before=item.get("not_before"), not_after=item.get("not_after"))
    return keys
