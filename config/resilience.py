"""A committed request never answers 500, and a missing database or Redis answers 503, not an HTML 500.

Services record their change and its side effects (outbox rows) in one transaction; `audit_append`
marks the request as committed when that transaction commits. If anything fails after that (reading
the changed object back for the answer, say, while the database restarts), the client is told the
change was saved (202 for the API, a redirect with a notice for pages) instead of an error that would
make it try again. A failure before any commit because the database or Redis is unreachable answers
503 with Retry-After, in the API's error format under /api/.
"""

import logging
import sys
from contextvars import ContextVar

from django.core.signals import got_request_exception
from django.db import InterfaceError as DbInterfaceError
from django.db import OperationalError as DbOperationalError
from django.http import HttpResponse, HttpResponseRedirect, JsonResponse
from django.template.loader import render_to_string
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 10
_state: ContextVar[dict | None] = ContextVar("registry_request_state", default=None)


def request_commit_mark() -> None:
    """Called on commit of a transaction that changed something (see trust.services.audit_append)."""
    state = _state.get()
    if state is not None:
        state["committed"] = True


def _unavailable_errors() -> tuple:
    errors: list = [DbOperationalError, DbInterfaceError]
    try:
        import redis

        errors += [redis.exceptions.ConnectionError, redis.exceptions.TimeoutError]
    except ImportError:  # pragma: no cover
        pass
    try:
        from kombu.exceptions import OperationalError as KombuOperationalError

        errors.append(KombuOperationalError)
    except ImportError:  # pragma: no cover
        pass
    return tuple(errors)


UNAVAILABLE = _unavailable_errors()


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def committed_response(request) -> HttpResponse:
    message = _("Your change was saved, but the answer could not be prepared. Reload to see the result.")
    if _is_api(request):
        return JsonResponse({"status": "committed", "message": message}, status=202)
    try:
        from django.contrib import messages

        messages.warning(request, message)
    except Exception:  # messages need their middleware; the redirect alone still says it worked
        pass
    target = request.META.get("HTTP_REFERER", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                           require_https=request.is_secure()):
        target = request.path
    return HttpResponseRedirect(target, status=303)


def unavailable_response(request) -> HttpResponse:
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
    if _is_api(request):
        from config.api.errors import error_body

        message = _("The service is briefly unavailable. Nothing was changed; try again in a few seconds.")
        body = error_body("service_unavailable", message, {"retry_after": RETRY_AFTER_SECONDS})
        return JsonResponse(body, status=503, headers=headers)
    # Rendered without the request: context processors would ask the database for the user.
    html = render_to_string("503.html", {"retry_after": RETRY_AFTER_SECONDS})
    return HttpResponse(html, status=503, headers=headers)


def _record(sender=None, request=None, **kwargs):
    state = _state.get()
    if state is not None and state.get("exception") is None:
        state["exception"] = sys.exc_info()[1]


got_request_exception.connect(_record, dispatch_uid="registry_resilience_record")


class ResilienceMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _state.set({"committed": False, "exception": None})
        try:
            response = self.get_response(request)
            state = _state.get()
            # An exception raised outside the view (in another middleware) became a 500 on the way here.
            if response.status_code >= 500 and state["exception"] is not None and not getattr(
                    response, "_resilience", False):
                replacement = self._replacement(request, state["exception"])
                if replacement is not None:
                    response = replacement
            return response
        finally:
            _state.reset(token)

    def process_exception(self, request, exception):
        return self._replacement(request, exception)

    def _replacement(self, request, exception):
        state = _state.get() or {}
        if state.get("committed"):
            logger.error("%s %s failed after its change was committed; answered as saved", request.method,
                         request.path, exc_info=(type(exception), exception, exception.__traceback__))
            response = committed_response(request)
        elif isinstance(exception, UNAVAILABLE):
            logger.warning("%s %s: a backing service is unavailable (%s: %s); answered 503", request.method,
                           request.path, type(exception).__name__, exception)
            response = unavailable_response(request)
        else:
            return None
        response._resilience = True
        return response
