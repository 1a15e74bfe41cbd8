"""Pages that are the same for every anonymous visitor (the login page, the home page) are
rendered once per process, address and language; each request gets its own CSRF token put in.

Why: the login page is the busiest page of the product and rendering its layout costs several
times what the request around it costs (issue 9: the login page serves at least half the requests
per second of a bare view). A rendered copy is only used when nothing about the visitor can change
the page: a GET or HEAD without a query string (``?next=``), nobody logged in, no message waiting
to be shown. The language is part of the key (LocaleMiddleware has chosen it by then). Copies live
in this process's memory and are dropped when a setting changes (tests) or the process restarts
(a deploy); with ``DEBUG`` on (``make run``) nothing is kept, so an edited template shows at once.

The CSRF token: the copy is rendered with a placeholder in the place of the token; every request
gets a fresh masked token (``get_token``, which also sets the CSRF cookie) put in its place, so the
login form stays protected exactly as before.
"""
from functools import wraps

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.signals import setting_changed
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.template.response import SimpleTemplateResponse
from django.utils.translation import get_language

PLACEHOLDER = "csrf-token-placeholder-4b1f"
# The view's own headers that the copy repeats (never_cache's Cache-Control and Expires, the type).
KEPT_HEADERS = ("Content-Type", "Cache-Control", "Expires", "Content-Language")

_pages: dict[tuple[str, str], tuple[bytes, list[tuple[str, str]]]] = {}


def clear() -> None:
    _pages.clear()


def _clear_on_setting_change(**kwargs) -> None:
    clear()


setting_changed.connect(_clear_on_setting_change, dispatch_uid="pagecache-clear")


def _messages_waiting(request) -> bool:
    if CookieStorage.cookie_name in request.COOKIES:
        return True
    session = getattr(request, "session", None)
    return bool(session is not None and session.session_key and session.get("_messages"))


def _cacheable(request) -> bool:
    return (
        not settings.DEBUG
        and request.method in ("GET", "HEAD")
        and not request.META.get("QUERY_STRING")
        and not request.user.is_authenticated
        and not _messages_waiting(request)
    )


def _serve(request, content: bytes, headers) -> HttpResponse:
    response = HttpResponse(content.replace(PLACEHOLDER.encode(), get_token(request).encode()))
    for name, value in headers:
        response[name] = value
    return response


def same_for_every_visitor(view):
    """Decorate a view whose page, for an anonymous visitor, depends only on its address and the
    language. The view must answer such a visitor with a ``TemplateResponse`` (not yet rendered)."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not _cacheable(request):
            return view(request, *args, **kwargs)
        key = (request.path, get_language())
        page = _pages.get(key)
        if page is not None:
            return _serve(request, *page)
        response = view(request, *args, **kwargs)
        if (not isinstance(response, SimpleTemplateResponse) or response.is_rendered
                or response.status_code != 200 or response.cookies):
            return response
        response.context_data = {**(response.context_data or {}), "csrf_token": PLACEHOLDER}
        response.render()
        page = (response.content, [(name, response[name]) for name in KEPT_HEADERS if response.has_header(name)])
        _pages[key] = page
        return _serve(request, *page)

    return wrapped
