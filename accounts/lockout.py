"""Lockout after repeated failures (django-axes), for sign-in pages and API tokens alike.

A failed password or second-factor code counts against the account and against the address; an
unknown API token counts against the address only (there is no account to name). While either is
over AXES_FAILURE_LIMIT within AXES_COOLOFF_TIME, the page answers 429 with a message saying how
long to wait, and the API answers 429 in its error format with Retry-After.
"""

import math

from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_cool_off
from django.contrib.auth.signals import user_login_failed
from django.shortcuts import render

API_TOKEN_CREDENTIAL = "api_token"


def lockout_username(request, credentials) -> str | None:
    """The account an attempt was for: allauth passes `email`, Django's forms `username`."""
    credentials = credentials or {}
    if credentials.get(API_TOKEN_CREDENTIAL):
        return None
    value = credentials.get("email") or credentials.get("username") or credentials.get("login")
    if value is None and request is not None and request.method == "POST":
        value = request.POST.get("login") or request.POST.get("username")
    return value.strip().lower() if isinstance(value, str) and value.strip() else None


def lockout_parameters(request_or_attempt, credentials) -> list:
    if (credentials or {}).get(API_TOKEN_CREDENTIAL):
        return ["ip_address"]
    return ["username", "ip_address"]


def lockout_seconds(request=None) -> int:
    cool_off = get_cool_off(request)
    return max(int(math.ceil(cool_off.total_seconds())), 1) if cool_off else 3600


def lockout_response(request, original_response=None, credentials=None):
    seconds = lockout_seconds(request)
    response = render(request, "account/lockout.html", {"minutes": max(seconds // 60, 1)}, status=429)
    response["Retry-After"] = str(seconds)
    return response


def sign_in_allowed(request, *, email: str) -> bool:
    return AxesProxyHandler.is_allowed(request, {"username": email})


def sign_in_failed(request, *, email: str) -> None:
    """Count a failed step that Django's authenticate() did not see (a wrong second-factor code)."""
    user_login_failed.send(sender=__name__, credentials={"username": email}, request=request)


def api_address_allowed(request) -> bool:
    return AxesProxyHandler.is_allowed(request, {API_TOKEN_CREDENTIAL: True})


def api_token_failed(request) -> bool:
    """Count an unknown API token against the address; True when the address is now locked out."""
    credentials = {API_TOKEN_CREDENTIAL: True}
    AxesProxyHandler.user_login_failed(sender=__name__, credentials=credentials, request=request)
    locked = bool(getattr(request, "axes_locked_out", False))
    # the API answers in its own format, not with the lockout page the middleware would render
    request.axes_locked_out = False
    return locked
