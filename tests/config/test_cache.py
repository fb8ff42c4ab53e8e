"""The Redis cache falls back to local memory while Redis is down and goes back by itself."""

import shutil
import time

import pytest

from config.cache import ResilientRedisCache
from tests.faults.harness import PrivateRedis

pytestmark = pytest.mark.redis


@pytest.fixture
def redis_server(tmp_path):
    if not shutil.which("redis-server"):
        pytest.skip("redis-server is not installed: the fallback test starts a private Redis")
    server = PrivateRedis(tmp_path)
    server.start()
    yield server
    server.stop()


def test_cache_falls_back_while_redis_is_down_and_recovers(redis_server, settings, caplog):
    import redis

    settings.CACHE_REDIS_RETRY_SECONDS = 0
    cache = ResilientRedisCache(redis_server.url(0), {"OPTIONS": {"socket_connect_timeout": 0.2,
                                                                  "socket_timeout": 0.2}})
    direct = redis.Redis.from_url(redis_server.url(0))
    cache.set("shared", 1)
    assert cache.get("shared") == 1 and direct.exists(cache.make_and_validate_key("shared"))

    redis_server.stop()
    started = time.monotonic()
    cache.set("local", 2)
    assert cache.get("local") == 2 and cache.incr("local") == 3  # served from this process's memory
    assert cache.get("shared") is None and cache.add("other", 1) is True
    assert time.monotonic() - started < 5  # short timeouts: no request waits on a dead Redis
    assert sum("Redis does not answer" in r.getMessage() for r in caplog.records) == 1

    redis_server.start()
    cache.set("back", 4)
    assert direct.exists(cache.make_and_validate_key("back"))  # in Redis again, without a restart
    assert any("answers again" in r.getMessage() for r in caplog.records)
    direct.close()


def test_cache_degraded_mode_waits_before_trying_redis_again(redis_server, settings):
    settings.CACHE_REDIS_RETRY_SECONDS = 60
    cache = ResilientRedisCache(redis_server.url(0), {})
    redis_server.stop()
    cache.set("a", 1)
    assert cache.degraded
    redis_server.start()
    cache.set("b", 2)  # still local: Redis is tried again only after the interval
    assert cache.degraded and cache.get("b") == 2
