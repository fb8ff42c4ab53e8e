from django.conf import settings
from django.core.exceptions import BadRequest
from django.middleware.locale import LocaleMiddleware


class VietnameseFirstLocaleMiddleware(LocaleMiddleware):
    """Pages open in Vietnamese unless the visitor chose a language (cookie or URL).

    Many Vietnamese readers run browsers set to English, so the browser's Accept-Language is
    honoured only by the API, where clients set it on purpose.
    """

    def process_request(self, request):
        if not request.path.startswith("/api/"):
            request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        super().process_request(request)


class ApiErrorFormatMiddleware:
    """Under /api/, every error answer is in the API's error format, also those Django gives itself
    (a 405 of a plain view, a CSRF failure, a handler's page). Outermost, so it sees them all."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code < 400 or not request.path_info.startswith("/api/"):
            return response
        if response.get("Content-Type", "").startswith("application/json") or getattr(response, "streaming", False):
            return response
        if settings.DEBUG and response.status_code >= 500:
            return response  # the developer's traceback page
        from config.views import api_error_from

        return api_error_from(request, response)


class BadInputMiddleware:
    """A NUL in the path or the query cannot be stored or looked up in PostgreSQL: refuse it as 400 at
    the door, so no view or converter has to."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        query = request.META.get("QUERY_STRING", "")
        if "\x00" in request.path_info or "%00" in query or "\x00" in query:
            raise BadRequest("NUL in the request line")
        return self.get_response(request)
