"""A Redis cache that degrades instead of answering 500 when Redis is down.

Only allauth uses the cache (its login rate limits, the used-TOTP-code marks that refuse a
replayed code, and the SAML metadata cache). With Django's own ``RedisCache`` a stopped Redis made
every login answer 500. :class:`ResilientRedisCache` catches Redis connection errors and carries
on with a per-process local-memory cache for a few seconds before it tries Redis again:

* rate limits keep working, per process instead of across processes, while Redis is down;
* a TOTP code is still refused when replayed to the same process (a replay to another process
  within the code's 90 seconds is the gap, bounded by the outage);
* django-axes' lockout after repeated failed logins lives in the database, not the cache, so it
  is unaffected.

Nothing the portal needs to be correct is kept in the cache (sessions are in the database).
"""

from __future__ import annotations

import logging
import time

from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

RETRY_AFTER = 5.0  # seconds without trying Redis after it failed


class ResilientRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._fallback = LocMemCache(f"resilient-{id(self)}", {"TIMEOUT": params.get("TIMEOUT", 300)})
        self._down_until = 0.0

    def _call(self, name, *args, **kwargs):
        if time.monotonic() >= self._down_until:
            try:
                return getattr(super(), name)(*args, **kwargs)
            except RedisError as exc:
                self._down_until = time.monotonic() + RETRY_AFTER
                logger.warning("Cache unavailable (%s); using a local cache for %.0f s", exc,
                               RETRY_AFTER)
        return getattr(self._fallback, name)(*args, **kwargs)

    @property
    def degraded(self) -> bool:
        return time.monotonic() < self._down_until


def _delegate(name):
    def method(self, *args, **kwargs):
        return self._call(name, *args, **kwargs)

    method.__name__ = name
    return method


for _name in ("add", "get", "set", "touch", "delete", "get_many", "has_key", "incr", "decr",
              "set_many", "delete_many", "clear"):
    setattr(ResilientRedisCache, _name, _delegate(_name))
