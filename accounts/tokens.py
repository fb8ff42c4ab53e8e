"""API token keys: made, hashed and checked here; issuing and revoking (audited) are registry services.

A key is 256 random bits, so one SHA-256 is enough to store it: nothing can be guessed from the hash,
and a slow password hash would cost every API request for no gain.
"""

import datetime
import hashlib
import secrets
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import ApiToken

PREFIX_LENGTH = 8
# last_used_at is written at most this often, so a busy client does not write on every request
LAST_USED_RESOLUTION = datetime.timedelta(minutes=1)


def api_token_key_hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def api_token_key_new() -> str:
    return secrets.token_urlsafe(32)


@dataclass(frozen=True)
class TokenCheck:
    """The answer to one presented key: the token when it may be used, else why not."""

    token: ApiToken | None
    reason: str = ""  # "", "unknown", "expired", "revoked", "inactive"

    @property
    def ok(self) -> bool:
        return self.token is not None and not self.reason

    @property
    def message(self):
        return TOKEN_REFUSALS.get(self.reason, TOKEN_REFUSALS["unknown"])


TOKEN_REFUSALS = {
    "unknown": _("The API token is not valid."),
    "expired": _("The API token has expired. Make a new one on your account's API tokens page."),
    "revoked": _("The API token was revoked. Make a new one on your account's API tokens page."),
    "inactive": _("The account this API token belongs to is closed."),
}


def api_token_check(key: str, *, now: datetime.datetime | None = None) -> TokenCheck:
    """Look a presented key up by its hash; one query, plus a rare write of last_used_at."""
    now = now or timezone.now()
    if not key or len(key) > 200:
        return TokenCheck(None, "unknown")
    token = ApiToken.objects.select_related("user").filter(key_hash=api_token_key_hash(key)).first()
    if token is None:
        return TokenCheck(None, "unknown")
    if token.revoked_at is not None:
        return TokenCheck(token, "revoked")
    if token.expires_at <= now:
        return TokenCheck(token, "expired")
    if not token.user.is_active:
        return TokenCheck(token, "inactive")
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return TokenCheck(token)
