"""A small fixed-window rate limit per client address, in the cache (no extra dependency).

Limits are ``"<count>/<seconds>"`` settings (``REGISTER_VERIFY_RATE``, ``REGISTER_COMPLAINT_RATE``).
The client address is ``REMOTE_ADDR``, as for django-axes: behind a proxy, let the proxy set it.
"""
import time

from django.conf import settings
from django.core.cache import cache
from django.shortcuts import render


def _rate(name: str) -> tuple[int, int]:
    count, seconds = str(getattr(settings, name)).split("/")
    return int(count), int(seconds)


def allowed(request, scope: str, setting: str) -> bool:
    limit, period = _rate(setting)
    address = request.META.get("REMOTE_ADDR", "") or "unknown"
    window = int(time.time() // period)
    key = f"ratelimit:{scope}:{address}:{window}"
    if cache.add(key, 1, period + 5):
        return True
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, period + 5)
        count = 1
    return count <= limit


def too_many(request, setting: str):
    _limit, period = _rate(setting)
    response = render(request, "register/rate_limited.html", status=429)
    response["Retry-After"] = str(period)
    return response
