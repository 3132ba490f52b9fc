"""Django settings for the Data Exchange project, read from environment variables.

Development needs none; production sets SECRET_KEY, DEBUG=0, ALLOWED_HOSTS and DATABASE_URL.
"""

import os
import secrets
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from core.env import (
    cache_from_url,
    database_from_url,
    env_bool,
    env_int,
    env_list,
    replica_databases,
)

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", True)


def _secret_key():
    """Return SECRET_KEY: from the environment, or in development a generated one kept on disk."""
    key = os.environ.get("SECRET_KEY", "").strip()
    if key:
        return key
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. With DEBUG off a secret key is required: "
            "export SECRET_KEY=$(python -c 'import secrets; print(secrets.token_urlsafe(50))')"
        )
    key_file = BASE_DIR / ".secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    # runserver serves static files through WhiteNoise too, as production does.
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "core",
    "dataexchange",
    "dataexchange.auth",
    "dataexchange.exchangelog",
    "dataexchange.idempotency",
    "dataexchange.jobs",
    "dataexchange.changes",
    "dataexchange.webhooks",
    # The task engine (docs/jobs.md): Django's Tasks API, backported; the database backend
    # needs no other service, the Redis one (django-tasks-rq) serves several worker hosts.
    "django_tasks",
    "django_tasks_db",
]

# Django's stack; API requests skip what only the admin and browsers need (see the module).
# The guard refuses malformed or oversized API requests before anything else reads them.
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Static files from the application itself: one process is a complete deployment.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Every HTML page gets a Content-Security-Policy: SECURE_CSP, or the module's strict default.
    "dataexchange.security_headers.ContentSecurityPolicyMiddleware",
    "dataexchange.api.guard.RequestGuardMiddleware",
    # Bearer-token requests to the dynamic endpoint routes are answered here; they need none
    # of the middleware below (see the module).
    "dataexchange.api.direct.DirectRouteMiddleware",
    "dataexchange.api.middleware.SessionMiddlewareExceptBearer",
    "django.middleware.common.CommonMiddleware",
    "dataexchange.api.middleware.CsrfViewMiddlewareExceptApi",
    "dataexchange.api.middleware.AuthenticationMiddlewareExceptBearer",
    "dataexchange.api.middleware.MessageMiddlewareExceptApi",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "core.urls"
WSGI_APPLICATION = "core.wsgi.application"

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
            ],
        },
    },
]

DATABASES = {
    "default": database_from_url(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}"
    )
}
# Read replicas (streaming standbys of DATABASE_URL): data reads of GET requests go to them.
DATABASES.update(replica_databases(env_list("DATABASE_REPLICA_URLS", [])))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {"default": cache_from_url(os.environ.get("CACHE_URL", "locmem://"))}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = os.environ.get("STATIC_ROOT") or BASE_DIR / "staticfiles"
# WhiteNoise serves static files. With DEBUG off they come from STATIC_ROOT, filled by
# `manage.py collectstatic` at deployment: compressed, with hashed names cached for ten years.
# In development (and the test suite) they come straight from the apps, no collectstatic needed.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG

# Email: console in development, SMTP when EMAIL_HOST is set.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "dataexchange@localhost")
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend",
)
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000")

# Production-safe defaults whenever DEBUG is off.
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0)
if env_bool("BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 50 * 1024 * 1024)

REST_FRAMEWORK = {
    # API key first: a valid key is enough on its own, as in Spryker. Session last, so an admin
    # user can browse the API from the same browser (with CSRF enforced on writes).
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "dataexchange.auth.authentication.ApiKeyAuthentication",
        "dataexchange.auth.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_THROTTLE_CLASSES": [
        "dataexchange.auth.throttling.ApiKeyRateThrottle",
        "dataexchange.auth.throttling.UserRateThrottle",
    ],
    # Rates like 100/min; empty means unlimited. The /token limits guard against guessing.
    "DEFAULT_THROTTLE_RATES": {
        "dataexchange.user": os.environ.get("DATA_EXCHANGE_RATE_USER", ""),
        "dataexchange.api_key": os.environ.get("DATA_EXCHANGE_RATE_API_KEY", ""),
        "dataexchange.token_ip": os.environ.get("DATA_EXCHANGE_RATE_TOKEN_IP", "30/min"),
        "dataexchange.token_username": os.environ.get("DATA_EXCHANGE_RATE_TOKEN_USERNAME", "5/min"),
    },
    # Proxies in front of the app whose X-Forwarded-For entries are trusted for client IPs;
    # 0 uses REMOTE_ADDR, so a client cannot dodge the /token limit by forging the header.
    "NUM_PROXIES": env_int("NUM_PROXIES", 0),
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": None,
}

# API access (dataexchange.auth.conf): token lifetimes in seconds.
DATA_EXCHANGE_AUTH = {
    "ACCESS_TOKEN_LIFETIME": env_int("DATA_EXCHANGE_ACCESS_TOKEN_LIFETIME", 8 * 60 * 60),
    "REFRESH_TOKEN_LIFETIME": env_int("DATA_EXCHANGE_REFRESH_TOKEN_LIFETIME", 30 * 24 * 60 * 60),
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Data Exchange API",
    "DESCRIPTION": "Spryker-compatible Data Exchange API over configured database tables.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Endpoints come from the configuration, not from introspection (dataexchange/openapi).
    "DEFAULT_GENERATOR_CLASS": "dataexchange.openapi.generator.DataExchangeSchemaGenerator",
    "SWAGGER_UI_SETTINGS": {
        "deepLinking": True,
        "persistAuthorization": True,
        "displayOperationId": True,
        "filter": True,
        # No badge image from the online validator: it would leak the document's address and
        # break the pages' Content-Security-Policy.
        "validatorUrl": None,
    },
}

# The product's own settings, read lazily through dataexchange.conf.
DATA_EXCHANGE = {
    "ROUTE_PREFIX": os.environ.get("DATA_EXCHANGE_ROUTE_PREFIX", "dynamic-entity"),
    "DISALLOWED_TABLES": env_list("DATA_EXCHANGE_DISALLOWED_TABLES", []),
    "MAX_BATCH_SIZE": env_int("DATA_EXCHANGE_MAX_BATCH_SIZE", 10000),
    "MAX_PAGE_LIMIT": env_int("DATA_EXCHANGE_MAX_PAGE_LIMIT", 10000),
    "MAX_QUERY_STRING_BYTES": env_int("DATA_EXCHANGE_MAX_QUERY_STRING_BYTES", 64 * 1024),
    "MAX_DELETE_ROWS": env_int("DATA_EXCHANGE_MAX_DELETE_ROWS", 1000),
    "IDEMPOTENCY_TTL_SECONDS": env_int("DATA_EXCHANGE_IDEMPOTENCY_TTL_SECONDS", 24 * 60 * 60),
    "IDEMPOTENCY_LEASE_SECONDS": env_int("DATA_EXCHANGE_IDEMPOTENCY_LEASE_SECONDS", 300),
    "READ_YOUR_WRITES_SECONDS": env_int("DATA_EXCHANGE_READ_YOUR_WRITES_SECONDS", 5),
    "METRICS_TOKEN": os.environ.get("DATA_EXCHANGE_METRICS_TOKEN", ""),
}

# The exchange log (dataexchange.exchangelog.conf lists every key and its default).
EXCHANGE_LOG = {
    "ENABLED": env_bool("EXCHANGE_LOG_ENABLED", True),
    "LOG_READS": env_bool("EXCHANGE_LOG_READS", False),
    # "failed": rows for failed and rolled-back items only; "all": a row for every item.
    "ITEMS": os.environ.get("EXCHANGE_LOG_ITEMS", "failed"),
    # Submitted data kept per item: "none", "errors" or "all" (secrets are never kept).
    "CAPTURE": os.environ.get("EXCHANGE_LOG_CAPTURE", "errors"),
    "MAX_CAPTURE_CHARS": env_int("EXCHANGE_LOG_MAX_CAPTURE_CHARS", 8192),
    # Days kept per status by `manage.py prune_exchange_log` without --older-than.
    "RETENTION_DAYS": {
        "processed": env_int("EXCHANGE_LOG_RETENTION_PROCESSED", 30),
        "partially_failed": env_int("EXCHANGE_LOG_RETENTION_PARTIALLY_FAILED", 90),
        "failed": env_int("EXCHANGE_LOG_RETENTION_FAILED", 90),
        "rejected": env_int("EXCHANGE_LOG_RETENTION_REJECTED", 30),
    },
}

# Asynchronous jobs (dataexchange.jobs.conf lists every key and its default) and the task
# engine that runs them: DATA_EXCHANGE_TASKS_BACKEND=database (default: the database is the
# queue, `manage.py db_worker` runs tasks) or redis (`manage.py rqworker`, REDIS_URL).
DATA_EXCHANGE_JOBS = {
    "CHUNK_SIZE": env_int("DATA_EXCHANGE_JOBS_CHUNK_SIZE", 1000),
    "LEASE_SECONDS": env_int("DATA_EXCHANGE_JOBS_LEASE_SECONDS", 300),
    "MAX_TRANSACTIONAL_ITEMS": env_int("DATA_EXCHANGE_JOBS_MAX_TRANSACTIONAL_ITEMS", 100_000),
    "RETENTION_DAYS": env_int("DATA_EXCHANGE_JOBS_RETENTION_DAYS", 7),
}
# The change log and feed (dataexchange.changes.conf lists every key and its default).
DATA_EXCHANGE_CHANGES = {
    "RETENTION_SECONDS": env_int("DATA_EXCHANGE_CHANGES_RETENTION_SECONDS", 7 * 24 * 60 * 60),
    "MAX_WAITERS": env_int("DATA_EXCHANGE_CHANGES_MAX_WAITERS", 2),
}
# Webhooks (dataexchange.webhooks.conf lists every key and its default; docs/webhooks.md).
DATA_EXCHANGE_WEBHOOKS = {
    "ALLOW_PRIVATE": env_bool("DATA_EXCHANGE_WEBHOOKS_ALLOW_PRIVATE", False),
    "LEASE_SECONDS": env_int("DATA_EXCHANGE_WEBHOOKS_LEASE_SECONDS", 60),
    "DISABLE_AFTER_DAYS": env_int("DATA_EXCHANGE_WEBHOOKS_DISABLE_AFTER_DAYS", 3),
    "LOG_RETENTION_DAYS": env_int("DATA_EXCHANGE_WEBHOOKS_LOG_RETENTION_DAYS", 30),
}
TASKS_BACKEND = os.environ.get("DATA_EXCHANGE_TASKS_BACKEND", "database")
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
RQ_QUEUES = {"default": {"URL": REDIS_URL}}
if TASKS_BACKEND == "database":
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
elif TASKS_BACKEND == "redis":
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    INSTALLED_APPS += ["django_rq", "django_tasks_rq"]
else:
    raise ImproperlyConfigured(
        f"DATA_EXCHANGE_TASKS_BACKEND is {TASKS_BACKEND!r}; use `database` or `redis`."
    )

# Secrets are masked in every handler, runserver's request lines (`django.server`) included:
# Django's own handler for them would print `?api_key=...` in full.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact_secrets": {"()": "dataexchange.auth.redact.RedactSecretsFilter"}},
    "formatters": {
        "django.server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        }
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["redact_secrets"]},
        "django.server": {
            "class": "logging.StreamHandler",
            "formatter": "django.server",
            "filters": ["redact_secrets"],
        },
    },
    "loggers": {
        "django.server": {"handlers": ["django.server"], "level": "INFO", "propagate": False},
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
