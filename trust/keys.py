"""Signing keys: generated outside the repository and the database, published by their public half.

The private key of each Ed25519 key is a PKCS#8 PEM file `<SIGNING_KEY_DIR>/<key_id>.pem` (mode 0600),
read only where signing runs (the `signing` Celery queue; in-process in the embedded default). The
database holds the public key, its validity window and status, which `keys/` publishes.
"""

import hashlib
import logging
import os
from functools import lru_cache
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from config.errors import ApplicationError, NotFoundError, TransitionNotAllowed

from .models import SigningKey, SigningKeyStatus
from .signing import ALG, PublicKeyInfo, b64url, document_payload

logger = logging.getLogger(__name__)

# Called with (key_id, actor) after a key is retired, to re-sign what it signed (apps register here).
RESIGN_HOOKS: list = []


class SigningUnavailable(ApplicationError):
    """This process cannot sign: no active key, or its private key file is not here."""

    status_code = 503
    code = "signing_unavailable"


def key_dir() -> Path:
    return Path(settings.SIGNING_KEY_DIR)


def key_id_for(raw_public: bytes) -> str:
    """A key's id: the first 16 hex digits of the SHA-256 of its raw public key."""
    return hashlib.sha256(raw_public).hexdigest()[:16]


def _raw_public(private: Ed25519PrivateKey) -> bytes:
    return private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def _key_file(key_id: str) -> Path:
    return key_dir() / f"{key_id}.pem"


def _key_file_write(private: Ed25519PrivateKey) -> str:
    directory = key_dir()
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    key_id = key_id_for(_raw_public(private))
    pem = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    # O_EXCL: never overwrite a key file; 0600: only the signing service's user reads it.
    fd = os.open(_key_file(key_id), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(pem)
    return key_id


@lru_cache(maxsize=16)
def _private_key_cached(path: str, mtime: float) -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key(Path(path).read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise SigningUnavailable(_("The signing key file is not an Ed25519 key."))
    return key


def private_key_load(key_id: str) -> Ed25519PrivateKey:
    path = _key_file(key_id)
    try:
        return _private_key_cached(str(path), path.stat().st_mtime)
    except FileNotFoundError as exc:
        raise SigningUnavailable(
            _("The private key %(key_id)s is not available to this process (%(dir)s); signing runs in the "
              "signing worker.") % {"key_id": key_id, "dir": key_dir()}) from exc


def signing_key_current() -> SigningKey | None:
    return SigningKey.objects.filter(status=SigningKeyStatus.ACTIVE).first()


def _register(private: Ed25519PrivateKey, *, actor, reason: str, action: str, audited: bool = True) -> SigningKey:
    from .services import audit_append

    now = timezone.now()
    key_id = key_id_for(_raw_public(private))
    with transaction.atomic():
        previous = list(SigningKey.objects.select_for_update().filter(status=SigningKeyStatus.ACTIVE))
        for old in previous:
            old.status, old.not_after, old.status_changed_at = SigningKeyStatus.INACTIVE, now, now
            old.status_reason = reason or "rotated"
            old.save()
        key = SigningKey.objects.create(key_id=key_id, alg=ALG, public_key=b64url(_raw_public(private)),
                                        status=SigningKeyStatus.ACTIVE, not_before=now, status_changed_at=now,
                                        status_reason=reason)
        if audited:
            audit_append(actor=actor, action=f"signing_key.{action}", object_type="trust.signingkey",
                         object_id=key_id, object_repr=key_id,
                         after={"key_id": key_id, "alg": ALG, "public_key": key.public_key, "not_before": now},
                         data={"previous": [k.key_id for k in previous], "reason": reason})
    return key


def signing_key_rotate(*, actor, reason: str = "") -> SigningKey:
    """Start a new key; the one before it stops signing and its signatures stay valid."""
    private = Ed25519PrivateKey.generate()
    _key_file_write(private)
    return _register(private, actor=actor, reason=reason, action="rotate")


def signing_key_ensure(*, actor="setup", audited: bool = True) -> SigningKey:
    """The active key, created at set-up when there is none. With SIGNING_KEY_AUTO_CREATE (tests and the
    embedded default) a key file already in the directory but unknown to this database is adopted."""
    key = signing_key_current()
    if key is not None:
        return key
    if settings.SIGNING_KEY_AUTO_CREATE and key_dir().is_dir():
        known = set(SigningKey.objects.values_list("key_id", flat=True))
        for path in sorted(key_dir().glob("*.pem"), key=lambda p: p.stat().st_mtime, reverse=True):
            if path.stem in known:
                continue
            try:
                private = _private_key_cached(str(path), path.stat().st_mtime)
            except (ValueError, SigningUnavailable):
                continue
            if key_id_for(_raw_public(private)) == path.stem:
                return _register(private, actor=actor, reason="adopted", action="adopt", audited=audited)
    private = Ed25519PrivateKey.generate()
    _key_file_write(private)
    return _register(private, actor=actor, reason="initial key", action="create", audited=audited)


def signing_key_for_signing() -> tuple[SigningKey, Ed25519PrivateKey]:
    """The active key and its private half, or SigningUnavailable."""
    # created at first use only in tests and the embedded default, and then not audited: those logs are
    # about the test or the demo, not about keys
    key = signing_key_current()
    if key is None and settings.SIGNING_KEY_AUTO_CREATE:
        try:
            with transaction.atomic():
                key = signing_key_ensure(audited=False)
        except IntegrityError:  # another process registered it at the same moment
            key = signing_key_current()
    if key is None:
        raise SigningUnavailable(_("No active signing key: run `manage.py signing_setup` on the signing host."))
    return key, private_key_load(key.key_id)


def sign_with(key: SigningKey, private: Ed25519PrivateKey, payload: bytes) -> dict:
    return {"alg": ALG, "key_id": key.key_id, "value": b64url(private.sign(payload))}


def document_sign(document: dict) -> dict:
    """The document with its `signature` member (over its canonical form without it)."""
    key, private = signing_key_for_signing()
    body = {k: v for k, v in document.items() if k != "signature"}
    return {**body, "signature": sign_with(key, private, document_payload(body))}


def signing_key_retire(*, key_id: str, actor, compromised: bool = False, reason: str = "") -> SigningKey:
    """Retire a key (compromised or not); an active key is first replaced. What it signed is then
    re-signed with the current key by the registered hooks."""
    key = SigningKey.objects.filter(key_id=key_id).first()
    if key is None:
        raise NotFoundError(_("No signing key %(key_id)s.") % {"key_id": key_id})
    target = SigningKeyStatus.COMPROMISED if compromised else SigningKeyStatus.RETIRED
    if key.status == target or key.status == SigningKeyStatus.COMPROMISED:
        raise TransitionNotAllowed(_("Key %(key_id)s is already %(status)s.") % {"key_id": key_id,
                                                                               "status": key.status})
    if key.status == SigningKeyStatus.ACTIVE:
        signing_key_rotate(actor=actor, reason=f"replaces {key_id}")
    from .services import audit_append

    now = timezone.now()
    with transaction.atomic():
        key = SigningKey.objects.select_for_update().get(pk=key.pk)
        before = {"status": key.status}
        key.status, key.status_changed_at, key.status_reason = target, now, reason
        key.not_after = key.not_after or now
        key.save()
        audit_append(actor=actor, action=f"signing_key.{target}", object_type="trust.signingkey", object_id=key_id,
                     object_repr=key_id, before=before, after={"status": target, "not_after": key.not_after},
                     data={"reason": reason})
    for hook in RESIGN_HOOKS:
        hook(key_id=key_id, actor=actor)
    from .transparency import tree_head_sign

    tree_head_sign(force=True)
    return key


def keys_published() -> dict[str, PublicKeyInfo]:
    return {k.key_id: PublicKeyInfo(key_id=k.key_id, alg=k.alg, public_key=k.public_key, status=k.status,
                                    not_before=k.not_before, not_after=k.not_after)
            for k in SigningKey.objects.all()}


def keys_document() -> dict:
    """What `keys/` publishes."""
    from .canonical import to_jsonable

    return {"keys": [to_jsonable({"key_id": k.key_id, "alg": k.alg, "public_key": k.public_key,
                                  "not_before": k.not_before, "not_after": k.not_after, "status": k.status})
                     for k in SigningKey.objects.order_by("not_before", "id")]}
