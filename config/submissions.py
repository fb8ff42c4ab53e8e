"""Forms sent by people: once only, and never lost to an ended session.

* A form that carries `{% submit_once %}` (accounts.templatetags.site) holds a random token; the first POST
  with it claims the token in the cache, a second one (a double click, a resend) changes nothing and is sent
  back to the page with a message. The browser script stops the second click too; this holds without it.
* A POST that arrives after the session ended (sent to the sign-in page, or refused for its CSRF token)
  keeps what was typed (never passwords, never files) in the new session; after signing in, the page the
  form was on puts it back (`restored_form`, read by static/js/site.js) and says so.
"""

import logging
import secrets
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.http import HttpResponseRedirect
from django.shortcuts import render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

FIELD = "_submit_once"
TOKEN_SECONDS = 6 * 3600  # longer than any form stays open
STASH = "form_restore"
# Never kept: secrets, and the tokens the next page issues afresh.
NEVER_KEPT = ("password", "csrfmiddlewaretoken", FIELD, "code", "secret", "token")
VALUE_MAX = 10_000
FIELDS_MAX = 100


def submit_once_token() -> str:
    return secrets.token_urlsafe(18)


def _same_site(request, url: str) -> str | None:
    """`url` as a local path when it points at this site, else None."""
    if url and url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()},
                                               require_https=request.is_secure()):
        parts = urlsplit(url)
        return parts.path + (f"?{parts.query}" if parts.query else "")
    return None


def _back(request) -> str:
    return _same_site(request, request.META.get("HTTP_REFERER", "")) or resolve_url("accounts:home")


class SubmitOnceMiddleware:
    """Refuse the second POST of one rendered form (after sessions and messages)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = request.POST.get(FIELD, "") if request.method == "POST" and not request.path_info.startswith(
            "/api/") else ""
        if token and not cache.add(f"submit-once:{token[:64]}", 1, TOKEN_SECONDS):
            messages.warning(request, _("This form was already sent, so it was not sent a second time. The page "
                                        "below shows what the first sending did."))
            return HttpResponseRedirect(_back(request), status=303)
        return self.get_response(request)


# Sessions that ended ----------------------------------------------------------------------------------------

def _kept_fields(request) -> dict[str, list[str]]:
    kept = {}
    for name in list(request.POST.keys())[:FIELDS_MAX]:
        if any(word in name.lower() for word in NEVER_KEPT):
            continue
        kept[name] = [v[:VALUE_MAX] for v in request.POST.getlist(name)[:50]]
    return kept


def form_stash(request, *, page: str) -> None:
    """Keep what this POST carried for the form on `page`, to put back after sign-in."""
    if not hasattr(request, "session"):
        return
    note = _("Your session had ended, so nothing was saved. What you typed is back in the form: check it and "
             "send it again.")
    if request.FILES:
        note += " " + _("Choose the file again: files are not kept.")
    request.session[STASH] = {"page": urlsplit(page).path, "action": request.path, "data": _kept_fields(request),
                              "note": note}


def restored_form(request) -> dict:
    """Context processor: the kept form data, once, on the page it came from."""
    session = getattr(request, "session", None)
    if session is None or request.method != "GET" or STASH not in session:
        return {}
    stash = session.get(STASH) or {}
    if stash.get("page") != request.path:
        return {}
    session.pop(STASH, None)
    return {"restored_form": stash}


class SessionExpiredMiddleware:
    """A POST by someone signed out that a page answers with the sign-in page: keep the form, and come
    back to the page it was on (not to the POST-only address) after signing in."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (request.method == "POST" and response.status_code == 302 and not request.path_info.startswith("/api/")
                and not request.user.is_authenticated):
            login = resolve_url(settings.LOGIN_URL)
            location = response.get("Location", "")
            if urlsplit(location).path == login:
                page = _back(request)
                form_stash(request, page=page)
                messages.warning(request, _("Your session has ended. Sign in again to continue: what you typed "
                                            "is kept."))
                from urllib.parse import urlencode

                response["Location"] = f"{login}?{urlencode({'next': page})}"
        return response


def csrf_failure_page(request, reason: str = ""):
    """A page's form refused for its CSRF token (open too long, or signed in again elsewhere): say so in the
    page's language, keep what was typed, and offer the way back."""
    page = _same_site(request, request.META.get("HTTP_REFERER", ""))
    if page and request.method == "POST":
        form_stash(request, page=page)
    logger.info("CSRF failure on %s: %s", request.path, reason)
    return render(request, "403_csrf.html", {"back": page}, status=403)
