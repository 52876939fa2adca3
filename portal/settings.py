"""Settings for the integrity portal, read from the environment.

One module for every environment (healthchecks' ``hc/settings.py`` style): typed helpers read
variables, ``*_FILE`` variants hold secrets, bad values fail loudly, and with nothing set the
portal runs on an embedded default: SQLite in ``var/`` and Celery on kombu's filesystem
transport (``var/celery/``), so tasks queue and run without Redis. ``.env.example`` documents
each variable.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name: str, default: str | None = None) -> str | None:
    """Return a variable, or the content of the file named by ``NAME_FILE``."""
    file_name = os.environ.get(f"{name}_FILE")
    if file_name:
        try:
            return Path(file_name).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ImproperlyConfigured(f"{name}_FILE: cannot read {file_name}: {exc}") from exc
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    value = env(name)
    if value is None or value == "":
        return default
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), got {value!r}")


def env_int(name: str, default: int) -> int:
    value = env(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, got {value!r}") from exc


def env_list(name: str, default: list[str]) -> list[str]:
    value = env(name)
    if value is None or value.strip() == "":
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


VAR_DIR = Path(env("PORTAL_VAR_DIR", str(BASE_DIR / "var")))
for _sub in ("private", "mail", "celery/queue", "celery/processed", "celery/control"):
    (VAR_DIR / _sub).mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("DEBUG", True)
SECRET_KEY = env("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY (or SECRET_KEY_FILE) must be set when DEBUG is off (production mode)."
        )
    SECRET_KEY = "django-insecure-development-key-only-for-debug-mode-0123456789"  # noqa: S105

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
SITE_URL = (env("SITE_URL", "http://127.0.0.1:8000") or "").rstrip("/")

# The portal's own apps come first: Django merges the apps' catalogues and the app listed first
# wins, so the portal's words ("None" → なし, "All" → すべて) are not overridden by the admin's
# or a package's catalogue (the admin's Japanese leaves "None" in English).
INSTALLED_APPS = [
    "portal",
    "portal.notifications",
    "portal.outbox",
    "disclosures",
    "riskmgmt",
    "riskmgmt.duediligence",
    "followup",
    "followup.awareness",
    "portal.admin_apps.PortalAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.saml",
    "axes",
    "django_htmx",
    "django_filters",
    "django_celery_beat",
    "django_countries",
    "import_export",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "portal.middleware.RequestIdMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "portal.middleware.RejectNulMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "portal.middleware.AuditContextMiddleware",
    "portal.middleware.OwnNotFoundPageMiddleware",
    "portal.middleware.MFARequiredMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portal.context_processors.portal",
            ],
        },
    },
]

# Database: DATABASE_URL (postgres://...) or SQLite in var/.
DATABASE_URL = env("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60))}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "portal.sqlite3",
            "OPTIONS": {"timeout": 20, "transaction_mode": "IMMEDIATE"},
        }
    }
if DATABASES["default"]["ENGINE"].endswith("postgresql"):
    DATABASES["default"].setdefault("TEST", {})["NAME"] = env("TEST_DATABASE_NAME", "test_portal")
# SQLite builds covering indexes without their INCLUDE columns (PostgreSQL reads the review
# queue's count from one); the check's warning about it asks nothing of the embedded default.
SILENCED_SYSTEM_CHECKS = ["models.W040"] if DATABASES["default"]["ENGINE"].endswith("sqlite3") else []
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Redis: broker and cache when REDIS_URL is set; otherwise an embedded default.
REDIS_URL = env("REDIS_URL")
if REDIS_URL:
    # A cache that degrades to local memory when Redis is down (portal/cache.py): logins and
    # pages keep working; short timeouts so a dead Redis costs a second, not a hanging request.
    CACHES = {"default": {"BACKEND": "portal.cache.ResilientRedisCache", "LOCATION": REDIS_URL,
                          "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1}}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTH_USER_MODEL = "portal.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "portal:dashboard"
LOGOUT_REDIRECT_URL = "account_login"

# django-allauth: e-mail login, no self sign-up (accounts come from the roster), MFA (TOTP +
# recovery codes), e-mail verification, reauthentication for sensitive actions.
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = env("ACCOUNT_EMAIL_VERIFICATION", "optional")
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_ADAPTER = "portal.adapters.AccountAdapter"
PORTAL_ALLOW_SIGNUP = env_bool("PORTAL_ALLOW_SIGNUP", False)
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_REAUTHENTICATION_TIMEOUT = 600
ACCOUNT_RATE_LIMITS = {"login_failed": "10/m/ip,5/5m/key"}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = env("MFA_TOTP_ISSUER", "Integrity Portal")
# Roles that must have an authenticator before reaching any page but the MFA set-up itself.
PORTAL_MFA_REQUIRED_ROLES = env_list("PORTAL_MFA_REQUIRED_ROLES", ["office_staff", "admin"])

# Single sign-on with GakuNin (SAML 2.0), off unless PORTAL_SSO_IDP_ENTITY_ID is set: see
# portal/sso/ and README "Single sign-on (GakuNin)". Local password login stays available.
from portal.sso import conf as _sso_conf  # noqa: E402

SOCIALACCOUNT_PROVIDERS = _sso_conf.saml_providers(env)
SOCIALACCOUNT_ADAPTER = "portal.sso.adapter.SocialAccountAdapter"
SOCIALACCOUNT_AUTO_SIGNUP = True
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False  # the adapter matches the roster (ePPN, then mail)
SOCIALACCOUNT_EMAIL_VERIFICATION = "none"
PORTAL_SSO_ENABLED = bool(SOCIALACCOUNT_PROVIDERS["saml"]["APPS"])
PORTAL_SSO_ALLOW_SIGNUP = env_bool("PORTAL_SSO_ALLOW_SIGNUP", False)
PORTAL_SSO_TRUST_IDP_MFA = env_bool("PORTAL_SSO_TRUST_IDP_MFA", False)
PORTAL_SSO_MFA_CONTEXTS = _sso_conf.mfa_contexts(env)
PORTAL_SSO_PASSWORD_LOGIN_EMAILS = [e.lower() for e in env_list("PORTAL_SSO_PASSWORD_LOGIN_EMAILS", [])]

# django-axes: lock an e-mail/IP pair out after repeated failures.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_FORM_FIELD = "login"
AXES_USERNAME_CALLABLE = "portal.adapters.axes_username"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "account/lockout.html"
AXES_ENABLED = env_bool("AXES_ENABLED", True)

# Internationalisation: Japanese first, English second.
LANGUAGE_CODE = "ja"
LANGUAGES = [("ja", _("Japanese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Country choices: Japan first, then every country sorted in the reader's language (pyuca's
# Unicode collation: アイスランド, アイルランド... in Japanese, Afghanistan... in English).
COUNTRIES_FIRST = ["JP"]
COUNTRIES_FIRST_REPEAT = False
# Japanese dates with a space before the time (2026年12月2日 8:00): portal/formats/ja/formats.py;
# English keeps Django's (Dec. 2, 2026).
FORMAT_MODULE_PATH = ["portal.formats"]
TIME_ZONE = env("TIME_ZONE", "Asia/Tokyo")
USE_I18N = True
USE_TZ = True
LANGUAGE_COOKIE_NAME = "portal_language"
LANGUAGE_COOKIE_SECURE = not DEBUG
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"

STATIC_URL = "/static/"
# Deployment (bin/portal, Dockerfile): static files are collected at build time, in production
# mode, outside the data volume, so a rebuilt image never serves old ones.
STATIC_ROOT = Path(env("STATIC_ROOT", str(BASE_DIR / "static-collected")))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
    # Uploads and generated files live outside the web root and are served only through
    # permission-checked views.
    "private": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(Path(env("PRIVATE_MEDIA_ROOT", str(VAR_DIR / "private"))))},
    },
}
MEDIA_ROOT = VAR_DIR / "private"
MEDIA_URL = "/media-not-served/"
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
PORTAL_MAX_UPLOAD_BYTES = env_int("PORTAL_MAX_UPLOAD_BYTES", 10 * 1024 * 1024)
PORTAL_GENERATED_FILE_DAYS = env_int("PORTAL_GENERATED_FILE_DAYS", 7)

# E-mail: SMTP when EMAIL_HOST is set, otherwise files in var/mail (one .log per message).
EMAIL_HOST = env("EMAIL_HOST")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = env_int("EMAIL_PORT", 587)
    EMAIL_HOST_USER = env("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
    EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
    EMAIL_TIMEOUT = 30
else:
    EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")
    EMAIL_FILE_PATH = VAR_DIR / "mail"
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "integrity-portal@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Celery (cookiecutter-django style): JSON only, time limits, database beat scheduler.
# Without REDIS_URL the broker is kombu's filesystem transport in var/celery, so tasks are
# queued durably and a worker started by `make run` picks them up; CELERY_TASK_ALWAYS_EAGER=1
# runs them in-process instead (the test suite does that).
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
else:
    CELERY_BROKER_URL = "filesystem://"
    _celery_dir = VAR_DIR / "celery"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_celery_dir / "queue"),
        "data_folder_out": str(_celery_dir / "queue"),
        "processed_folder": str(_celery_dir / "processed"),
        "control_folder": str(_celery_dir / "control"),
        "store_processed": False,
    }
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_TIME_LIMIT = 30 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 25 * 60
CELERY_TASK_ACKS_LATE = True
# A message whose worker process died (kill -9, out of memory, time limit) goes back to the
# broker instead of being acknowledged; the outbox's claim makes the second delivery harmless.
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# Work after a change lives in the outbox (portal/outbox): a message is only a bell, and the
# every-minute sweep takes back a job whose lease ran out, so recovery never waits for Redis's
# visibility timeout. The timeout only has to exceed the longest job (the 30-minute hard time
# limit) so that a job still running is not delivered to a second worker for nothing: 35 min.
CELERY_BROKER_VISIBILITY_TIMEOUT = 35 * 60
if REDIS_URL:
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": CELERY_BROKER_VISIBILITY_TIMEOUT}
# Publishing with the broker down fails within about a second (the request goes on; the job
# waits in the outbox for the sweep) instead of retrying for long.
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2,
                                    "interval_max": 0.3}
# Seconds a worker holds a job without renewing it (a heartbeat renews it every third of it)
# before the sweep takes the job back.
PORTAL_JOB_LEASE_SECONDS = env_int("PORTAL_JOB_LEASE_SECONDS", 120)
# The first wait before a failed job is tried again (then ×4 each time, at most an hour).
PORTAL_JOB_BACKOFF_SECONDS = env_int("PORTAL_JOB_BACKOFF_SECONDS", 30)
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TIMEZONE = TIME_ZONE

# Security headers. Production (DEBUG off) gets the full set so `check --deploy` is clean.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 3600)
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the page, not the cookie
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    # Behind a TLS reverse proxy that sets X-Forwarded-Proto itself (Caddy, nginx). Set the
    # variable empty when no proxy overwrites that header.
    _proxy_header = env("SECURE_PROXY_SSL_HEADER", "X-Forwarded-Proto")
    if _proxy_header:
        SECURE_PROXY_SSL_HEADER = ("HTTP_" + _proxy_header.upper().replace("-", "_"), "https")
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # container healthchecks speak plain HTTP
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "form-action": ["'self'", *_sso_conf.form_action_origins(SOCIALACCOUNT_PROVIDERS)],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
    }
}

IMPORT_EXPORT_USE_TRANSACTIONS = True
IMPORT_EXPORT_SKIP_ADMIN_LOG = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}

# Real public data samples (ROR, researchmap, ORCID, METI End User List ...) used by the demo
# loaders and the tests: the copies in fixtures/data (sources and licences in its README),
# unless PORTAL_SAMPLE_DATA names another folder with the same layout.
PORTAL_SAMPLE_DATA = Path(env("PORTAL_SAMPLE_DATA", str(BASE_DIR / "fixtures" / "data")))

# The home institution's code (also settable in the admin: Institution.is_home).
PORTAL_NAME = env("PORTAL_NAME", "")
