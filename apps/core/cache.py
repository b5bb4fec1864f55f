"""The default cache in production: Django's RedisCache, failing open while Redis is down.

What the portal keeps in the cache only counts and debounces (the log-in, registration and
API rate limits, locks that keep two rounds apart, the snapshot rebuild's debounce): losing
it for a while must let requests through, never answer them 500. So while Redis does not
answer, reads miss, writes are dropped and `add` succeeds (a limiter sees a first attempt, a
lock is taken); one warning says so when it starts and one line when Redis is back, and
Redis is not asked again for RETRY_SECONDS in between, so a request never waits on it twice.
portal/settings/database.py selects it for a CACHE_URL of redis://.
"""

from __future__ import annotations

import functools
import logging
import threading
import time

import redis
from django.core.cache.backends.redis import RedisCache

log = logging.getLogger(__name__)

RETRY_SECONDS = 5.0


class _Outage:
    def __init__(self):
        self._lock = threading.Lock()
        self.since: float | None = None
        self.retry_at = 0.0

    def skip(self) -> bool:
        return self.since is not None and time.monotonic() < self.retry_at

    def failed(self, operation: str, exc: Exception) -> None:
        with self._lock:
            now = time.monotonic()
            self.retry_at = now + RETRY_SECONDS
            if self.since is None:
                self.since = now
                log.warning(
                    "the cache is unavailable (%s: %s: %s): rate limits let requests through "
                    "and locks are not held until it answers again",
                    operation,
                    type(exc).__name__,
                    exc,
                )

    def answered(self) -> None:
        if self.since is None:
            return
        with self._lock:
            if self.since is not None:
                log.warning(
                    "the cache answers again after %.0f s: rate limits count again",
                    time.monotonic() - self.since,
                )
                self.since = None


outage = _Outage()


def _fail_open(fallback):
    """Run the operation unless the cache is known down; on any error answer `fallback(*args,
    **kwargs)` instead."""

    def wrap(method):
        @functools.wraps(method)
        def guarded(self, *args, **kwargs):
            if outage.skip():
                return fallback(*args, **kwargs)
            try:
                value = method(self, *args, **kwargs)
            except (redis.RedisError, OSError) as exc:  # refused, timed out, reset...
                outage.failed(method.__name__, exc)
                return fallback(*args, **kwargs)
            outage.answered()
            return value

        return guarded

    return wrap


def _default(key, default=None, version=None):
    return default


def _delta(key, delta=1, version=None):
    return delta


class FailOpenRedisCache(RedisCache):
    """RedisCache whose failures are misses (see the module's docstring)."""

    add = _fail_open(lambda *a, **k: True)(RedisCache.add)
    get = _fail_open(_default)(RedisCache.get)
    set = _fail_open(lambda *a, **k: None)(RedisCache.set)
    touch = _fail_open(lambda *a, **k: False)(RedisCache.touch)
    delete = _fail_open(lambda *a, **k: False)(RedisCache.delete)
    get_many = _fail_open(lambda *a, **k: {})(RedisCache.get_many)
    has_key = _fail_open(lambda *a, **k: False)(RedisCache.has_key)
    incr = _fail_open(_delta)(RedisCache.incr)
    set_many = _fail_open(lambda *a, **k: [])(RedisCache.set_many)
    delete_many = _fail_open(lambda *a, **k: None)(RedisCache.delete_many)
    clear = _fail_open(lambda *a, **k: False)(RedisCache.clear)
