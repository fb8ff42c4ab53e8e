"""The one place that enforces the multi-factor policy of accounts.mfa on every request."""

from functools import cache

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.models import AnonymousUser
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from .mfa import user_mfa_enabled, user_mfa_required


@cache
def _open_paths() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Path prefixes open to someone who still has to set up TOTP, and the exceptions among them."""
    account_root = reverse("account_login").rsplit("login/", 1)[0]  # /accounts/
    opened = (account_root, reverse("set_language").rsplit("setlang/", 1)[0], settings.STATIC_URL,
              reverse("registry:privacy_notice"))
    # an API token would let them work without the second factor
    closed = (reverse("registry:api_tokens"),)
    return opened, closed


class MfaRequiredMiddleware:
    """Until someone who must use two factors has set up TOTP, every page but their account's
    (where they set it up) sends them to the setup, and their session counts for nothing in the API.

    Deny by default: a new desk or admin page is covered without being listed anywhere."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and user_mfa_required(user) and not user_mfa_enabled(user):
            path = request.path_info
            if path.startswith("/api/"):
                # public API answers still work; anything needing a session answers 401
                request.user = AnonymousUser()
            else:
                opened, closed = _open_paths()
                if not path.startswith(opened) or path.startswith(closed):
                    messages.warning(request, _(
                        "Your role requires two-factor authentication. Set up an authenticator app to continue."))
                    return redirect("mfa_activate_totp")
        return self.get_response(request)
