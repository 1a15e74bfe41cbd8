"""Login security glue for django-axes."""


def axes_username(request, credentials) -> str | None:
    """The login form posts the e-mail address as ``username``; count attempts case-insensitively."""
    value = (credentials or {}).get("username") or (request.POST.get("username") if request else None)
    return value.strip().lower() if value else None
