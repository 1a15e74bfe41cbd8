"""Production: behind a TLS-terminating proxy (README, "Production"). Every setting here is
documented in the README; ``manage.py check --deploy --fail-level WARNING`` passes (.ci/run)."""
from .base import *  # noqa: F403
from .base import env

DEBUG = False
SECRET_KEY = env("SECRET_KEY")

# HTTPS only. The proxy terminates TLS and must set (overwrite) X-Forwarded-Proto; Django
# trusts that header for request.is_secure(). Set SECURE_PROXY_SSL_HEADER to an empty value
# when Django is reached over HTTPS directly.
_proxy_header = env("SECURE_PROXY_SSL_HEADER", default="HTTP_X_FORWARDED_PROTO")
SECURE_PROXY_SSL_HEADER = (_proxy_header, "https") if _proxy_header else None
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
# Paths answered over plain HTTP too (a health check from inside the network), as regexes.
SECURE_REDIRECT_EXEMPT = env.list("SECURE_REDIRECT_EXEMPT", default=[])
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=True)
CSRF_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=True)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
# Foundation staff and auditors must enter a code from their authenticator app (README,
# "Two-step login").
MFA_REQUIRED = env.bool("MFA_REQUIRED", default=True)

# An operator who switches HSTS preloading or subdomains off on purpose (another site on a
# subdomain still on HTTP) does not want that reported on every check.
SILENCED_SYSTEM_CHECKS = [
    *(["security.W021"] if not SECURE_HSTS_PRELOAD else []),
    *(["security.W005"] if not SECURE_HSTS_INCLUDE_SUBDOMAINS else []),
]

STORAGES["staticfiles"]["BACKEND"] = "whitenoise.storage.CompressedManifestStaticFilesStorage"  # noqa: F405
# One cache shared by every gunicorn worker (rate limits): Redis, as in docker-compose.yml.
CACHES = {"default": env.cache("CACHE_URL", default="redis://redis:6379/1")}
