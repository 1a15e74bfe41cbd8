"""Response headers that Django's SecurityMiddleware and django-csp do not set."""
from django.conf import settings

# Features this product never uses: no page may ask for them (nor a page framed elsewhere).
DEFAULT_PERMISSIONS_POLICY = (
    "accelerometer=(), autoplay=(), camera=(), display-capture=(), encrypted-media=(), fullscreen=(self), "
    "geolocation=(), gyroscope=(), hid=(), magnetometer=(), microphone=(), midi=(), payment=(), "
    "picture-in-picture=(), publickey-credentials-get=(), screen-wake-lock=(), serial=(), usb=(), "
    "xr-spatial-tracking=()"
)


class SecurityHeadersMiddleware:
    """Permissions-Policy on every response, and ``Cache-Control: no-store, private`` on every
    response to a logged-in person: what they see (an applicant's self-assessment, an audit) must
    not stay in a shared proxy or in the browser's cache for the next person at that computer."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.permissions_policy = getattr(settings, "PERMISSIONS_POLICY", DEFAULT_PERMISSIONS_POLICY)

    def __call__(self, request):
        response = self.get_response(request)
        if self.permissions_policy:
            response.headers.setdefault("Permissions-Policy", self.permissions_policy)
        user = getattr(request, "user", None)
        if getattr(user, "is_authenticated", False):
            response["Cache-Control"] = "no-store, private"
            if "Expires" in response:
                del response["Expires"]
        return response


def _contains_nul(values) -> bool:
    return any("\x00" in value for value in values if isinstance(value, str))


class DropNulCookiesMiddleware:
    """Before the session middleware: a cookie with a NUL character is dropped (the session
    cookie is looked up in the database, which cannot compare such a value)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        for name in [name for name, value in request.COOKIES.items() if "\x00" in name + value]:
            del request.COOKIES[name]
        return self.get_response(request)


class RejectNulBytesMiddleware:
    """A NUL character in the path, a query parameter, a posted field or an uploaded file's name
    is answered with 400 and a page that says why, before any view sees it: no text in this
    product contains one, and PostgreSQL cannot store or compare it (a server error otherwise)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if self._has_nul(request):
            from django.shortcuts import render

            return render(request, "400_nul.html", status=400)
        return self.get_response(request)

    @staticmethod
    def _has_nul(request) -> bool:
        if "\x00" in request.path:
            return True
        if _contains_nul(request.GET.keys()) or any(_contains_nul(values) for _key, values in request.GET.lists()):
            return True
        if request.method == "POST" and request.content_type in ("application/x-www-form-urlencoded",
                                                                  "multipart/form-data"):
            if _contains_nul(request.POST.keys()):
                return True
            if any(_contains_nul(values) for _key, values in request.POST.lists()):
                return True
            if any("\x00" in (upload.name or "") for _key, uploads in request.FILES.lists() for upload in uploads):
                return True
        return False
