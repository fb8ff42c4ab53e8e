"""The multi-factor policy: who must use a second factor, and whether they have set it up.

Evaluators, certifiers and certification-body staff (and anyone with the admin site) must have TOTP
before any work or admin page opens for them; allauth then asks for the code at every sign-in.
Tokens issued by the operator (`manage.py issue_api_token`) are not subject to it (ARCHITECTURE §7).
"""

from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP
from django.conf import settings

from .roles import user_roles

# The published secret of the demo accounts that must use TOTP (seed_demo, README.md); never a real one.
DEMO_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def user_mfa_required(user) -> bool:
    if not user or not user.is_authenticated:
        return False
    if user.is_staff or user.is_superuser:
        return True
    return bool(user_roles(user) & set(settings.MFA_REQUIRED_ROLES))


def user_mfa_enabled(user) -> bool:
    """Has the user a TOTP authenticator (cached on the user object for the request)?"""
    cached = getattr(user, "_mfa_enabled_cache", None)
    if cached is None:
        cached = Authenticator.objects.filter(user_id=user.pk, type=Authenticator.Type.TOTP).exists()
        user._mfa_enabled_cache = cached
    return cached


def user_totp_activate(*, user, secret: str) -> None:
    """Give a user TOTP with a known secret and a set of recovery codes, without the page's flow.

    For seeding the demo and for tests only: a person sets TOTP up on the page, scanning a secret
    they never share. Idempotent."""
    if Authenticator.objects.filter(user_id=user.pk, type=Authenticator.Type.TOTP).exists():
        return
    TOTP.activate(user, secret)
    if not Authenticator.objects.filter(user_id=user.pk, type=Authenticator.Type.RECOVERY_CODES).exists():
        RecoveryCodes.activate(user)
    user._mfa_enabled_cache = True


def totp_code_now(secret: str) -> str:
    """The code an authenticator app shows now for this secret (demo and tests)."""
    import time

    from allauth.mfa import app_settings
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    return format_hotp_value(hotp_value(secret, int(time.time()) // app_settings.TOTP_PERIOD))
