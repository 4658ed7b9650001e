"""A small cache: Redis when ``REDIS_URL`` is set, in-process memory otherwise.

Values are JSON. Groups of keys are invalidated together by bumping a namespace
version (``invalidate("catalogue")``) instead of hunting keys down.
"""

from __future__ import annotations

import json
import threading
import time
from collections import OrderedDict

from flask import current_app

from lms_core.extensions import redis_connection


class MemoryCache:
    def __init__(self):
        self._data: dict[str, tuple[float | None, str]] = {}
        self._lock = threading.Lock()

    def get(self, key):
        item = self._data.get(key)
        if item is None:
            return None
        expires, value = item
        if expires is not None and expires < time.monotonic():
            self._data.pop(key, None)
            return None
        return value

    def set(self, key, value, ttl=None):
        self._data[key] = (time.monotonic() + ttl if ttl else None, value)

    def delete(self, key):
        self._data.pop(key, None)

    def incr(self, key, ttl=None):
        with self._lock:
            current = int(self.get(key) or 0) + 1
            expires = self._data.get(key, (None,))[0]
            if expires is None and ttl:
                expires = time.monotonic() + ttl
            self._data[key] = (expires, str(current))
            return current

    def clear(self):
        self._data.clear()


class LruCache:
    """In this process: at most ``size`` values, the least recently used dropped first."""

    def __init__(self, size: int):
        self.size = size
        self._data: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            value = self._data.get(key)
            if value is not None:
                self._data.move_to_end(key)
            return value

    def put(self, key, value) -> None:
        with self._lock:
            self._data[key] = value
            self._data.move_to_end(key)
            while len(self._data) > self.size:
                self._data.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()


class RedisCache:
    """A cache must never take a page down: while Redis is unreachable (a restart, a
    failover) reads miss, writes are dropped and counters count nothing."""

    def __init__(self, redis, prefix="lms:cache:"):
        self.redis = redis
        self.prefix = prefix

    def get(self, key):
        with _redis_outage():
            value = self.redis.get(self.prefix + key)
            return value.decode() if value is not None else None

    def set(self, key, value, ttl=None):
        with _redis_outage():
            self.redis.set(self.prefix + key, value, ex=ttl)

    def delete(self, key):
        with _redis_outage():
            self.redis.delete(self.prefix + key)

    def incr(self, key, ttl=None):
        with _redis_outage():
            pipe = self.redis.pipeline()
            pipe.incr(self.prefix + key)
            if ttl:
                pipe.expire(self.prefix + key, ttl, nx=True)
            return pipe.execute()[0]
        return 0

    def clear(self):
        for key in self.redis.scan_iter(self.prefix + "*"):
            self.redis.delete(key)


class _redis_outage:
    """Swallow (and log) a Redis connection failure inside a cache call."""

    def __enter__(self):
        return self

    def __exit__(self, kind, exc, tb):
        from redis.exceptions import ConnectionError, TimeoutError

        if kind is not None and issubclass(kind, (ConnectionError, TimeoutError)):
            import logging

            logging.getLogger("lms.cache").warning("Redis is unreachable, cache skipped: %s", exc)
            return True
        return False


def init_cache(app):
    if app.config.get("REDIS_URL"):
        backend = RedisCache(redis_connection(app))
    else:
        backend = MemoryCache()
    app.extensions["lms_cache"] = backend


def backend():
    return current_app.extensions["lms_cache"]


def _namespace_key(namespace: str, key: str) -> str:
    version = backend().get(f"ns:{namespace}") or "0"
    return f"{namespace}:{version}:{key}"


def get_or_compute(namespace: str, key: str, compute, ttl: int | None = None):
    """The cached JSON value, computed and stored on a miss."""
    full_key = _namespace_key(namespace, key)
    raw = backend().get(full_key)
    if raw is not None:
        return json.loads(raw)
    value = compute()
    backend().set(full_key, json.dumps(value, default=str), ttl or current_app.config["LMS_CACHE_TTL"])
    return value


DECODED_ENTRIES = 64  # per process: the big values read on every page view (the catalogue)


def get_or_compute_shared(namespace: str, key: str, compute, ttl: int | None = None):
    """``get_or_compute`` for a big value read on every page view: decoded once per
    process for each JSON text stored (while the stored text is the same, its readers
    share one decoded value) instead of on every call. Readers must not change it."""
    full_key = _namespace_key(namespace, key)
    raw = backend().get(full_key)
    if raw is None:
        raw = json.dumps(compute(), default=str)
        backend().set(full_key, raw, ttl or current_app.config["LMS_CACHE_TTL"])
    decoded = current_app.extensions.get("lms_cache_decoded")
    if decoded is None:
        decoded = current_app.extensions.setdefault("lms_cache_decoded", LruCache(DECODED_ENTRIES))
    hit = decoded.get(full_key)
    if hit is not None and (hit[0] is raw or hit[0] == raw):
        return hit[1]
    value = json.loads(raw)
    decoded.put(full_key, (raw, value))
    return value


def invalidate(namespace: str) -> None:
    """Forget every key of a namespace, in every process sharing the backend."""
    backend().incr(f"ns:{namespace}")


def increment(key: str, ttl: int) -> int:
    """A counter that expires ``ttl`` seconds after its first increment."""
    return backend().incr(f"counter:{key}", ttl)


def read_counter(key: str) -> int:
    return int(backend().get(f"counter:{key}") or 0)


def reset_counter(key: str) -> None:
    backend().delete(f"counter:{key}")
