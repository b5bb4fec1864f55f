"""The ground every other settings module stands on: paths, the environment, the apps,
templates, static files, email and logging (see portal/settings/__init__.py)."""

import os
from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent.parent
# Files the portal writes (the snapshot's copy, the file broker, media). Parallel test
# workers (pytest-xdist, and the processes they start) each keep their own.
VAR_DIR = BASE_DIR / "var" / os.environ.get("PYTEST_XDIST_WORKER", "")

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=True)

if DEBUG:
    SECRET_KEY = env.str("SECRET_KEY", default="dev-only-insecure-key-do-not-use-in-production")
else:
    SECRET_KEY = env.str("SECRET_KEY")  # no default in production

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# Addresses of the reverse proxies whose X-Forwarded-For we believe.
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI and Redoc served from static/, not a CDN
    "django_countries",
    "django_celery_beat",
    "allauth",  # volunteers' accounts: see "Accounts" below
    "allauth.account",
    "django_ratelimit",
    "axes",  # failed log-ins, every way in (see "Log-in limits" below)
    "auditlog",  # who did it: every service's by= in a LogEntry (apps.core.audit)
    "apps.core",
    "apps.releases",
    "apps.sponsors",
    "apps.servers",
    "apps.mirrors",
    "apps.delivery",
    "apps.partners",
    "apps.infra",
    "apps.demo",
]

MIDDLEWARE = [
    # X-Forwarded-Proto and -For only from TRUSTED_PROXIES (see "Deploy" below).
    "apps.core.forwarded.TrustedProxyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # JSON answers under /api/ for Django's own errors, and a 503 while the database is down.
    "apps.core.middleware.ApiErrorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "axes.middleware.AxesMiddleware",  # a locked-out log-in's page (apps.core.logins)
    "csp.middleware.CSPMiddleware",  # Content-Security-Policy (see "Content-Security-Policy")
]

ROOT_URLCONF = "portal.urls"

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

WSGI_APPLICATION = "portal.wsgi.application"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# Where `collectstatic` puts the files nginx serves (see "Deploy" below).
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "apps.core.staticfiles.ManifestStorage"
            if not DEBUG
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
# In development whitenoise serves straight from the apps' static folders.
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG
if DEBUG:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=str(VAR_DIR / "media"))


# Email: the console in development, SMTP (EMAIL_URL=smtp://...) in production.
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="mirrors@portal.example.org")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# GeoIP: None means the offline database from the python-geoacumen package.
GEOIP_PATH = env.str("GEOIP_PATH", default=None)

# The master tree that mirrors copy, and the vault that keeps end-of-life releases.
VAULT_URL = env.str("VAULT_URL", default="http://vault.example.org/centos/")
MASTER_TIMESTAMP_FILE = env.str("MASTER_TIMESTAMP_FILE", default="TIME")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}

# --- People's journeys (issue 19): the portal's name in emails and pages -----------------
# Every email is prefixed with ACCOUNT_EMAIL_SUBJECT_PREFIX and signed with these two.
PORTAL_NAME = env.str("PORTAL_NAME", default="CentOS infrastructure portal")
PORTAL_URL = env.str("PORTAL_URL", default="http://127.0.0.1:8000/")
ACCOUNT_ADAPTER = "apps.core.accounts.PortalAccountAdapter"
