"""Settings shared by every environment.

Everything that differs between machines comes from environment variables (django-environ).
The defaults give the single-machine set-up: SQLite, Celery tasks run inline, e-mail to the
console. See README.md for the full list of variables.
"""
from pathlib import Path

import environ
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

SECRET_KEY = env("SECRET_KEY", default="dev-only-insecure-key-change-me")
DEBUG = env.bool("DEBUG", default=False)
# ``make bench``: adds /bench/bare/, a bare view behind the same middleware, to compare throughput.
BENCH = env.bool("BENCH", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.forms",  # the form renderer below finds the built-in widget templates here
    "django_htmx",
    "csp",
    "guardian",
    "django_celery_beat",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    # Ground floor: never imports the domain apps below.
    "records",
    "organisations",
    "notifications",
    # Domain.
    "certification",
    "audits",
    # Upper floor: certificates and the public register, then the board's decisions and objections.
    "register",
    "decisions",
    # Top floor: the daily jobs, the planning page and the simulation (issue 11); nothing imports it.
    "cycle",
    # Demo data (manage.py load_demo): may import every app above, nothing imports it.
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "config.middleware.DropNulCookiesMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    # Sends whoever must use two-step login, and has not entered a code yet, to do so first.
    "organisations.two_factor.TwoFactorMiddleware",
    "config.middleware.SecurityHeadersMiddleware",
    "config.middleware.RejectNulBytesMiddleware",
    "csp.middleware.CSPMiddleware",
    "records.context.ChannelMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes asks: turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "organisations.context_processors.roles",
            ],
        },
    },
]

# Widget templates from TEMPLATES (so templates/admin/widgets/ can label the admin's date and time).
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

WSGI_APPLICATION = "config.wsgi.application"

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# Keep a database connection open between requests (opening one costs more than a whole page's
# queries: the dashboard served twice the requests per second with it, docs/bench.md); checked
# before reuse, so a restarted database costs one failed check, not a server error.
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # The planner's cost of reading a page out of order. PostgreSQL's default (4) dates from
    # spinning disks; with SSDs, or a database that fits in memory, it makes the planner scan a whole
    # table where it should follow an index for the few rows a page needs (the auditor's worklist:
    # every audit of every year, 17 ms, against 4 ms by index at design scale, docs/bench.md).
    # Set DATABASE_PLANNER_OPTIONS="" behind a pooler that refuses start-up options (PgBouncer).
    _planner = env.str("DATABASE_PLANNER_OPTIONS", default="-c random_page_cost=1.1")
    if _planner:
        DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", _planner)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "organisations.User"
AUTHENTICATION_BACKENDS = [
    # django-axes first: it refuses logins for an e-mail address + IP that failed too often.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
CSRF_FAILURE_VIEW = "config.errors.csrf_failure"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24

AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=1.0)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_CALLABLE = "organisations.security.axes_username"
AXES_LOCKOUT_TEMPLATE = "429.html"  # the product's page, with a way back in by e-mail
# The visitor's address: REMOTE_ADDR, or behind TRUSTED_PROXY_COUNT proxies that append to
# TRUSTED_PROXY_HEADER the address they were reached from (organisations.security.client_ip).
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
TRUSTED_PROXY_HEADER = env("TRUSTED_PROXY_HEADER", default="HTTP_X_FORWARDED_FOR")
AXES_CLIENT_IP_CALLABLE = "organisations.security.axes_client_ip"
# Password-reset e-mails per hour: per e-mail address, and per visitor's address.
PASSWORD_RESET_PER_ADDRESS = env.int("PASSWORD_RESET_PER_ADDRESS", default=3)
PASSWORD_RESET_PER_CLIENT = env.int("PASSWORD_RESET_PER_CLIENT", default=10)

# Content-Security-Policy (django-csp): the product serves every asset itself and has no inline
# scripts or styles (htmx's indicator styles are switched off in base.html). Pico CSS draws its
# icons with data: SVG images. Evidence downloads set their own, stricter policy.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'none'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "manifest-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'none'"],
        "object-src": ["'none'"],
    },
}

# django-guardian: no anonymous user row; outsiders get 404 from our permission helpers.
ANONYMOUS_USER_NAME = None
GUARDIAN_USER_OBJ_PERMS_MODEL = "guardian.UserObjectPermission"

LANGUAGE_CODE = "nl"
LANGUAGES = [("nl", _("Dutch")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Amsterdam"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]

# Evidence is private: it lives outside MEDIA and is served only through a view that checks
# permissions. In production point PRIVATE_MEDIA_ROOT at a mounted volume (or swap the
# backend for object storage via STORAGES["private"]).
PRIVATE_MEDIA_ROOT = env.path("PRIVATE_MEDIA_ROOT", default=VAR_DIR / "private")
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(env.path("MEDIA_ROOT", default=VAR_DIR / "media"))},
    },
    "private": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(PRIVATE_MEDIA_ROOT), "base_url": None},
    },
    "staticfiles": {
        "BACKEND": env(
            "STATICFILES_BACKEND",
            default="django.contrib.staticfiles.storage.StaticFilesStorage",
        ),
    },
}
EVIDENCE_MAX_BYTES = env.int("EVIDENCE_MAX_BYTES", default=20 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Keurmerk Warm Incasseren <noreply@warmincasseren.test>")

# Celery: without a broker URL tasks run inline (single-machine default).
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="memory://localhost/")
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=CELERY_BROKER_URL.startswith("memory://"))
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BEAT_SCHEDULE = {
    "resend-unsent-outbox": {
        "task": "notifications.tasks.send_pending_outbox",
        "schedule": 300.0,
    },
}

# Two-step login (README, "Two-step login"): when on, everyone who sees other organisations' data
# (secretariat, board, objection committee, auditors, admin access) must enter a code from an
# authenticator app after the password. On in production; off for `make run` and the tests so the
# demo logins work with a password only. An organisation can switch it on for its own members
# (Organisation.require_two_factor), whatever this setting says.
MFA_REQUIRED = env.bool("MFA_REQUIRED", default=False)
# The name an authenticator app shows next to the code.
OTP_TOTP_ISSUER = "Warm Incasseren"
# Wrong codes: at most this many per account in 15 minutes (django-otp also slows down per device).
MFA_ATTEMPTS_PER_15_MINUTES = env.int("MFA_ATTEMPTS_PER_15_MINUTES", default=10)

INVITATION_VALID_DAYS = env.int("INVITATION_VALID_DAYS", default=14)

# Django's cache: the public register's data and the rate limits (verification, complaints,
# password-reset e-mails, two-step codes). (Kept page copies live in each process's own memory,
# config/pagecache.py.) One process (make run, tests): local memory. Several web processes
# (docker-compose) need one shared cache, or each would keep its own copy and its own counts:
# ``CACHE_URL=redis://redis:6379/1`` (the production default).
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}
# How long a signed-in person's page may be served again from a kept copy while nothing in the
# database has changed (config/pagecache.py; 0: every page is made anew).
SIGNED_IN_PAGE_SECONDS = env.int("SIGNED_IN_PAGE_SECONDS", default=300)
# Public verification and complaints per client address: "<count>/<seconds>".
REGISTER_VERIFY_RATE = env("REGISTER_VERIFY_RATE", default="30/60")
REGISTER_COMPLAINT_RATE = env("REGISTER_COMPLAINT_RATE", default="5/3600")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        # One line per task and per request would drown what matters; failures still show.
        "celery": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
    },
}
