"""Counting attempts in Django's cache (shared by every web process in production: CACHE_URL)."""
import hashlib

from django.core.cache import cache


def _key(scope: str, value: str) -> str:
    # Hashed: e-mail addresses and IP addresses are not stored as such in the cache.
    return f"wi-rate:{scope}:{hashlib.sha256(value.encode()).hexdigest()[:32]}"


def hit(scope: str, value: str, *, limit: int, period: int) -> bool:
    """Count one attempt for ``value``; ``True`` while at most ``limit`` attempts were made in the
    ``period`` (seconds) since the first one."""
    key = _key(scope, value)
    if cache.add(key, 1, timeout=period):
        return limit >= 1
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=period)
        count = 1
    return count <= limit


def count(scope: str, value: str) -> int:
    return cache.get(_key(scope, value), 0)


def clear(scope: str, value: str) -> None:
    cache.delete(_key(scope, value))
