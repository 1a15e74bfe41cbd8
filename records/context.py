"""Through which channel an action arrives (web, admin, job, api, cli), for the log.

Services never take the channel as an argument: the entry point sets it once (the middleware for
web and admin requests, ``use_channel`` in a task, a management command or the API) and every log
row written while handling that request or job carries it.
"""
from contextlib import contextmanager
from contextvars import ContextVar

WEB = "web"
ADMIN = "admin"
JOB = "job"
API = "api"
CLI = "cli"
CHANNELS = (WEB, ADMIN, JOB, API, CLI)

_channel: ContextVar[str] = ContextVar("wi_log_channel", default=CLI)


def current_channel() -> str:
    return _channel.get()


@contextmanager
def use_channel(channel: str):
    if channel not in CHANNELS:
        raise ValueError(f"unknown channel {channel!r}")
    token = _channel.set(channel)
    try:
        yield
    finally:
        _channel.reset(token)


class ChannelMiddleware:
    """Marks every request as ``web``, or ``admin`` under the Django admin's URL prefix."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.urls import reverse

        channel = ADMIN if request.path.startswith(reverse("admin:index")) else WEB
        with use_channel(channel):
            return self.get_response(request)
