"""The database and the cache."""

from .base import BASE_DIR, env

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
