"""Second-factor secrets at rest: the TOTP key and the recovery-code seed are stored encrypted.

allauth keeps them in `Authenticator.data`; its MFA adapter's encrypt/decrypt hooks call these. The key is
derived from `SECRET_KEY` (and each of `SECRET_KEY_FALLBACKS`, so that rotating the secret key, done the
documented Django way, keeps every enrolled second factor working); a copy of the database alone no longer
holds anyone's TOTP secret. Values written before encryption existed (no prefix) are still read as they
are, and migration 0004 encrypts them.
"""

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings

PREFIX = "enc1:"


def _fernet_for(secret_key: str) -> Fernet:
    digest = hashlib.sha256(b"registry.accounts.mfa-secrets\x00" + secret_key.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def _fernet() -> MultiFernet:
    keys = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return MultiFernet([_fernet_for(key) for key in keys if key])


def secret_encrypt(text: str) -> str:
    if text.startswith(PREFIX):
        return text
    return PREFIX + _fernet().encrypt(text.encode()).decode("ascii")


def secret_decrypt(value: str) -> str:
    """The secret; a value without the prefix predates encryption and is returned unchanged.

    A value that no configured key opens raises ValueError: the operator replaced SECRET_KEY without
    keeping the old one in SECRET_KEY_FALLBACKS."""
    if not value.startswith(PREFIX):
        return value
    try:
        return _fernet().decrypt(value[len(PREFIX):].encode("ascii")).decode()
    except InvalidToken as error:
        raise ValueError("A second-factor secret cannot be decrypted with SECRET_KEY or its fallbacks.") from error
