"""LabelHub settings: 12-factor, every value from the environment through labelhub.env.

Profiles: LABELHUB_ENV=development (default: DEBUG on, local defaults) or production (DEBUG off, refuses to start
with the default secret or without ALLOWED_HOSTS, secure cookies and HSTS).
"""

from pathlib import Path
from urllib.parse import urlparse

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from labelhub.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

LABELHUB_ENV = env_str("LABELHUB_ENV", "development")
if LABELHUB_ENV not in {"development", "production"}:
    raise ImproperlyConfigured(f"LABELHUB_ENV={LABELHUB_ENV!r} must be 'development' or 'production'")
PRODUCTION = LABELHUB_ENV == "production"

_DEV_SECRET = "dev-insecure-secret-key-change-me-for-production-use-only-0123456789"
SECRET_KEY = env_str("SECRET_KEY", _DEV_SECRET)
if PRODUCTION and (SECRET_KEY == _DEV_SECRET or len(SECRET_KEY) < 50):
    raise ImproperlyConfigured("SECRET_KEY must be set to a random value of 50+ characters in production")

DEBUG = env_bool("DEBUG", not PRODUCTION)
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("DEBUG must be off in production (unset DEBUG or set DEBUG=false)")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost", "testserver"])
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must list the public host names in production")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

# --- tenancy ---------------------------------------------------------------------------------------------
SHARED_APPS = [
    "django_tenants",
    "labelhub",
    "tenants",
    "workforce",
    "billing",
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.admin",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "frontend",
]
TENANT_APPS = [
    "django.contrib.contenttypes",
    "projects",
]
INSTALLED_APPS = SHARED_APPS + [app for app in TENANT_APPS if app not in SHARED_APPS]

TENANT_MODEL = "tenants.Client"
TENANT_DOMAIN_MODEL = "tenants.Domain"
# Set search_path once per connection and schema, not before every query (see labelhub/db/base.py).
TENANT_LIMIT_SET_CALLS = True
DATABASE_ROUTERS = ["django_tenants.routers.TenantSyncRouter"]
# Tenants are addressed by path: /t/<slug>/... (see tenants/middleware.py and README "Routing").
TENANT_PATH_PREFIX = "t"
PUBLIC_SCHEMA_URLCONF = "labelhub.urls_public"
ROOT_URLCONF = "labelhub.urls_public"
TENANT_URLCONF = "labelhub.urls_tenant"

AUTH_USER_MODEL = "tenants.User"
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/accounts/login/"

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "tenants.middleware.TenantPathMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
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

WSGI_APPLICATION = "labelhub.wsgi.application"

# --- data stores -----------------------------------------------------------------------------------------
_database_url = env_str("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/labelhub")
try:
    _db = dj_database_url.parse(_database_url, conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 600))
except Exception as exc:  # the library raises several types for bad URLs
    raise ImproperlyConfigured(f"DATABASE_URL cannot be parsed: {exc}") from None
if _db.get("ENGINE") != "django.db.backends.postgresql":
    raise ImproperlyConfigured("DATABASE_URL must be a postgres:// URL (LabelHub needs PostgreSQL schemas)")
_db["ENGINE"] = "labelhub.db"  # django-tenants backend that skips redundant SET search_path
# A health check costs a round trip per request; a dead pooled connection fails one request instead.
_db["CONN_HEALTH_CHECKS"] = env_bool("DATABASE_CONN_HEALTH_CHECKS", False)
# Server-side binding lets psycopg prepare the statements a connection runs again and again (its default: from
# the fifth run), so PostgreSQL stops re-planning the hot path's queries on every request; planning cost more
# than executing them. Multi-statement scripts use a client-side cursor (labelhub.db.rows.script_cursor).
# PostgreSQL's JIT compiles any query whose estimated cost passes jit_above_cost; on this service's short
# queries over big tables (a project's item count) compiling took 160 ms to save nothing.
if not env_bool("DATABASE_JIT", False):
    _db.setdefault("OPTIONS", {})["options"] = "-c jit=off"
if env_bool("DATABASE_SERVER_SIDE_BINDING", True):
    _db.setdefault("OPTIONS", {}).update(server_side_binding=True, prepare_threshold=5)
DATABASES = {"default": _db}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env_str("REDIS_URL", "redis://127.0.0.1:6379/0")
if urlparse(REDIS_URL).scheme not in {"redis", "rediss", "unix"}:
    raise ImproperlyConfigured("REDIS_URL must start with redis://, rediss:// or unix://")
CACHES = {
    "default": {
        "BACKEND": "labelhub.cache.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "labelhub"),
        "TIMEOUT": 300,
    }
}
# Sessions are read from Redis on every request and written through to PostgreSQL (survive a Redis flush).
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
# Queue names are prefixed so that test runs and a demo on the same Redis never eat each other's messages.
DRAMATIQ_NAMESPACE = env_str("DRAMATIQ_NAMESPACE", "labelhub")

# Storage for imports and exports: a local directory by default, S3 when LABELHUB_S3_BUCKET is set.
STORAGE_DIR = Path(env_str("LABELHUB_STORAGE_DIR", str(BASE_DIR / ".data" / "storage")))
S3_ENDPOINT_URL = env_str("LABELHUB_S3_ENDPOINT_URL", "") or None
S3_BUCKET = env_str("LABELHUB_S3_BUCKET", "") or None
S3_REGION = env_str("LABELHUB_S3_REGION", "us-east-1")
# LLM pre-labeling defaults (any OpenAI-compatible server); a project may override base URL, model and key.
LLM_BASE_URL = env_str("LABELHUB_LLM_BASE_URL", "https://api.openai.com/v1")
LLM_MODEL = env_str("LABELHUB_LLM_MODEL", "gpt-4o-mini")
LLM_API_KEY = env_str("LABELHUB_LLM_API_KEY", "") or None
# How long a presigned dataset download URL stays valid.
DATASET_URL_SECONDS = env_int("LABELHUB_DATASET_URL_SECONDS", 3600)

# Stripe: without a key billing runs ledger-only (usage events, budgets and reports still work).
STRIPE_API_KEY = env_str("LABELHUB_STRIPE_API_KEY", "") or None
STRIPE_WEBHOOK_SECRET = env_str("LABELHUB_STRIPE_WEBHOOK_SECRET", "") or None
STRIPE_API_BASE = env_str("LABELHUB_STRIPE_API_BASE", "") or None
BILLING_GRACE_DAYS = env_int("LABELHUB_BILLING_GRACE_DAYS", 14)

# --- auth ------------------------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "tenants.authentication.ApiKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "labelhub.errors.exception_handler",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 100,
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "LabelHub API",
    "DESCRIPTION": (
        "Multi-tenant data labeling. Tenant endpoints live under /t/{tenant}/api/v1/ and accept an API key "
        "(Authorization: Bearer lh_...) or a browser session."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
}

# --- i18n, static ----------------------------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / ".data" / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

# --- security --------------------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # the workspace JS reads it to send X-CSRFToken
CSRF_FAILURE_VIEW = "labelhub.errors.csrf_failure"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django.db.backends": {"level": "WARNING"},
    },
}
