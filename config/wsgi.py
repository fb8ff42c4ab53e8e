import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
application = get_wsgi_application()


def _warm() -> None:
    """Import every view (the URLconf) now, not on the first request of each worker: gunicorn loads this
    module once before forking its workers (preload_app), so they start with them, where otherwise each
    worker's first request waited seconds (the SBOM libraries alone take most of that) and every worker
    recycled after GUNICORN_MAX_REQUESTS paid it again. Nothing else is touched (no language is activated)."""
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018


_warm()
