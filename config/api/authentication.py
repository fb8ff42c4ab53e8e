"""Token authentication for the API: `Authorization: Token <key>` (a fixed contract).

Keys are the hashed, expiring accounts.ApiToken; an unknown key counts against the caller's address
(accounts.lockout) and, past the limit, every unknown key from that address answers 429 with
Retry-After until the cool-off ends. A real key still works from a locked-out address: guessing a
256-bit key is hopeless, so the lockout only has to stop the guessing, and one misbehaving script
behind an office's shared address must not cut off its colleagues. Listed first in DEFAULT_AUTHENTICATION_CLASSES so that DRF answers 401 with
`WWW-Authenticate: Token` (not 403) when credentials are missing or wrong.
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from accounts.lockout import api_address_allowed, api_token_failed, lockout_seconds
from accounts.tokens import api_token_check


class LockedOut(exceptions.Throttled):
    """Too many unknown tokens from this address: 429 with Retry-After, code `locked_out`."""


class TokenAuthentication(authentication.BaseAuthentication):
    keyword = "Token"

    def authenticate(self, request):
        parts = authentication.get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword.lower().encode():
            return None
        django_request = request._request
        if len(parts) != 2:
            self._failed(django_request)
            raise exceptions.AuthenticationFailed(_("Send the token as 'Authorization: Token <key>'."))
        try:
            key = parts[1].decode("ascii")
        except UnicodeDecodeError:
            key = ""
        check = api_token_check(key)
        if not check.ok:
            # expired, revoked or closed: a known client to tell clearly, not a guess to count
            if check.reason == "unknown":
                self._failed(django_request)
            raise exceptions.AuthenticationFailed(check.message)
        return check.token.user, check.token

    def _failed(self, django_request) -> None:
        if not api_address_allowed(django_request) or api_token_failed(django_request):
            raise LockedOut(wait=lockout_seconds(django_request))

    def authenticate_header(self, request) -> str:
        return self.keyword


class TokenAuthenticationScheme(OpenApiAuthenticationExtension):
    """Describes the token header in the OpenAPI document."""

    target_class = "config.api.authentication.TokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "header", "name": "Authorization",
                "description": "Token <key>: a key from the API tokens page or `manage.py issue_api_token`."}
