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
