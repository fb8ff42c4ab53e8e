"""Site-wide views: the error handlers (the API's error format under /api/, HTML pages elsewhere),
the CSRF failure view, the throttle answer of pages, and /.well-known/security.txt (RFC 9116)."""

import datetime
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django.views import defaults
from django.views.decorators.http import require_safe

from config.api.errors import _DRF_CODES, error_body

# What each status says in the API's error format when Django, not a view, answered.
STATUS_MESSAGES = {
    400: _("The request is not valid."),
    401: _("No valid token or session."),
    403: _("You may not do this."),
    404: _("Not found."),
    405: _("This method is not allowed here."),
    406: _("The requested response format is not available."),
    413: _("The request is larger than the limit."),
    415: _("This type of content is not accepted here."),
    429: _("Too many requests."),
    500: _("The server could not complete the request. Please try again later."),
}
_PASSED_HEADERS = ("Allow", "Retry-After", "WWW-Authenticate")


def is_api(request) -> bool:
    return request.path_info.startswith("/api/")


def api_error_response(request, status: int, *, code: str = "", message=None, details=None,
                       headers=None) -> JsonResponse:
    """An answer in the API's error format, in the caller's language (Accept-Language under /api/)."""
    language = getattr(request, "LANGUAGE_CODE", None) or translation.get_language_from_request(request)
    with translation.override(language):
        body = error_body(code or _DRF_CODES.get(status, "server_error" if status >= 500 else "error"),
                          message or STATUS_MESSAGES.get(status, STATUS_MESSAGES[500 if status >= 500 else 400]),
                          details)
    response = JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def api_error_from(request, response) -> JsonResponse:
    """The same answer as `response` (status and the headers a client needs), in the error format."""
    headers = {name: response[name] for name in _PASSED_HEADERS if response.has_header(name)}
    return api_error_response(request, response.status_code, headers=headers)


# Handlers (config/urls.py) ---------------------------------------------------------------------

def bad_request(request, exception=None):
    too_big = isinstance(exception, RequestDataTooBig)
    if is_api(request):
        if too_big:
            limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
            return api_error_response(request, 413, code="too_large", details={"limit": limit}, message=_(
                "The request body is larger than the limit of %(mb)s MB.") % {"mb": max(limit // (1024 * 1024), 1)})
        return api_error_response(request, 400)
    if too_big:
        return render(request, "413.html", status=413)
    return defaults.bad_request(request, exception)


def permission_denied(request, exception=None):
    if is_api(request):
        return api_error_response(request, 403)
    return defaults.permission_denied(request, exception)


def page_not_found(request, exception=None):
    if is_api(request):
        return api_error_response(request, 404)
    return defaults.page_not_found(request, exception)


def server_error(request):
    if is_api(request):
        return api_error_response(request, 500)
    return defaults.server_error(request)


def csrf_failure(request, reason: str = ""):
    """CSRF_FAILURE_VIEW: under /api/ a 403 in the error format that says what to do; pages as Django."""
    if is_api(request):
        return api_error_response(request, 403, code="csrf_failed", message=_(
            "The request was refused because its CSRF token is missing or wrong. Reload the page and try "
            "again, or call the API with a token."))
    from config.submissions import csrf_failure_page

    return csrf_failure_page(request, reason=reason)


def too_many_requests(request, *, wait: int) -> HttpResponse:
    """What a throttled page answers: 429 with Retry-After, in the page's language."""
    response = render(request, "429.html", {"wait": wait}, status=429)
    response["Retry-After"] = str(wait)
    return response


# security.txt ----------------------------------------------------------------------------------

SECURITY_TXT_VALIDITY = datetime.timedelta(days=180)


@require_safe
def security_txt(request) -> HttpResponse:
    """RFC 9116: whom to tell about a vulnerability, in which languages, under which policy."""
    base = settings.SITE_URL
    contact = settings.SECURITY_CONTACT or f"mailto:security@{urlsplit(base).hostname or 'localhost'}"
    # Renewed as long as the site runs; RFC 9116 asks for less than a year ahead.
    expires = (timezone.now() + SECURITY_TXT_VALIDITY).replace(hour=0, minute=0, second=0, microsecond=0)
    lines = [
        f"Contact: {contact}",
        f"Expires: {expires.astimezone(datetime.UTC):%Y-%m-%dT%H:%M:%SZ}",
        "Preferred-Languages: vi, en",
        f"Canonical: {base}/.well-known/security.txt",
        f"Policy: {settings.SECURITY_POLICY_URL or base + '/security/'}",
    ]
    response = HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")
    response["Cache-Control"] = "public, max-age=86400"
    return response


@require_safe
def security_policy(request):
    """The vulnerability disclosure policy that security.txt points to."""
    return render(request, "security_policy.html", {"security_txt_contact": settings.SECURITY_CONTACT or
                                                     f"security@{urlsplit(settings.SITE_URL).hostname}"})
