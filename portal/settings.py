"""Settings, read from the environment (django-environ).

The defaults run on a laptop with nothing installed: SQLite, a Celery broker
kept in files, the GeoIP database from a PyPI package. Production sets
DEBUG=False, which requires SECRET_KEY and turns on the secure settings that
`manage.py check --deploy` looks for.
"""

import os
from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent
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

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web server, the worker and beat share one file: wait for locks, don't fail.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 30, "transaction_mode": "IMMEDIATE"}
    )

if DATABASES["default"]["ENGINE"].startswith("django.db.backends.postgresql"):
    # A database host that drops packets makes a page (and /healthz's probe) give up after
    # this many seconds, with the 503 page, instead of hanging for the kernel's timeout.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "connect_timeout", env.int("DATABASE_CONNECT_TIMEOUT", default=5)
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://portal")}
if CACHES["default"]["BACKEND"].endswith("RedisCache"):
    # A Redis that is down must fail fast, and fail open: the rate limits let requests
    # through (with a log line) instead of answering 500 (apps/core/cache.py).
    CACHES["default"]["BACKEND"] = "apps.core.cache.FailOpenRedisCache"
    CACHES["default"].setdefault("OPTIONS", {}).update(
        {"socket_connect_timeout": 1.0, "socket_timeout": 1.0}
    )

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

# Celery: a broker kept in files by default (no server needed), Redis in production.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    _broker_dir = VAR_DIR / "celery-broker"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "control_folder": str(_broker_dir / "control"),
        "processed_folder": str(_broker_dir / "processed"),
        "store_processed": False,
    }
    for _sub in ("queue", "control", "processed"):
        (_broker_dir / _sub).mkdir(parents=True, exist_ok=True)
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=None)
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TIMEZONE = TIME_ZONE

# GeoIP: None means the offline database from the python-geoacumen package.
GEOIP_PATH = env.str("GEOIP_PATH", default=None)

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    # apps.core.api: bounded ?limit=/?offset= and NUL-proof Basic credentials (400s, not
    # 500s); throttles that count the client by the TRUSTED_PROXIES rule and let requests
    # through while the cache is down.
    "DEFAULT_PAGINATION_CLASS": "apps.core.api.LimitOffsetPagination",
    "PAGE_SIZE": 100,
    # API tokens first: their WWW-Authenticate header makes a missing login a 401, not a 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "apps.core.api.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
        "apps.core.api.BasicAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    # A service's django ValidationError is a 400 naming the fields; Conflict is a 409.
    "EXCEPTION_HANDLER": "apps.core.api.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": [
        "apps.core.api.AnonRateThrottle",
        "apps.core.api.UserRateThrottle",
    ],
    # "anon" per client address; "user" per person, whether by token or session; the rest
    # are actions' own scopes (apps.core.api.ScopedRateThrottle, the view's throttle_scope).
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("API_ANON_RATE", default="600/hour"),
        "user": env.str("API_USER_RATE", default="6000/hour"),
        "mirror-check": env.str("API_CHECK_RATE", default="10/hour"),
        "import": env.str("API_IMPORT_RATE", default="30/hour"),
        "publish": env.str("API_PUBLISH_RATE", default="30/hour"),
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Portal API",
    "DESCRIPTION": """Servers, sponsors, mirrors and releases of the distribution.

**Authentication.** Reads of what the public pages show need no credentials. To write, or to
read what only owners and staff see, make a token at `/my/tokens/` (signed in) and send it
in a header: `Authorization: Token <key>` (or `Authorization: Bearer <key>`). A token acts
as the person who made it; revoking it takes effect at once. The browsable API also accepts
the site's session.

**Errors** are JSON: `{"detail": "..."}`, or for a 400 each field with its reasons
(`{"name": ["..."]}`). 401: no or a bad credential (the reason says which); 403: not
allowed; 409: conflicts with the present state; 429: too many requests (see `Retry-After`);
503: the database is down, try again after `Retry-After` seconds.

**Versioning.** Everything under `/api/v1/` stays compatible: fields and endpoints may be
added, never removed or changed in meaning. A breaking change comes as `/api/v2/`, with
`/api/v1/` kept until its announced removal.""",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # drf-spectacular-sidecar: Swagger UI loads from our static files only. (No Redoc: its
    # page asks Google Fonts and cdn.redoc.ly, so it would not work offline.)
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # One stable name per choice set, where fields of the same name ("status", "state",
    # "kind") carry different sets in different apps.
    "ENUM_NAME_OVERRIDES": {
        "MirrorStatusEnum": "apps.mirrors.choices.MirrorStatus",
        "ContentStateEnum": "apps.mirrors.choices.ContentState",
        "ImageStateEnum": "apps.mirrors.choices.ImageState",
        "SweepStateEnum": "apps.mirrors.choices.SweepState",
        "CheckKindEnum": "apps.mirrors.choices.CheckKind",
        "ReleaseStatusEnum": "apps.releases.choices.ReleaseStatus",
        "ImageKindEnum": "apps.releases.choices.ImageKind",
        "RepositoryKindEnum": "apps.releases.choices.RepositoryKind",  # g-releases
        "ServerRoleEnum": "apps.servers.choices.ServerRole",
        "ServerStatusEnum": "apps.servers.choices.ServerStatus",
        "ServerHealthEnum": "apps.servers.choices.ServerHealth",
        "StateTypeEnum": "apps.servers.choices.StateType",
        "SponsorKindEnum": "apps.sponsors.choices.SponsorKind",
        "SponsorStateEnum": "apps.sponsors.choices.SponsorState",
    },
    # Every operation documents the JSON errors it may answer (apps/core/api_schema.py).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "apps.core.api_schema.error_responses_add",
    ],
}

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

# --- Deploy (README, "Running it for real"; deploy/) ----------------------------------
# Production expects a TLS proxy in front (deploy/nginx-portal.conf): plain HTTP is answered
# 301 to https (SECURE_SSL_REDIRECT, on by default), and the proxy's X-Forwarded-Proto says
# which scheme the client used. That header is believed only from TRUSTED_PROXIES, as
# X-Forwarded-For is; behind one, REMOTE_ADDR is the client's (apps.core.forwarded).
# `check --deploy` refuses a missing staticfiles manifest (run `collectstatic`; runportal
# and the units do) and warns of settings the portal no longer reads (apps.core.checks).
SECURE_SSL_REDIRECT = False if DEBUG else env.bool("SECURE_SSL_REDIRECT", default=True)
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_CONTENT_TYPE_NOSNIFF = True
    SECURE_REFERRER_POLICY = "same-origin"
    X_FRAME_OPTIONS = "DENY"

# --- Accounts (django-allauth) and rate limits (django-ratelimit) --------------
# Volunteers sign up with their email address, confirm it, then log in with it; the admin
# keeps its own log-in page. Both libraries count attempts in the default cache, which
# must be shared by every worker in production (CACHE_URL=redis://...).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses a locked-out log-in
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "mirrors:mine"
ACCOUNT_LOGIN_METHODS = {"email", "username"}  # either: staff log in with their user name
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = "username"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGOUT_REDIRECT_URL = "home"
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[CentOS mirrors] "
ACCOUNT_RATE_LIMITS = {
    "signup": env.str("RATE_SIGNUP", default="10/h/ip"),
    "login": env.str("RATE_LOGIN", default="30/m/ip"),
    # Wrong passwords are counted by django-axes for every way in (below), not here: keyed by
    # the account alone, allauth's count let anyone lock a volunteer out from everywhere.
    "login_failed": None,
    "reset_password": env.str("RATE_RESET_PASSWORD", default="20/m/ip,5/m/key"),
}
# The owners' forms (register, edit, windows, invites): POSTs per client and per hour.
MIRROR_FORM_RATE = env.str("MIRROR_FORM_RATE", default="30/h")
# New API tokens (/my/tokens/): POSTs per person and per hour.
TOKEN_FORM_RATE = env.str("TOKEN_FORM_RATE", default="30/h")
RATELIMIT_USE_CACHE = "default"
if DEBUG and not CACHES["default"]["BACKEND"].endswith("RedisCache"):
    # One process (a laptop, a test) counts well enough in its own memory; several workers
    # each count apart, so production must set CACHE_URL=redis://... (check --deploy says).
    SILENCED_SYSTEM_CHECKS = ["django_ratelimit.E003", "django_ratelimit.W001"]
else:
    # django-ratelimit 4.1 lists django-redis, not Django's own RedisCache, as supported;
    # Django's has the atomic incr the counters need.
    SILENCED_SYSTEM_CHECKS = ["django_ratelimit.W001"]

# --- Log-in limits (django-axes, apps.core.logins) ------------------------------
# One limiter for the admin's log-in, the volunteers' log-in and HTTP Basic on the API:
# LOGIN_FAILURE_LIMIT wrong passwords for one account from one client address lock that
# pair for LOGIN_LOCKOUT_MINUTES (a 429), so an attacker cannot lock the owner out from
# elsewhere. Attempts live in the database (staff see and clear them in the admin: Axes).
# API tokens are not counted: each has 256 random bits, so nobody guesses one, and the API's
# throttles bound the tries anyway. HTTP Basic on the API is off unless API_BASIC_AUTH is set.
LOGIN_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
LOGIN_LOCKOUT_MINUTES = env.int("LOGIN_LOCKOUT_MINUTES", default=15)
API_BASIC_AUTH = env.bool("API_BASIC_AUTH", default=False)
AXES_FAILURE_LIMIT = LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = LOGIN_LOCKOUT_MINUTES / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_DISABLE_ACCESS_LOG = True  # failures only: no row per successful log-in
AXES_USERNAME_CALLABLE = "apps.core.logins.login_key"
AXES_CLIENT_IP_CALLABLE = "apps.core.logins.login_address"
AXES_LOCKOUT_CALLABLE = "apps.core.logins.locked_out"
AXES_VERBOSE = False
LOGGING["loggers"]["axes"] = {"level": "WARNING"}  # lockouts; not a line per log-in

# --- Content-Security-Policy (django-csp) ----------------------------------------
# The second line behind escaping: scripts, styles, images, fonts and requests from this
# site only; no inline script, no <style> element, no style attribute (the charts size their
# bars with classes, static/css/sizes.css), no plugin, no framing. CSP_REPORT_URI, when
# set, is where browsers report what the policy blocked.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],  # Swagger UI's icons are data: URLs
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        **({"report-uri": [env.str("CSP_REPORT_URI")]} if env.str("CSP_REPORT_URI", "") else {}),
    },
}

# --- Mirror checks (apps.mirrors.checks) -------------------------------------

# How often sweeps run is a django-celery-beat PeriodicTask (admin, `setupschedule`);
# everything else about them is here. See docs/checks.md.
MIRROR_CHECK_PERIODIC = env.bool("MIRROR_CHECK_PERIODIC", default=not DEBUG)
MIRROR_CHECK_INTERVAL_MINUTES = env.int("MIRROR_CHECK_INTERVAL_MINUTES", default=30)
MIRROR_CHECK_TIMEOUT = env.float("MIRROR_CHECK_TIMEOUT", default=10.0)  # whole request, s
MIRROR_CHECK_CONNECT_TIMEOUT = env.float("MIRROR_CHECK_CONNECT_TIMEOUT", default=5.0)
# Requests in flight at once. A hung mirror holds its slot for the whole timeout, so this
# must exceed the number of hung mirrors plus what the healthy ones need (see docs/checks.md).
MIRROR_CHECK_CONCURRENCY = env.int("MIRROR_CHECK_CONCURRENCY", default=1000)
MIRROR_CHECK_PER_HOST = env.int("MIRROR_CHECK_PER_HOST", default=2)
MIRROR_CHECK_UVLOOP = env.bool("MIRROR_CHECK_UVLOOP", default=True)  # when uvloop is installed
MIRROR_CHECK_MAX_BYTES = env.int("MIRROR_CHECK_MAX_BYTES", default=1024 * 1024)
# Names of checked hosts are resolved by c-ares (aiodns) at the checks' own concurrency, each
# answer remembered for the sweep: these servers ("address" or "address:port"; empty: the
# system's /etc/resolv.conf), this many seconds per try and tries per server.
MIRROR_CHECK_DNS_SERVERS = env.list("MIRROR_CHECK_DNS_SERVERS", default=[])
MIRROR_CHECK_DNS_TIMEOUT = env.float("MIRROR_CHECK_DNS_TIMEOUT", default=2.0)
MIRROR_CHECK_DNS_TRIES = env.int("MIRROR_CHECK_DNS_TRIES", default=2)
# Content beyond the metadata: each content check that finds a repository current asks
# MIRROR_CHECK_SAMPLE_PACKAGES of its packages (0: none), chosen at random from the newest
# MIRROR_CHECK_SAMPLE_POOL of the master's primary.xml (read once per new version, at most
# MIRROR_CHECK_PRIMARY_MAX_BYTES), with HEAD; one in 1/MIRROR_CHECK_SAMPLE_FULL_RATE whole,
# its sha256 compared, when at most MIRROR_CHECK_SAMPLE_FULL_MAX_BYTES (docs/checks.md).
MIRROR_CHECK_SAMPLE_PACKAGES = env.int("MIRROR_CHECK_SAMPLE_PACKAGES", default=3)
MIRROR_CHECK_SAMPLE_POOL = env.int("MIRROR_CHECK_SAMPLE_POOL", default=20)
MIRROR_CHECK_SAMPLE_FULL_RATE = env.float("MIRROR_CHECK_SAMPLE_FULL_RATE", default=0.02)
MIRROR_CHECK_SAMPLE_FULL_MAX_BYTES = env.int("MIRROR_CHECK_SAMPLE_FULL_MAX_BYTES", default=1 << 20)
MIRROR_CHECK_PRIMARY_MAX_BYTES = env.int("MIRROR_CHECK_PRIMARY_MAX_BYTES", default=64 << 20)
# ISO images beyond their size: each content check asks MIRROR_CHECK_IMAGE_RANGES byte ranges
# of MIRROR_CHECK_IMAGE_RANGE_BYTES (0: none) of the images it found present, compared with
# the master's same bytes; with probability MIRROR_CHECK_IMAGE_FULL_RATE one whole image of
# at most MIRROR_CHECK_IMAGE_FULL_MAX_BYTES, its sha256 compared (docs/checks.md).
MIRROR_CHECK_IMAGE_RANGES = env.int("MIRROR_CHECK_IMAGE_RANGES", default=2)
MIRROR_CHECK_IMAGE_RANGE_BYTES = env.int("MIRROR_CHECK_IMAGE_RANGE_BYTES", default=64 << 10)
MIRROR_CHECK_IMAGE_FULL_RATE = env.float("MIRROR_CHECK_IMAGE_FULL_RATE", default=0.005)
MIRROR_CHECK_IMAGE_FULL_MAX_BYTES = env.int("MIRROR_CHECK_IMAGE_FULL_MAX_BYTES", default=1 << 30)
MIRROR_CHECK_MAX_REDIRECTS = env.int("MIRROR_CHECK_MAX_REDIRECTS", default=3)
MIRROR_CHECK_USER_AGENT = env.str("MIRROR_CHECK_USER_AGENT", default="portal-mirror-check/1.0")
MIRROR_CHECK_CHUNK_SIZE = env.int("MIRROR_CHECK_CHUNK_SIZE", default=500)  # mirrors per task
MIRROR_CHECK_SWEEP_LEASE = env.int("MIRROR_CHECK_SWEEP_LEASE", default=3600)  # s, then abandoned
MIRROR_CHECK_DOWN_AFTER = env.int("MIRROR_CHECK_DOWN_AFTER", default=2)  # failed sweeps in a row
MIRROR_CHECK_UP_AFTER = env.int("MIRROR_CHECK_UP_AFTER", default=2)  # good sweeps in a row
MIRROR_CHECK_SUSPEND_AFTER = env.int("MIRROR_CHECK_SUSPEND_AFTER", default=96)  # 0: never
MIRROR_CHECK_STALE_EMAIL_SECONDS = env.int("MIRROR_CHECK_STALE_EMAIL_SECONDS", default=2 * 86400)
MIRROR_CHECK_VERSION_HISTORY = env.int("MIRROR_CHECK_VERSION_HISTORY", default=5)
MIRROR_CHECK_RETENTION_DAYS = env.int("MIRROR_CHECK_RETENTION_DAYS", default=14)
# The health loop between sweeps: one HEAD of the timestamp file per serving URL this often;
# MIRROR_HEALTH_DOWN_AFTER failures in a row take a mirror out of the lists, and as many
# successes queue the content check that lists it again. Each round also reads the master's
# timestamp file: a change runs the master refresh at once (a push), not at the next sweep.
MIRROR_HEALTH_ENABLED = env.bool("MIRROR_HEALTH_ENABLED", default=True)
MIRROR_HEALTH_INTERVAL_SECONDS = env.float("MIRROR_HEALTH_INTERVAL_SECONDS", default=60.0)
# A probe times out on its own (a blackholed mirror costs MIRROR_HEALTH_CONNECT_TIMEOUT, one
# that accepts and never answers MIRROR_HEALTH_TIMEOUT); a probe that would change a mirror's
# status is confirmed by a second one MIRROR_HEALTH_CONFIRM_SECONDS after the first started
# (0: no confirmation, a round later). Together with the delivery's rebuild debounce and poll,
# a dead mirror leaves every answer within 75 s of its death (docs/checks.md).
MIRROR_HEALTH_TIMEOUT = env.float("MIRROR_HEALTH_TIMEOUT", default=4.0)  # whole request, s
MIRROR_HEALTH_CONNECT_TIMEOUT = env.float("MIRROR_HEALTH_CONNECT_TIMEOUT", default=3.0)
MIRROR_HEALTH_CONFIRM_SECONDS = env.float("MIRROR_HEALTH_CONFIRM_SECONDS", default=3.0)
MIRROR_HEALTH_DOWN_AFTER = env.int("MIRROR_HEALTH_DOWN_AFTER", default=2)
MIRROR_HEALTH_UP_AFTER = env.int("MIRROR_HEALTH_UP_AFTER", default=2)
MIRROR_HEALTH_CONCURRENCY = env.int("MIRROR_HEALTH_CONCURRENCY", default=500)
# After a push, a content check of every mirror carrying a changed repository, spread over
# this window so that a thousand mirrors are not asked in the same second.
MIRROR_PUSH_RECHECK_WINDOW_SECONDS = env.float("MIRROR_PUSH_RECHECK_WINDOW_SECONDS", default=600.0)
# A mirror's content is re-checked outside the sweeps at most this often (health recovery).
MIRROR_RECHECK_MIN_SECONDS = env.float("MIRROR_RECHECK_MIN_SECONDS", default=300.0)
# Vantage points (apps.mirrors.services.vantage): a worker elsewhere probes from its own
# network; MIRROR_CHECK_SOURCE_ADDRESS binds its probes to one local address (a host with
# several), and its results go back to MIRROR_VANTAGE_REPLY_QUEUE (empty: the default queue).
MIRROR_CHECK_SOURCE_ADDRESS = env.str("MIRROR_CHECK_SOURCE_ADDRESS", default="")
MIRROR_VANTAGE_REPLY_QUEUE = env.str("MIRROR_VANTAGE_REPLY_QUEUE", default="")
# Owners' webhooks (apps.mirrors.services.webhooks): per mirror at most this many; each event
# tried MIRROR_WEBHOOK_ATTEMPTS times, MIRROR_WEBHOOK_RETRY_SECONDS apart then doubling.
MIRROR_WEBHOOKS_PER_MIRROR = env.int("MIRROR_WEBHOOKS_PER_MIRROR", default=3)
MIRROR_WEBHOOK_ATTEMPTS = env.int("MIRROR_WEBHOOK_ATTEMPTS", default=6)
MIRROR_WEBHOOK_RETRY_SECONDS = env.float("MIRROR_WEBHOOK_RETRY_SECONDS", default=30.0)
MIRROR_WEBHOOK_TIMEOUT = env.float("MIRROR_WEBHOOK_TIMEOUT", default=10.0)
# Targets inside these networks are probed even though they are loopback/private; any other
# non-global address is refused. Development allows loopback (the demo and the test farm).
MIRROR_CHECK_ALLOW_NETWORKS = env.list(
    "MIRROR_CHECK_ALLOW_NETWORKS", default=["127.0.0.0/8", "::1/128"] if DEBUG else []
)

# --- Delivery (apps.delivery) -------------------------------------------------
# The snapshot every delivery worker serves from: how often a worker polls for a newer one,
# where it keeps a copy so that it starts serving while the database is down, and an
# optional Redis that carries the published snapshot besides the database.
DELIVERY_POLL_SECONDS = env.float("DELIVERY_POLL_SECONDS", default=1.0)
DELIVERY_SNAPSHOT_CACHE = env.str(
    "DELIVERY_SNAPSHOT_CACHE", default=str(VAR_DIR / "delivery" / "snapshot.json")
)
DELIVERY_REDIS_URL = env.str("DELIVERY_REDIS_URL", default=None)
DELIVERY_KEEP_SNAPSHOTS = env.int("DELIVERY_KEEP_SNAPSHOTS", default=5)
# Rebuild after sweeps and admin changes (a test suite sets this False so that its
# transactional tests do not queue rebuilds); admin changes arrive in bursts: rebuild once,
# this many seconds after the first.
DELIVERY_REBUILD_ON_CHANGE = env.bool("DELIVERY_REBUILD_ON_CHANGE", default=True)
DELIVERY_REBUILD_DEBOUNCE_SECONDS = env.float("DELIVERY_REBUILD_DEBOUNCE_SECONDS", default=1.0)
# Who may name another address (ip=) for its netblock and ASN buckets, which list private
# mirrors (staff may, through the API, from anywhere); anyone else's ip= sets the country only.
DELIVERY_IP_OVERRIDE_NETWORKS = env.list(
    "DELIVERY_IP_OVERRIDE_NETWORKS", default=["127.0.0.0/8", "::1/128"] if DEBUG else []
)
# How many mirrors a mirrorlist, a metalink and the 302's Link headers carry.
DELIVERY_MIRRORLIST_COUNT = env.int("DELIVERY_MIRRORLIST_COUNT", default=10)
DELIVERY_METALINK_COUNT = env.int("DELIVERY_METALINK_COUNT", default=20)
DELIVERY_LINK_HEADERS = env.int("DELIVERY_LINK_HEADERS", default=4)
# Recent repomd.xml versions a metalink lists as alternates.
DELIVERY_ALTERNATES = env.int("DELIVERY_ALTERNATES", default=4)
# The grace window: a mirror holding a version the master replaced less than this long ago
# is listed after the current mirrors (the metalink: dnf verifies it by the alternates' hash).
DELIVERY_GRACE_SECONDS = env.float("DELIVERY_GRACE_SECONDS", default=6 * 3600.0)
# The mirrorlist carries no hash: add mirrors inside the grace window when fewer than the
# list's size are current (True), or send the rest of the list to the master (False).
# See docs/currency.md for why True is the default.
DELIVERY_MIRRORLIST_GRACE = env.bool("DELIVERY_MIRRORLIST_GRACE", default=True)
# "Nearby countries": within this distance of the client's country, plus land neighbours,
# plus an optional configured group per country, e.g. {"IS": ["GB", "NO", "DK"]}.
DELIVERY_NEARBY_KM = env.float("DELIVERY_NEARBY_KM", default=5000.0)
DELIVERY_COUNTRY_GROUPS = env.json("DELIVERY_COUNTRY_GROUPS", default={})
# A MaxMind-format ASN database (GeoLite2-ASN); without it only netblocks form bucket 1.
GEOIP_ASN_PATH = env.str("GEOIP_ASN_PATH", default=None)
# A MaxMind-format City database (GeoLite2-City, DB-IP City Lite), read with geoip2: the
# whereami API then names the client's city. Mirror choice uses GEOIP_PATH's country only.
GEOIP_CITY_PATH = env.str("GEOIP_CITY_PATH", default=None)
# Usage statistics: counted in each worker's memory, written to the database this often.
DELIVERY_USAGE_FLUSH_SECONDS = env.float("DELIVERY_USAGE_FLUSH_SECONDS", default=60.0)
# Torrents: read the image from this local copy of the master tree when set, else over HTTP
# from the master mirror (see the admin); optional trackers (web seeds alone work without any).
DELIVERY_MASTER_PATH = env.str("DELIVERY_MASTER_PATH", default=None)
DELIVERY_TORRENT_TRACKERS = env.list("DELIVERY_TORRENT_TRACKERS", default=[])

# --- Metrics (/metrics, docs/delivery.md) --------------------------------------
# Prometheus's text format, answered by the delivery front to these client addresses only
# (judged like every client address: the peer, or X-Forwarded-For from TRUSTED_PROXIES);
# anyone else gets a 404. The front's request counters cost it well under 1 µs a request.
METRICS_ENABLED = env.bool("METRICS_ENABLED", default=True)
METRICS_ALLOWED_NETWORKS = env.list("METRICS_ALLOWED_NETWORKS", default=["127.0.0.0/8", "::1"])
# Each worker process writes its request counts here on every snapshot poll, and a scrape
# (which reaches one worker) adds up the others' files: a folder the workers of one machine
# share. Empty: each scrape sees only the worker it reached.
METRICS_DIR = env.str("METRICS_DIR", default=str(VAR_DIR / "metrics"))
# The figures read from the database (sweeps, the health loop, servers) are re-read at most
# this often; scrapes in between get the last ones.
METRICS_CACHE_SECONDS = env.float("METRICS_CACHE_SECONDS", default=15.0)

# --- Server health (apps.servers: nagios' services, run with Monitoring Plugins) ----------
# The plugins the service checks run, by name: the command (no shell), its {values} filled
# from the server (hostname, address, ipv4, ipv6, timeout), the entry's "defaults" and the
# service's arguments; a list inside the command is an optional group, left out when one
# of its values is missing. A team adds a plugin it already uses by adding an entry here
# (SERVER_CHECK_PLUGINS_EXTRA, JSON, from the environment) and a service that names it.
NAGIOS_PLUGINS = env.str("NAGIOS_PLUGINS", default="/usr/lib/nagios/plugins")
SERVER_CHECK_PLUGINS = {
    "http": {
        "label": "HTTP",
        "command": [f"{NAGIOS_PLUGINS}/check_http", "-H", "{hostname}", "-I", "{address}",
                    "-p", "{port}", "-u", "{path}", "-t", "{timeout}", "-f", "follow"],
        "defaults": {"port": 80, "path": "/"},
    },
    "https": {
        "label": "HTTPS",
        "command": [f"{NAGIOS_PLUGINS}/check_http", "--ssl", "--sni", "-H", "{hostname}",
                    "-I", "{address}", "-p", "{port}", "-u", "{path}", "-t", "{timeout}",
                    ["-C", "{certificate_days}"]],
        "defaults": {"port": 443, "path": "/"},
    },
    "dns": {
        # check_dns (nslookup) cannot be told a port; check_dig (dig) can.
        "label": "DNS",
        "command": [f"{NAGIOS_PLUGINS}/check_dig", "-H", "{address}", "-p", "{port}",
                    "-l", "{query}", "-T", "{record_type}", "-t", "{timeout}",
                    ["-a", "{expect}"]],
        "defaults": {"port": 53, "query": "{hostname}", "record_type": "A"},
    },
    "rsync": {
        "label": "rsync",
        "command": [f"{NAGIOS_PLUGINS}/check_tcp", "-H", "{address}", "-p", "{port}",
                    "-t", "{timeout}"],
        "defaults": {"port": 873},
    },
    "rsync-modules": {
        "label": "rsync modules",
        "command": [str(BASE_DIR / "apps" / "servers" / "plugins" / "check_rsync_modules"),
                    "-H", "{address}", "-p", "{port}", "-t", "{timeout}", ["-m", "{module}"]],
        "defaults": {"port": 873},
    },
    "smtp": {
        "label": "SMTP",
        "command": [f"{NAGIOS_PLUGINS}/check_smtp", "-H", "{address}", "-p", "{port}",
                    "-t", "{timeout}"],
        "defaults": {"port": 25},
    },
    **env.json("SERVER_CHECK_PLUGINS_EXTRA", default={}),
}  # fmt: skip
# Which plugins each role's servers are checked with (names above). Every server also has
# the passive "disk" and "load" services, fed by its pushed readings.
SERVER_CHECK_ROLES = {
    "website": ["http", "https"],
    "wiki": ["http", "https"],
    "mirror-master": ["http", "rsync", "rsync-modules"],
    "internal-mirror": ["http", "rsync", "rsync-modules"],
    "vault": ["http"],
    "beta-master": ["http"],
    "dns": ["dns"],
    "mailman": ["smtp"],
    **env.json("SERVER_CHECK_ROLES_EXTRA", default={}),
}
# Off in development by default (the demo's servers do not exist); `manage.py checkservers`
# runs one round now, and `setupschedule --enable` turns the periodic round on.
SERVER_CHECK_PERIODIC = env.bool("SERVER_CHECK_PERIODIC", default=not DEBUG)
SERVER_CHECK_ROUND_SECONDS = env.int("SERVER_CHECK_ROUND_SECONDS", default=60)
SERVER_CHECK_INTERVAL = env.int("SERVER_CHECK_INTERVAL", default=300)  # s, OK or HARD
SERVER_CHECK_RETRY_INTERVAL = env.int("SERVER_CHECK_RETRY_INTERVAL", default=60)  # s, SOFT
SERVER_CHECK_MAX_ATTEMPTS = env.int("SERVER_CHECK_MAX_ATTEMPTS", default=3)
SERVER_CHECK_TIMEOUT = env.int("SERVER_CHECK_TIMEOUT", default=10)  # s per plugin run
SERVER_CHECK_CONCURRENCY = env.int("SERVER_CHECK_CONCURRENCY", default=8)  # plugins at once
SERVER_CHECK_HISTORY_DAYS = env.int("SERVER_CHECK_HISTORY_DAYS", default=90)
# Pushed readings (POST /api/v1/servers/<host>/readings/): thresholds, and how long without
# a reading before the passive services turn SERVER_READINGS_STALE_STATE (nagios' freshness).
SERVER_DISK_FREE_WARN = env.float("SERVER_DISK_FREE_WARN", default=20.0)  # % free, or less
SERVER_DISK_FREE_CRIT = env.float("SERVER_DISK_FREE_CRIT", default=10.0)
SERVER_LOAD_WARN = env.list("SERVER_LOAD_WARN", cast=float, default=[8.0, 6.0, 4.0])  # 1/5/15
SERVER_LOAD_CRIT = env.list("SERVER_LOAD_CRIT", cast=float, default=[16.0, 12.0, 8.0])
SERVER_READINGS_STALE_MINUTES = env.int("SERVER_READINGS_STALE_MINUTES", default=30)
SERVER_READINGS_STALE_STATE = env.str("SERVER_READINGS_STALE_STATE", default="unknown")
# Who is emailed on a hard state change: these addresses, or else every active staff
# member with an email address.
SERVER_HEALTH_EMAILS = env.list("SERVER_HEALTH_EMAILS", default=[])

# Bandwidth (apps/servers): SNMP polls of the servers' interface counters every
# TRAFFIC_POLL_INTERVAL_MINUTES (`setupschedule`; off unless TRAFFIC_POLL_PERIODIC), at most
# TRAFFIC_POLL_CONCURRENCY agents at once, each answering within TRAFFIC_POLL_TIMEOUT seconds.
# Raw counter samples are kept TRAFFIC_SAMPLE_RETENTION_DAYS; the daily totals stay. Agents on
# loopback or private addresses are polled only inside TRAFFIC_SNMP_ALLOW_NETWORKS.
TRAFFIC_POLL_PERIODIC = env.bool("TRAFFIC_POLL_PERIODIC", default=not DEBUG)
TRAFFIC_POLL_INTERVAL_MINUTES = env.int("TRAFFIC_POLL_INTERVAL_MINUTES", default=5)
TRAFFIC_POLL_CONCURRENCY = env.int("TRAFFIC_POLL_CONCURRENCY", default=20)
TRAFFIC_POLL_TIMEOUT = env.float("TRAFFIC_POLL_TIMEOUT", default=3.0)
TRAFFIC_SAMPLE_RETENTION_DAYS = env.int("TRAFFIC_SAMPLE_RETENTION_DAYS", default=35)
TRAFFIC_SNMP_ALLOW_NETWORKS = env.list(
    "TRAFFIC_SNMP_ALLOW_NETWORKS", default=MIRROR_CHECK_ALLOW_NETWORKS
)

# msync over DNS (docs: README, "The sync tree and msync"): with a path, every published
# snapshot rewrites this zone file (PowerDNS GeoIP backend YAML, or a BIND zone), as
# `manage.py exportdns` does; the DNS server reloads it (e.g. `pdns_control reload`).
MSYNC_DNS_EXPORT_PATH = env.str("MSYNC_DNS_EXPORT_PATH", default="")
MSYNC_DNS_FORMAT = env.str("MSYNC_DNS_FORMAT", default="pdns-geoip")
MSYNC_DNS_ZONE = env.str("MSYNC_DNS_ZONE", default="example.org")

# --- Outages (README "Outages"): Redis or PostgreSQL down, nothing lost -----------------
# The worker reconnects to the broker for as long as it is down (Celery's default gives up
# after 100 tries and exits); portal/broker.py keeps kombu's Redis transport from crashing
# on the way (the AttributeError on 'hostname').
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
# A task taken by a worker that died (killed mid-sweep) goes back to the queue after this
# many seconds (Redis's visibility timeout; tasks are acknowledged once done). Longer than
# the longest task; a countdown longer than this may be delivered twice (the snapshot
# rebuilds make that a no-op).
if CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    _visibility = env.int("CELERY_VISIBILITY_TIMEOUT", default=3600)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": _visibility,
        # Look for such tasks every 10 s (kombu: every 100 s), one small Redis query.
        "unacked_restore_interval": max(1, min(10, _visibility // 2)),
        "unacked_restore_throttle": 1,
    }
# Beat sends the heartbeat this often: it notes that a worker runs tasks (/healthz says when
# none has for three intervals) and sends the tasks the outbox kept while the broker was down.
WORKER_HEARTBEAT_SECONDS = env.int("WORKER_HEARTBEAT_SECONDS", default=60)
# /healthz's look at the database, the broker and the workers, from each delivery worker's
# background thread at most this often (never on a request's path).
HEALTH_PROBE_SECONDS = env.float("HEALTH_PROBE_SECONDS", default=10.0)
# django-ratelimit: a count the cache could not give lets the request through.
RATELIMIT_FAIL_OPEN = True
# --- People's journeys (issue 19): the portal's name in emails and pages -----------------
# Every email is prefixed with ACCOUNT_EMAIL_SUBJECT_PREFIX and signed with these two.
PORTAL_NAME = env.str("PORTAL_NAME", default="CentOS infrastructure portal")
PORTAL_URL = env.str("PORTAL_URL", default="http://127.0.0.1:8000/")
ACCOUNT_ADAPTER = "apps.core.accounts.PortalAccountAdapter"
# Releases (apps/releases, issue 20): a proposed blocker is accepted at a net of this many
# +1 votes from the teams (QA, developers, release engineering), rejected at minus as many.
# The periodic task opening staged releases (`setupschedule`) runs every
# RELEASE_STAGING_CHECK_SECONDS.
RELEASE_BLOCKER_VOTES = env.int("RELEASE_BLOCKER_VOTES", default=3)
RELEASE_STAGING_CHECK_SECONDS = env.int("RELEASE_STAGING_CHECK_SECONDS", default=60)
# The rollout page's samples: one per RELEASE_ROLLOUT_SAMPLE_MINUTES from staging until
# RELEASE_ROLLOUT_DAYS after the release opened.
RELEASE_ROLLOUT_SAMPLE_MINUTES = env.int("RELEASE_ROLLOUT_SAMPLE_MINUTES", default=10)
RELEASE_ROLLOUT_DAYS = env.int("RELEASE_ROLLOUT_DAYS", default=14)
# --- Issue 21 (h-partners): infrastructure as code, partners, capacity ---
# The Puppet environment the ENC (contrib/puppet_enc.py, /api/v1/inventory/puppet/<host>/)
# gives every server.
PUPPET_ENVIRONMENT = env.str("PUPPET_ENVIRONMENT", default="production")
# The approved partner network (apps/partners): an approval lasts PARTNER_APPROVAL_DAYS; the
# daily task reminds PARTNER_REMINDER_DAYS before it lapses. E-mails link to SITE_URL.
PARTNER_APPROVAL_DAYS = env.int("PARTNER_APPROVAL_DAYS", default=365)
PARTNER_REMINDER_DAYS = env.int("PARTNER_REMINDER_DAYS", default=30)
SITE_URL = env.str("SITE_URL", default=PORTAL_URL.rstrip("/"))
# Beat's static entries (django-celery-beat's DatabaseScheduler copies them into its table).
CELERY_BEAT_SCHEDULE = {
    "partners: reminders and lapses": {
        "task": "partners.expiry_run",
        "schedule": 24 * 3600,  # daily; a lapsed partner leaves the directory by date anyway
    },
}
# Monthly transfer quotas (apps/mirrors/quota.py): over the last MIRROR_QUOTA_NEAR_SHARE of
# its quota a mirror's draw weight shrinks in proportion to what is left.
MIRROR_QUOTA_NEAR_SHARE = env.float("MIRROR_QUOTA_NEAR_SHARE", default=0.2)
# The capacity page: bytes sent per answer counted when no day has both answers and
# traffic to measure it from.
CAPACITY_BYTES_PER_ANSWER = env.int("CAPACITY_BYTES_PER_ANSWER", default=20_000_000)
# Applications to the partner network: at most this many per person (web form and API).
PARTNER_APPLY_RATE = env.str("PARTNER_APPLY_RATE", default="10/h")
REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["partner-application"] = PARTNER_APPLY_RATE
