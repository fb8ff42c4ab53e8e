"""A Redis cache that keeps the site answering while Redis is down.

Every operation goes to Redis; when Redis does not answer (connection refused, timeout), the error is
logged once, the operation is served from this process's local memory instead, and Redis is tried
again after CACHE_REDIS_RETRY_SECONDS. Throttle counters are then per process for the outage: the
limits are looser for a moment, but nobody gets an error page because a counter could not be read.
"""

import logging
import threading
import time

from django.conf import settings
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache

logger = logging.getLogger(__name__)

_OPERATIONS = ("add", "get", "set", "touch", "delete", "get_many", "has_key", "incr", "set_many",
               "delete_many", "clear", "get_or_set", "decr")


def _redis_errors() -> tuple:
    import redis

    return (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, OSError)


class ResilientRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._fallback = LocMemCache(f"resilient-fallback-{id(self)}", {"TIMEOUT": params.get("TIMEOUT", 300)})
        self._down_until = 0.0
        self._lock = threading.Lock()

    @property
    def degraded(self) -> bool:
        return time.monotonic() < self._down_until

    def _mark_down(self, exc) -> None:
        with self._lock:
            first = self._down_until == 0.0
            self._down_until = time.monotonic() + settings.CACHE_REDIS_RETRY_SECONDS
        if first:
            logger.warning("cache: Redis does not answer (%s); using local memory and trying Redis again every "
                           "%s s", exc, settings.CACHE_REDIS_RETRY_SECONDS)

    def _mark_up(self) -> None:
        if self._down_until:
            with self._lock:
                self._down_until = 0.0
            logger.warning("cache: Redis answers again; back to the shared cache")

    def _call(self, name, *args, **kwargs):
        if self.degraded:
            return getattr(self._fallback, name)(*args, **kwargs)
        try:
            result = getattr(super(), name)(*args, **kwargs)
        except _redis_errors() as exc:
            self._mark_down(exc)
            return getattr(self._fallback, name)(*args, **kwargs)
        self._mark_up()
        return result


def _wrap(name):
    def method(self, *args, **kwargs):
        return self._call(name, *args, **kwargs)

    method.__name__ = name
    return method


for _name in _OPERATIONS:
    setattr(ResilientRedisCache, _name, _wrap(_name))
