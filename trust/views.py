"""Liveness and readiness, for load balancers and operators (outside /api/v1/, JSON, no login).

/healthz: the process answers (touches nothing else). /readyz: the database, Redis, a live worker
for every queue, and the age of the oldest undelivered outbox message. The database down is an
outage (503); anything else is a degraded mode (200, "status": "degraded", reads keep working and
writes wait in the outbox), unless `?strict=1` asks for 503 on that too.
"""

import time

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .selectors import outbox_summary
from .workers import live_workers

QUEUES = ("celery", "checks", "documents")


class NotReady(Exception):
    """A check that ran and found a problem (as opposed to one that could not run)."""


def _timed(fn) -> dict:
    started = time.monotonic()
    try:
        result = fn() or {}
        return {"ok": True, **result, "ms": round((time.monotonic() - started) * 1000, 1)}
    except Exception as exc:
        error = str(exc) if isinstance(exc, NotReady) else f"{type(exc).__name__}: {exc}"
        return {"ok": False, "error": error[:300],
                "ms": round((time.monotonic() - started) * 1000, 1)}


def _database() -> dict:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return {}


def _redis() -> dict:
    import redis

    client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1)
    try:
        client.ping()
    finally:
        client.close()
    return {}


def _workers() -> dict:
    workers = live_workers()
    queues = sorted({q for w in workers for q in (w.queues or [])})
    missing = [q for q in QUEUES if q not in queues]
    if not workers or missing:
        raise NotReady(f"no live worker consumes: {', '.join(missing or QUEUES)}")
    return {"live": len(workers), "queues": queues}


def _outbox() -> dict:
    summary = outbox_summary()
    age = summary.oldest_pending_age
    report = {"pending": summary.pending, "failed": summary.failed, "oldest_pending_seconds": age and round(age, 1)}
    if age is not None and age > settings.OUTBOX_OVERDUE_SECONDS:
        raise NotReady(f"the oldest undelivered message waits for {age:.0f} s")
    return report


@never_cache
@require_GET
def healthz(request):
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def readyz(request):
    checks = {"database": _timed(_database)}
    embedded = not settings.REDIS_URL
    checks["redis"] = {"ok": True, "mode": "embedded"} if embedded else _timed(_redis)
    if checks["database"]["ok"]:
        checks["workers"] = {"ok": True, "mode": "in-process"} if embedded else _timed(_workers)
        checks["outbox"] = _timed(_outbox)
    if not checks["database"]["ok"]:
        status = "unavailable"
    elif all(check["ok"] for check in checks.values()):
        status = "ok"
    else:
        status = "degraded"
    strict = request.GET.get("strict") in ("1", "true", "yes")
    code = 503 if status == "unavailable" or (strict and status == "degraded") else 200
    response = JsonResponse({"status": status, "checks": checks}, status=code)
    if code == 503:
        response["Retry-After"] = "10"
    return response
