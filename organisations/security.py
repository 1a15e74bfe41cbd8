"""Login security glue: django-axes, the client's address behind the proxy, password resets."""
import ipaddress

from django.conf import settings


def axes_username(request, credentials) -> str | None:
    """The login form posts the e-mail address as ``username``; count attempts case-insensitively."""
    value = (credentials or {}).get("username") or (request.POST.get("username") if request else None)
    return value.strip().lower()[:254] if isinstance(value, str) and value.strip() else None


def _valid_ip(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_ip(request) -> str:
    """The visitor's address. Without trusted proxies (``TRUSTED_PROXY_COUNT`` 0, the default)
    it is ``REMOTE_ADDR``. Behind N trusted proxies that each append the address they received
    from to ``TRUSTED_PROXY_HEADER`` (X-Forwarded-For), it is the N-th address from the right:
    entries further left were written by the visitor and prove nothing. A header that is missing,
    too short or not an address falls back to ``REMOTE_ADDR``."""
    remote = request.META.get("REMOTE_ADDR", "") or ""
    proxies = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    if proxies <= 0:
        return remote
    header = request.META.get(getattr(settings, "TRUSTED_PROXY_HEADER", "HTTP_X_FORWARDED_FOR"), "")
    hops = [hop for hop in str(header).split(",") if hop.strip()]
    if len(hops) < proxies:
        return remote
    return _valid_ip(hops[-proxies]) or remote


def axes_client_ip(request) -> str:
    """For django-axes (``AXES_CLIENT_IP_CALLABLE``)."""
    return client_ip(request)
