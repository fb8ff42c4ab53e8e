import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
application = get_wsgi_application()


def _warm() -> None:
    """Import every view (the URLconf) now, not on the first request of each worker: gunicorn loads this
    module once before forking its workers (preload_app), so they start with them, where otherwise each
    worker's first request waited seconds (the SBOM libraries alone take most of that) and every worker
    recycled after GUNICORN_MAX_REQUESTS paid it again. The reverse lookup tables are built per language
    too (the first reverse() in a language costs ~40 ms), each language activated only inside the loop."""
    from django.conf import settings
    from django.urls import NoReverseMatch, get_resolver, reverse
    from django.utils import translation

    get_resolver().url_patterns  # noqa: B018
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            try:
                reverse("registry:certificate_verify", args=["VN-CSP-2025-00001"])
            except NoReverseMatch:  # an API-only deployment: nothing to warm
                pass


_warm()
