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

Pages of a signed-in person (the applicant's dashboard, the foundation's list pages) are kept
too, but only for the session they were made for and only until anything in the database changes
(``same_until_next_write``): see there.
"""
import hashlib
from functools import wraps

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache.backends.locmem import LocMemCache
from django.core.signals import setting_changed
from django.db import connection
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.template.response import SimpleTemplateResponse
from django.utils import timezone
from django.utils.translation import get_language

PLACEHOLDER = "csrf-token-placeholder-4b1f"
# The view's own headers that the copy repeats (never_cache's Cache-Control and Expires, the type).
KEPT_HEADERS = ("Content-Type", "Cache-Control", "Expires", "Content-Language")

_pages: dict[tuple[str, str], tuple[bytes, list[tuple[str, str]]]] = {}


# Signed-in pages: at most this many copies per process, each for at most
# settings.SIGNED_IN_PAGE_SECONDS (which also bounds what depends on the clock within a day, such as
# "2 hours ago"; the date is part of the key; 0 keeps nothing).
SIGNED_IN_ENTRIES = 500
_signed_in = LocMemCache("signed-in-pages", {"OPTIONS": {"MAX_ENTRIES": SIGNED_IN_ENTRIES}})


def clear() -> None:
    _pages.clear()
    _signed_in.clear()


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


def _keepable(response) -> bool:
    return (isinstance(response, SimpleTemplateResponse) and not response.is_rendered
            and response.status_code == 200 and not response.cookies)


def _render_with_placeholder(response) -> tuple[bytes, list[tuple[str, str]]]:
    response.context_data = {**(response.context_data or {}), "csrf_token": PLACEHOLDER}
    response.render()
    return response.content, [(name, response[name]) for name in KEPT_HEADERS if response.has_header(name)]


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
        if not _keepable(response):
            return response
        page = _render_with_placeholder(response)
        _pages[key] = page
        return _serve(request, *page)

    return wrapped


def database_stamp() -> str | None:
    """A text that changes whenever any transaction anywhere commits a change to the database, or
    None when that cannot be known.

    PostgreSQL's current snapshot (``xmin:xmax:running``) moves on when a transaction that wrote
    something starts or ends, in any process (web, Celery, admin); transactions that only read get
    no transaction number and leave it as it is. Inside a transaction of our own it would not move
    for our own further writes, so there (and on SQLite, which has nothing like it) it is unknown.
    """
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_current_snapshot()::text")
        return cursor.fetchone()[0]


def _signed_in_key(request, stamp: str) -> str:
    parts = (request.path, request.META.get("QUERY_STRING", ""), request.session.session_key,
             str(request.user.pk), get_language(), timezone.localdate().isoformat(), stamp)
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def _nothing_else_happened(request) -> bool:
    """The view queued no message and changed nothing in the session: a copy can stand for it."""
    queued = getattr(getattr(request, "_messages", None), "_queued_messages", None)
    return not queued and not request.session.modified


def same_until_next_write(view):
    """Decorate a GET view of signed-in people whose page depends only on the database, the
    session, the address (with its query string), the language and the date. The view must
    answer with a ``TemplateResponse`` (not yet rendered).

    A copy is served only to the session it was made for, on the same day, within
    ``settings.SIGNED_IN_PAGE_SECONDS``, and only while the database is exactly as it was
    (``database_stamp``): then the view would make the same page again, its permission checks
    included (a changed right is a write). Anything the view does besides rendering (a message, a
    session change, a cookie, another status) means no copy is kept. Copies live in this process's
    memory, so a deploy (a new process) never serves a page of the old code. Off with ``DEBUG``, on
    SQLite and inside a transaction (tests that roll back), where the stamp is unknown.
    """

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        seconds = settings.SIGNED_IN_PAGE_SECONDS
        if (settings.DEBUG or seconds <= 0 or request.method not in ("GET", "HEAD")
                or not request.user.is_authenticated
                or request.headers.get("HX-Request") or _messages_waiting(request)):
            return view(request, *args, **kwargs)
        stamp = database_stamp()
        if stamp is None:
            return view(request, *args, **kwargs)
        key = _signed_in_key(request, stamp)
        page = _signed_in.get(key)
        if page is not None:
            return _serve(request, *page)
        response = view(request, *args, **kwargs)
        if not _keepable(response) or not _nothing_else_happened(request):
            return response
        page = _render_with_placeholder(response)
        _signed_in.set(key, page, timeout=seconds)
        return _serve(request, *page)

    return wrapped
