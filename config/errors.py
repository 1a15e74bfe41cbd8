"""The product's own error pages (400, 403, 404, 410, 429, 500, and a refused CSRF check).

Each page uses the normal layout (menu, language, footer) in the user's language and offers a way
on. The page is first rendered with the request (so the menu knows who is logged in); when that
fails, because the request or the database is what broke, it is rendered without the request
(layout without the personal menu), and as a last resort as a fixed page: an error page never
fails itself.
"""
import logging

from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

FALLBACK = """<!doctype html><html lang="nl"><head><meta charset="utf-8"><title>Warm Incasseren</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head><body><main>
<h1>Er ging iets mis / Something went wrong</h1>
<p>Probeer het over een paar minuten opnieuw. / Please try again in a few minutes.</p>
<p><a href="/">Naar de startpagina / To the start page</a></p></main></body></html>"""


def error_page(request, template: str, status: int, context: dict | None = None) -> HttpResponse:
    context = context or {}
    try:
        return render(request, template, context, status=status)
    except Exception:  # noqa: BLE001 - the request (session, user, database) may be what broke
        logger.exception("Rendering %s with the request failed; rendering it without", template)
    try:
        return HttpResponse(render_to_string(template, context), status=status)
    except Exception:  # noqa: BLE001
        logger.exception("Rendering %s failed; sending the fixed page", template)
        return HttpResponse(FALLBACK, status=status)


def _reason(exception) -> str:
    """The reason a predicate gave (PermissionDenied(verdict.reason)), in the user's words."""
    if exception is None or not getattr(exception, "args", None):
        return ""
    text = str(exception.args[0]) if exception.args else ""
    return text if text and not text.startswith("<") else ""


def bad_request(request, exception=None):
    return error_page(request, "400.html", 400)


def permission_denied(request, exception=None):
    return error_page(request, "403.html", 403, {"reason": _reason(exception)})


def page_not_found(request, exception=None):
    return error_page(request, "404.html", 404)


def server_error(request):
    return error_page(request, "500.html", 500)


def csrf_failure(request, reason=""):
    return error_page(request, "403_csrf.html", 403)


def gone(request, *, reasons=()):
    """410: a link that worked once and no longer does (e.g. a used or expired invitation)."""
    return error_page(request, "410.html", 410, {"reasons": list(reasons)})


def too_many_attempts(request, credentials=None, *args, **kwargs):
    """django-axes' lockout (AXES_LOCKOUT_CALLABLE): 429 with the product's page."""
    return error_page(request, "429.html", 429)


__all__ = ["bad_request", "permission_denied", "page_not_found", "server_error", "csrf_failure", "gone",
           "too_many_attempts", "_"]
