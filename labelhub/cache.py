"""Django's Redis cache, keeping one client object per connection pool; and process-local figures.

Django's RedisCacheClient builds a new `redis.Redis` for every cache call; its constructor copies the
library's ~200 response callbacks, which cost more than the Redis round trip itself on the annotator hot path
(a session read and a cached figure on every request). A `redis.Redis` is safe to share between threads: each
command borrows a connection from the pool.
"""

import time
from collections.abc import Callable

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient


class ReusingClient(RedisCacheClient):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, object] = {}

    def get_client(self, key=None, *, write: bool = False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params) -> None:
        super().__init__(server, params)
        self._class = ReusingClient

    def clear(self) -> bool:
        _LOCAL.clear()
        return super().clear()


# --- process-local figures ---------------------------------------------------------------------------------------

_LOCAL: dict[str, tuple[float, object]] = {}
_LOCAL_MAX_KEYS = 10_000


def local_figure(key: str, seconds: float, compute: Callable[[], object]) -> object:
    """A slowly-moving figure (a project's median time per label, a tenant's billing suspension) kept in this
    process for `seconds`: the hot path reads it on every request, and even a Redis round trip costs more than
    the request's own work. Each process recomputes it at most once per period. `cache.clear()` forgets it too."""
    now = time.monotonic()
    hit = _LOCAL.get(key)
    if hit is not None and hit[0] > now:
        return hit[1]
    value = compute()
    if len(_LOCAL) >= _LOCAL_MAX_KEYS:
        _LOCAL.clear()
    _LOCAL[key] = (now + seconds, value)
    return value
