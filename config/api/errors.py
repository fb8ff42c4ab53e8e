"""One error format for the whole API: {"error": {"code", "message", "details"}}."""

from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from django.utils.encoding import force_str
from django.utils.functional import Promise
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from config.api.authentication import LockedOut
from config.errors import ApplicationError

_DRF_CODES = {
    status.HTTP_400_BAD_REQUEST: "invalid",
    status.HTTP_401_UNAUTHORIZED: "not_authenticated",
    status.HTTP_403_FORBIDDEN: "permission_denied",
    status.HTTP_404_NOT_FOUND: "not_found",
    status.HTTP_405_METHOD_NOT_ALLOWED: "method_not_allowed",
    status.HTTP_406_NOT_ACCEPTABLE: "not_acceptable",
    status.HTTP_413_REQUEST_ENTITY_TOO_LARGE: "too_large",
    status.HTTP_415_UNSUPPORTED_MEDIA_TYPE: "unsupported_media_type",
    status.HTTP_429_TOO_MANY_REQUESTS: "throttled",
}
# Exceptions whose code says more than their status does.
_EXCEPTION_CODES = {
    LockedOut: "locked_out",
    exceptions.ParseError: "parse_error",
    exceptions.AuthenticationFailed: "authentication_failed",
}
_PASSED_HEADERS = ("WWW-Authenticate", "Retry-After", "Allow")


def _message(message) -> str:
    # Services sometimes raise with a plain English string ("Not found."); translate it if we can.
    if isinstance(message, str) and not isinstance(message, Promise):
        return gettext(message) if message else message
    return force_str(message)


def error_body(code: str, message, details=None) -> dict:
    return {"error": {"code": code, "message": _message(message), "details": details or {}}}


def error_response(status_code: int, code: str, message, details=None, headers=None) -> Response:
    return Response(error_body(code, message, details), status=status_code, headers=headers)


def exception_handler(exc, context):
    if isinstance(exc, ApplicationError):
        return error_response(exc.status_code, exc.code, exc.message, exc.details)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    data = response.data
    if isinstance(exc, exceptions.ValidationError):
        message = _("The request is not valid.")
        details = data if isinstance(data, dict) else {"non_field_errors": data}
    else:
        message = data.get("detail", "") if isinstance(data, dict) else str(data)
        details = {}
        if isinstance(exc, exceptions.Throttled):
            # DRF formats the wait into its message before translating it; say it whole, translatably.
            wait = max(int(exc.wait or 0), 1)
            message = ngettext("Too many requests. Try again in %(seconds)d second.",
                               "Too many requests. Try again in %(seconds)d seconds.", wait) % {"seconds": wait}
            if isinstance(exc, LockedOut):
                message = ngettext(
                    "Too many failed attempts to authenticate from your address. Try again in %(seconds)d second.",
                    "Too many failed attempts to authenticate from your address. Try again in %(seconds)d seconds.",
                    wait) % {"seconds": wait}
            details = {"retry_after": wait}
    code = next((c for cls, c in _EXCEPTION_CODES.items() if isinstance(exc, cls)), None)
    code = code or _DRF_CODES.get(response.status_code, "error")
    headers = {k: v for k, v in response.headers.items() if k in _PASSED_HEADERS}
    return error_response(response.status_code, code, message, details, headers)


@csrf_exempt  # whatever the method, an unknown path is a 404, not a CSRF refusal
def api_not_found(request, *args, **kwargs) -> JsonResponse:
    """Catch-all for unknown paths under /api/v1/, so they too answer in the error format."""
    return JsonResponse(error_body("not_found", _("Not found.")), status=404)
