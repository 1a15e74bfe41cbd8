import tempfile

from .base import *  # noqa: F403
from .base import STORAGES

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CELERY_TASK_ALWAYS_EAGER = True
_tmp = tempfile.mkdtemp(prefix="wi-test-")
STORAGES = {
    **STORAGES,
    "private": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": _tmp + "/private", "base_url": None},
    },
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": _tmp + "/media"},
    },
}
PRIVATE_MEDIA_ROOT = _tmp + "/private"

# A log action code without a readable label fails the test that writes it.
RECORDS_STRICT_ACTIONS = True

# Most tests log in with force_login or client.login (no request): django-axes is switched on
# only in the test that checks the lockout.
AXES_ENABLED = False

# Static files come from the app directories (as with runserver), not from collectstatic.
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
