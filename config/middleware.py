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
