"""Caching of the public registry, with exact invalidation.

One generation number (the time of the last change, in nanoseconds) is kept in the cache. Every change
to what the public sees bumps it: the registry's services and model signals call `public_cache_bump`
at once and again after the commit (so a reader that cached the old rows during the transaction is
superseded). Every cached value and every ETag is keyed by the generation (a cached page is stamped
with it and only served while it is current), so a change is visible to the next request; entries also expire after PUBLIC_CACHE_SECONDS (60 s), so even a change the
generation missed (a bulk SQL update, a cache that lost a write) is never served longer than that.

`public_page` serves anonymous GET requests of public pages and API reads from the cache whole, with
ETag and Last-Modified and 304 answers; signed-in requests are computed each time (their pages name
them), and still get an ETag (ConditionalGetMiddleware) and the cached search counts (`public_cached`).

A cache that does not answer (Redis down) only makes requests slower: nothing is cached then.
"""

import hashlib
import logging
import time
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpResponse, HttpResponseNotModified
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.http import http_date, parse_http_date_safe

logger = logging.getLogger(__name__)

GENERATION_KEY = "registry:public:generation"
_NO_CACHE = object()


def _timeout() -> int:
    return getattr(settings, "PUBLIC_CACHE_SECONDS", 60)


def public_generation() -> int | None:
    """The current generation, or None when the cache does not answer."""
    try:
        generation = cache.get(GENERATION_KEY)
        if generation is None:
            cache.add(GENERATION_KEY, time.time_ns(), None)
            generation = cache.get(GENERATION_KEY)
    except Exception:  # the cache is away: serve uncached
        logger.warning("public cache unavailable", exc_info=True)
        return None
    return generation


def _bump() -> None:
    try:
        cache.set(GENERATION_KEY, time.time_ns(), None)
    except Exception:
        logger.warning("public cache unavailable: entries expire within %s s", _timeout(), exc_info=True)


def public_cache_bump() -> None:
    """Something the public sees changed: invalidate now and again when the transaction commits."""
    _bump()
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(_bump, robust=True)


def public_cached(parts: tuple, compute, *, timeout: int | None = None):
    """`compute()` cached under the current generation and `parts` (a tuple of plain values)."""
    generation = public_generation()
    if generation is None:
        return compute()
    key = "registry:public:data:" + hashlib.sha256(repr((generation, parts)).encode()).hexdigest()
    try:
        value = cache.get(key, _NO_CACHE)
    except Exception:
        return compute()
    if value is _NO_CACHE:
        value = compute()
        try:
            cache.set(key, value, timeout or _timeout())
        except Exception:
            logger.warning("public cache unavailable", exc_info=True)
    return value


def request_is_personal(request) -> bool:
    """A request whose answer may name the caller (signed in by session or token)."""
    return (settings.SESSION_COOKIE_NAME in request.COOKIES or "HTTP_AUTHORIZATION" in request.META
            or getattr(settings, "MESSAGE_COOKIE_NAME", "messages") in request.COOKIES
            or getattr(getattr(request, "user", None), "is_authenticated", False))


def _etag(generation: int, request, language: str) -> str:
    raw = f"{generation}|{language}|{request.get_full_path()}"
    return '"p' + hashlib.sha256(raw.encode()).hexdigest()[:32] + '"'


def _not_modified(request, etag: str, last_modified: int) -> bool:
    if_none_match = request.META.get("HTTP_IF_NONE_MATCH")
    if if_none_match:
        return etag in [tag.strip().removeprefix("W/") for tag in if_none_match.split(",")] or if_none_match == "*"
    since = parse_http_date_safe(request.META.get("HTTP_IF_MODIFIED_SINCE", ""))
    return since is not None and last_modified <= since


def _validators(response, etag: str, last_modified: int, max_age: int = 0) -> None:
    response["ETag"] = etag
    response["Last-Modified"] = http_date(last_modified)
    # Clients and proxies may keep it, but must ask again (a 304 costs nothing here) before using it; a
    # status answer may be used for up to STATUS_MAX_AGE_SECONDS (ARCHITECTURE: at most 60 s) first.
    response["Cache-Control"] = f"public, max-age={max_age}, must-revalidate"
    patch_vary_headers(response, ("Cookie", "Authorization", "Accept-Language"))


_KEPT_HEADERS = ("Content-Disposition", "Content-Language", "X-Robots-Tag")


def _throttled(view_class, request) -> bool:
    """Whether an API view's throttles refuse this request (a cached answer counts like any other)."""
    if view_class is None:
        return False
    instance = view_class()
    for throttle in instance.get_throttles():
        if not throttle.allow_request(request, instance):
            return True
    return False


def public_page(view, *, status: bool = False):
    """Serve anonymous GET/HEAD requests of a public page or API read from the cache, with validators.
    `status`: the answer states a certificate's status, which clients may keep STATUS_MAX_AGE_SECONDS."""
    view_class = getattr(view, "cls", None)  # a DRF view: its throttles apply to cached answers too

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if request.method not in ("GET", "HEAD") or request_is_personal(request):
            return view(request, *args, **kwargs)
        max_age = settings.STATUS_MAX_AGE_SECONDS if status else 0
        language = translation.get_language() or settings.LANGUAGE_CODE
        # the generation and this page's entry in one round trip; the entry names the generation it was
        # made under and is only used while that generation is current
        key = "registry:public:page:" + hashlib.sha256(f"{language}|{request.get_full_path()}".encode()).hexdigest()
        try:
            found = cache.get_many([GENERATION_KEY, key])
        except Exception:
            found = {}
        generation = found.get(GENERATION_KEY) or public_generation()
        if generation is None:
            return view(request, *args, **kwargs)
        stored = found.get(key)
        if stored is not None and stored.get("generation") != generation:
            stored = None
        etag = _etag(generation, request, language)
        last_modified = generation // 1_000_000_000
        # only answers that skip the view count here: the view counts its own (and answers 429 in the API's format)
        if _not_modified(request, etag, last_modified):
            if _throttled(view_class, request):
                return view(request, *args, **kwargs)
            response = HttpResponseNotModified()
            _validators(response, etag, last_modified, max_age)
            return response
        if stored is not None and _throttled(view_class, request):
            return view(request, *args, **kwargs)
        if stored is not None:
            response = HttpResponse(stored["content"], content_type=stored["content_type"], status=stored["status"])
            for name, value in stored["headers"].items():
                response[name] = value
            _validators(response, etag, last_modified, max_age)
            return response
        response = view(request, *args, **kwargs)
        if getattr(response, "render", None) and not getattr(response, "is_rendered", True):
            response.render()
        # a page that asked for a CSRF token holds one meant for this visitor only
        personal_token = request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
        if response.status_code in (200, 404) and not response.streaming and not response.cookies \
                and not personal_token:
            _validators(response, etag, last_modified, max_age)
            stored = {"generation": generation, "content": response.content,
                      "content_type": response["Content-Type"], "status": response.status_code,
                      "headers": {h: response[h] for h in _KEPT_HEADERS if response.has_header(h)}}
            try:
                cache.set(key, stored, _timeout())
            except Exception:
                logger.warning("public cache unavailable", exc_info=True)
        return response

    return wrapped


def _changed(sender, **kwargs) -> None:
    public_cache_bump()


def public_cache_signals_connect() -> None:
    """Any saved or deleted row of what the public sees invalidates the cache (the services call
    `public_cache_bump` themselves where they write in bulk, which sends no signal)."""
    from django.apps import apps
    from django.db.models.signals import post_delete, post_save

    for label in ("registry.Vendor", "registry.Product", "registry.ProductVersion", "registry.Scheme",
                  "registry.Requirement", "registry.Certificate", "registry.CertificateEvent",
                  "registry.CertificateVersion", "registry.CertificateRecord", "registry.CertificateDocument",
                  "registry.MvnAttestation", "registry.OpenDataDump"):
        model = apps.get_model(label)
        post_save.connect(_changed, sender=model, dispatch_uid=f"public-cache-save-{label}")
        post_delete.connect(_changed, sender=model, dispatch_uid=f"public-cache-delete-{label}")
