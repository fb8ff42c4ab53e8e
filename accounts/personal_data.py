"""Everything held about a person, gathered for their download (Decree 13/2023, right of access).

Each app registers the sections it holds (in its AppConfig.ready), so the export names every table
that points at a person without this lowest layer importing the apps above it. A section returns
plain JSON-ready data and never a secret (password hashes, TOTP secrets, token keys or hashes).
"""

from collections.abc import Callable

from django.utils import timezone

_SECTIONS: dict[str, Callable] = {}


def personal_data_section(name: str):
    """Register `function(user) -> JSON-ready data` as section `name` of the export."""
    def register(function: Callable) -> Callable:
        _SECTIONS[name] = function
        return function
    return register


def personal_data_export(*, user) -> dict:
    return {
        "format": "vn-cyber-registry-personal-data/1",
        "exported_at": timezone.now().isoformat(),
        "user_id": user.pk,
        "sections": {name: function(user) for name, function in sorted(_SECTIONS.items())},
    }


def _iso(value):
    return value.isoformat() if value else None


def accounts_sections_register() -> None:
    from allauth.account.models import EmailAddress
    from allauth.mfa.models import Authenticator
    from allauth.usersessions.models import UserSession
    from axes.models import AccessAttempt, AccessLog

    from .models import ApiToken
    from .roles import user_roles

    @personal_data_section("account")
    def account(user):
        return {"email": user.email, "full_name": user.full_name, "preferred_language": user.preferred_language,
                "roles": sorted(user_roles(user)), "is_active": user.is_active,
                "admin_site_access": user.is_staff, "date_joined": _iso(user.date_joined),
                "last_login": _iso(user.last_login)}

    @personal_data_section("email_addresses")
    def email_addresses(user):
        return [{"email": e.email, "verified": e.verified, "primary": e.primary}
                for e in EmailAddress.objects.filter(user=user).order_by("email")]

    @personal_data_section("second_factors")
    def second_factors(user):
        return [{"type": a.type, "created_at": _iso(a.created_at), "last_used_at": _iso(a.last_used_at)}
                for a in Authenticator.objects.filter(user=user).order_by("created_at")]

    @personal_data_section("api_tokens")
    def api_tokens(user):
        return [{"name": t.name, "prefix": t.prefix, "created_at": _iso(t.created_at),
                 "expires_at": _iso(t.expires_at), "last_used_at": _iso(t.last_used_at),
                 "revoked_at": _iso(t.revoked_at), "revoked_reason": t.revoked_reason}
                for t in ApiToken.objects.filter(user=user).order_by("created_at")]

    @personal_data_section("sessions")
    def sessions(user):
        return [{"ip": s.ip, "user_agent": s.user_agent, "created_at": _iso(s.created_at),
                 "last_seen_at": _iso(s.last_seen_at)}
                for s in UserSession.objects.filter(user=user).order_by("created_at")]

    @personal_data_section("sign_in_records")
    def sign_in_records(user):
        failed = [{"ip": a.ip_address, "user_agent": a.user_agent, "failures": a.failures_since_start,
                   "last_attempt": _iso(a.attempt_time)}
                  for a in AccessAttempt.objects.filter(username__iexact=user.email).order_by("attempt_time")]
        signed_in = [{"ip": a.ip_address, "user_agent": a.user_agent, "signed_in": _iso(a.attempt_time),
                      "signed_out": _iso(a.logout_time)}
                     for a in AccessLog.objects.filter(username__iexact=user.email).order_by("attempt_time")]
        return {"failed_attempts": failed, "sign_ins": signed_in}
