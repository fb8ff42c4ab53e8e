"""A person's own account: API tokens, security events, and closing the account (Decree 13/2023).

These write the audit log and touch vendor memberships, so they sit here, above trust, like
`user_create` and `vendor_register`; the account models and the sign-in policy stay in accounts.
"""

import datetime

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.usersessions.models import UserSession
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.choices import TOKEN_LIFETIMES, Role, TokenRevocation
from accounts.models import ApiToken
from accounts.roles import user_roles
from accounts.tokens import PREFIX_LENGTH, api_token_key_hash, api_token_key_new
from config.errors import ApplicationError, PermissionDeniedError, TransitionNotAllowed
from registry.models import VendorMembership
from trust.services import audit_append

OPERATOR_TOKEN_DAYS = 365
# Roles whose departure the certification body must know about to reassign work.
BODY_ROLES = {Role.EVALUATOR, Role.CERTIFIER, Role.STAFF}


def _token_snapshot(token: ApiToken) -> dict:
    return {"name": token.name, "prefix": token.prefix, "expires_at": token.expires_at,
            "revoked_at": token.revoked_at, "revoked_reason": token.revoked_reason}


# API tokens ------------------------------------------------------------------------------------

def api_token_issue(*, user, actor, name: str, lifetime_days: int) -> tuple[ApiToken, str]:
    """Make a token for `user` and return it with its key, which is stored only as a hash and so can
    be shown this once. `actor` is the user themselves (the page) or None (the operator's command)."""
    name = (name or "").strip()
    errors = {}
    if not name:
        errors["name"] = [str(_("Give the token a name, so you can tell it apart later."))]
    elif len(name) > 100:
        errors["name"] = [str(_("At most 100 characters."))]
    allowed = TOKEN_LIFETIMES if actor is not None else [*TOKEN_LIFETIMES, OPERATOR_TOKEN_DAYS]
    if lifetime_days not in allowed:
        errors["lifetime_days"] = [str(_("Choose one of the offered lifetimes."))]
    if errors:
        raise ApplicationError(_("The token could not be made; see the marked fields."), details=errors)
    if not user.is_active:
        raise ApplicationError(_("This account is closed."), code="inactive")
    now = timezone.now()
    with transaction.atomic():
        # lock the user row so two requests cannot both pass the limit
        get_user_model().objects.select_for_update().filter(pk=user.pk).first()
        active = ApiToken.objects.filter(user=user, revoked_at__isnull=True, expires_at__gt=now).count()
        if active >= settings.API_TOKEN_MAX_ACTIVE:
            raise ApplicationError(
                _("You already have %(count)d active tokens. Revoke one you no longer use first.")
                % {"count": active}, code="too_many_tokens")
        key = api_token_key_new()
        token = ApiToken.objects.create(user=user, name=name, prefix=key[:PREFIX_LENGTH], created_at=now,
                                        key_hash=api_token_key_hash(key),
                                        expires_at=now + datetime.timedelta(days=lifetime_days))
        # never the key itself
        audit_append(actor=actor or "manage.py issue_api_token", action="api_token.issue", obj=token,
                     after=_token_snapshot(token), data={"user": user.pk})
    return token, key


def api_token_revoke(*, token: ApiToken, actor, reason: str = TokenRevocation.OWNER) -> ApiToken:
    """Revoke one token; only its owner may, and a revoked token stays revoked."""
    if actor is not None and getattr(actor, "pk", None) != token.user_id:
        raise PermissionDeniedError(_("Only the owner of a token may revoke it."))
    with transaction.atomic():
        token = ApiToken.objects.select_for_update().get(pk=token.pk)
        if token.revoked_at is not None:
            raise TransitionNotAllowed(_("This token is already revoked."))
        before = _token_snapshot(token)
        token.revoked_at = timezone.now()
        token.revoked_reason = reason
        token.save(update_fields=["revoked_at", "revoked_reason"])
        audit_append(actor=actor, action="api_token.revoke", obj=token, before=before, after=_token_snapshot(token))
    return token


def user_api_tokens_revoke(*, user, actor, reason: str) -> int:
    """Revoke every token of a user that is not revoked yet (expired ones too: nothing may revive them)."""
    with transaction.atomic():
        tokens = list(ApiToken.objects.select_for_update().filter(user_id=user.pk, revoked_at__isnull=True))
        if not tokens:
            return 0
        now = timezone.now()
        ApiToken.objects.filter(pk__in=[t.pk for t in tokens]).update(revoked_at=now, revoked_reason=reason)
        audit_append(actor=actor, action="api_token.revoke_all", obj=user,
                     data={"reason": reason, "tokens": [t.prefix for t in tokens]})
    return len(tokens)


class PasswordChangeRevokesTokens:
    """Listed in AUTH_PASSWORD_VALIDATORS only for its hook: Django calls `password_changed` after any
    password change that goes through set_password() and save() (allauth's pages, the admin,
    `changepassword`, a reset), and a new password must end every API token made under the old one."""

    def validate(self, password, user=None) -> None:
        return None

    def get_help_text(self) -> str:
        return ""

    def password_changed(self, password, user=None) -> None:
        if user is not None and user.pk:
            user_api_tokens_revoke(user=user, actor=user, reason=TokenRevocation.PASSWORD_CHANGED)


# Security events from allauth's flows ---------------------------------------------------------

def account_event_record(*, user, action: str, data: dict | None = None) -> None:
    """Audit a security event of a person's own account (password, second factor, sessions)."""
    with transaction.atomic():
        audit_append(actor=user, action=action, obj=user, data=data or {})


# Closing an account (Decree 13/2023: erasure without breaking the audit trail) -----------------

def user_pseudonym(user) -> str:
    return f"deleted-user-{user.pk}@deleted.invalid"


def user_delete(*, user, password: str, actor) -> dict:
    """Close the account of `user` at their own request, after they re-entered their password.

    The row stays (audit entries, events and assignments point at it) but everything that names the
    person goes: e-mail and name are replaced by a pseudonym, the password becomes unusable (which
    also ends every session), addresses, second factors, sessions and sign-in records are deleted,
    tokens are revoked, roles and the vendor membership end. Audit entries are left exactly as they
    are, so the hash chain still verifies; the deletion itself is audited under the pseudonym.
    The company of a vendor member stays with its products and certificates: it belongs to the
    company, not the person. Staff are told when the last member of a company leaves or someone of
    the certification body does, so work can be reassigned."""
    if actor is None or actor.pk != user.pk:
        raise PermissionDeniedError(_("Only the account holder may close their account here."))
    user_model = get_user_model()
    with transaction.atomic():
        user = user_model.objects.select_for_update().get(pk=user.pk)
        if not user.is_active:
            raise TransitionNotAllowed(_("This account is already closed."))
        if not password or not user.check_password(password):
            message = _("The password is not correct.")
            raise ApplicationError(message, code="invalid_password", details={"password": [str(message)]})
        email = user.email
        roles = sorted(user_roles(user))
        membership = VendorMembership.objects.select_related("vendor").filter(user=user).first()
        vendor, last_member = None, False
        if membership is not None:
            vendor = membership.vendor
            last_member = not VendorMembership.objects.filter(vendor=vendor).exclude(user=user).exists()
            membership.delete()
            audit_append(actor=user, action="vendor.member_remove", obj=vendor,
                         data={"user": user.pk, "reason": "account_deleted", "last_member": last_member})
        tokens = user_api_tokens_revoke(user=user, actor=user, reason=TokenRevocation.ACCOUNT_DELETED)
        session_keys = list(UserSession.objects.filter(user=user).values_list("session_key", flat=True))
        Session.objects.filter(session_key__in=session_keys).delete()
        UserSession.objects.filter(user=user).delete()
        EmailAddress.objects.filter(user=user).delete()
        Authenticator.objects.filter(user=user).delete()
        # watchlists are the person's (their webhooks would otherwise keep sending)
        from registry.models import Watchlist

        watchlists, _deleted = Watchlist.objects.filter(owner=user).delete()
        for model in (AccessAttempt, AccessFailureLog, AccessLog):
            model.objects.filter(username__iexact=email).delete()
        user.groups.clear()
        user.user_permissions.clear()
        user.email = user_pseudonym(user)
        user.full_name = ""
        user.is_active = user.is_staff = user.is_superuser = False
        user.last_login = None
        user.set_unusable_password()
        user.save()
        user._role_cache = set()
        audit_append(actor=user, action="user.delete", obj=user,
                     before={"roles": roles, "vendor": vendor.pk if vendor else None},
                     after={"email": user.email, "is_active": False},
                     data={"tokens_revoked": tokens, "sessions_ended": len(session_keys),
                           "last_vendor_member": last_member, "watchlist_rows_deleted": watchlists})
        if last_member or set(roles) & BODY_ROLES:
            context = {"user_id": user.pk, "roles": roles,
                       "vendor": vendor.legal_name if vendor else "", "tax_code": vendor.tax_code if vendor else "",
                       "last_member": last_member}
            _staff_notify_account_deleted(context=context)
    return {"tokens_revoked": tokens, "sessions_ended": len(session_keys), "last_vendor_member": last_member}


def _staff_notify_account_deleted(*, context: dict) -> None:
    """Staff are told through the outbox, in the transaction of the deletion."""
    from trust.emails import email_enqueue

    staff_ids = list(get_user_model().objects.filter(groups__name=Role.STAFF, is_active=True)
                     .values_list("pk", flat=True))
    email_enqueue(template="account_deleted_staff", context=context, key=f"account_deleted:user={context['user_id']}",
                  user_ids=staff_ids, addresses=list(settings.STAFF_NOTIFICATION_EMAILS))


# allauth tells of its security events only by signals; each becomes one audit entry.
_ACCOUNT_SIGNALS = {
    "password_changed": "user.password_change",
    "password_set": "user.password_set",
    "password_reset": "user.password_reset",
}
_MFA_SIGNALS = {
    "authenticator_added": "mfa.add",
    "authenticator_removed": "mfa.remove",
    "authenticator_reset": "mfa.reset",
}


def account_signals_connect() -> None:
    from allauth.account import signals as account_signals
    from allauth.mfa import signals as mfa_signals

    def receiver_for(action: str, *, mfa: bool):
        def receiver(sender, request=None, user=None, authenticator=None, **kwargs):
            data = {"type": authenticator.type} if mfa and authenticator is not None else {}
            account_event_record(user=user, action=action, data=data)
        return receiver

    for name, action in _ACCOUNT_SIGNALS.items():
        getattr(account_signals, name).connect(receiver_for(action, mfa=False), weak=False,
                                               dispatch_uid=f"registry.audit.{name}")
    for name, action in _MFA_SIGNALS.items():
        getattr(mfa_signals, name).connect(receiver_for(action, mfa=True), weak=False,
                                           dispatch_uid=f"registry.audit.{name}")

    def email_confirmed(sender, request=None, email_address=None, **kwargs):
        account_event_record(user=email_address.user, action="user.email_confirm")

    account_signals.email_confirmed.connect(email_confirmed, weak=False, dispatch_uid="registry.audit.email_confirmed")
