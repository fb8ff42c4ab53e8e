"""Pages that do the same work as an API endpoint are throttled like it: the same DRF throttle classes
and rates (REST_FRAMEWORK), the same cache, the same counters, so switching between the page and the
API does not double anyone's budget."""

from functools import wraps

from rest_framework.settings import api_settings

from config.views import too_many_requests


class _ThrottledView:
    """What DRF's throttles read from a view: its scope."""

    def __init__(self, scope: str):
        self.throttle_scope = scope


def throttle_page(*, scope: str, methods: tuple[str, ...] = ("POST",)):
    """Decorate a page view: requests with one of `methods` are counted by every configured throttle
    (per address, per user and `scope`); over a limit the page answers 429 with Retry-After."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if request.method in methods:
                fake_view = _ThrottledView(scope)
                waits = []
                for throttle_class in api_settings.DEFAULT_THROTTLE_CLASSES:
                    throttle = throttle_class()
                    if not throttle.allow_request(request, fake_view):
                        waits.append(throttle.wait() or 1)
                if waits:
                    return too_many_requests(request, wait=max(1, int(max(waits) + 0.999)))
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
