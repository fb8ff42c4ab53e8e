"""Reads from a PostgreSQL replica, writes to the primary (DATABASE_REPLICA_URL; without it, everything is
the primary and this router changes nothing).

A read goes to the primary instead when it could see its own write otherwise: inside a transaction, after
a write in the same request or task, and for a few seconds after a browser's write (a cookie set by
ReplicaPinMiddleware), so a person who just changed something sees the change. Migrations run on the
primary only. Replication lag is normally below a second; public pages are cached at most
PUBLIC_CACHE_SECONDS anyway, so a status change is never served stale longer than that."""

import contextvars

from django.db import connections

REPLICA = "replica"
PIN_COOKIE = "db_primary"
PIN_SECONDS = 5
_pinned = contextvars.ContextVar("db_primary_pinned", default=False)


def replica_pin(value: bool = True) -> None:
    _pinned.set(value)


def replica_pinned() -> bool:
    return _pinned.get()


class PrimaryReplicaRouter:
    def db_for_read(self, model, **hints):
        if REPLICA not in connections.databases or _pinned.get() or connections["default"].in_atomic_block:
            return "default"
        return REPLICA

    def db_for_write(self, model, **hints):
        _pinned.set(True)
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == "default"


class ReplicaPinMiddleware:
    """Per request: start unpinned; a browser that wrote in the last few seconds reads from the primary;
    a request that writes (any method but GET/HEAD/OPTIONS) pins the browser for PIN_SECONDS."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _pinned.set(PIN_COOKIE in request.COOKIES)
        try:
            response = self.get_response(request)
        finally:
            _pinned.reset(token)
        if request.method not in ("GET", "HEAD", "OPTIONS") and REPLICA in connections.databases:
            response.set_cookie(PIN_COOKIE, "1", max_age=PIN_SECONDS, httponly=True, samesite="Lax")
        return response
