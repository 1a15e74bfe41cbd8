"""Caching of the public register's data (never of whole pages: those carry a CSRF token).

Every key includes a version that each certificate change raises after its commit, so the
register, the open data and the seal follow a change at once. With several web processes the
cache must be shared (``CACHE_URL=redis://…``, as docker-compose sets it), or each process would
keep its own version.
"""
import hashlib
import time

from django.core.cache import cache
from django.db import transaction

VERSION_KEY = "register:version"
TIMEOUT = 600


def version() -> int:
    current = cache.get(VERSION_KEY)
    if current is None:
        cache.add(VERSION_KEY, time.time_ns(), None)
        current = cache.get(VERSION_KEY) or 0
    return current


def bump() -> None:
    try:
        cache.incr(VERSION_KEY)
    except ValueError:
        cache.set(VERSION_KEY, time.time_ns(), None)


def bump_after_commit() -> None:
    transaction.on_commit(bump)


def get_or_build(parts: tuple, build, timeout: int = TIMEOUT):
    # Visitors' search words end up in the key: hash them (any backend accepts the result).
    digest = hashlib.sha256(":".join(str(p) for p in parts).encode()).hexdigest()
    key = f"register:{version()}:{digest}"
    value = cache.get(key)
    if value is None:
        value = build()
        cache.set(key, value, timeout)
    return value
