"""The one reading of REQUIRE_SERVICES: a test that needs a program or a server it cannot
find is skipped on a laptop, and fails where REQUIRE_SERVICES is set (CI sets it to 1), so a
missing service never skips silently there. Unset, empty, 0, false, no and off mean "not
required"; anything else means required. Also here: the Redis and the database that a
worker process a test starts uses (REDIS_URL, redis_required, database_url)."""

from __future__ import annotations

import os
import shutil
from typing import NoReturn

import pytest
import redis
from django.db import connection

_NOT_REQUIRED = {"", "0", "false", "no", "off"}


def services_required() -> bool:
    return os.environ.get("REQUIRE_SERVICES", "").strip().lower() not in _NOT_REQUIRED


def service_missing(message: str) -> NoReturn:
    """Skip the test for want of `message`'s service, or fail it under REQUIRE_SERVICES."""
    if services_required():
        pytest.fail(f"{message}, and REQUIRE_SERVICES is set")
    pytest.skip(f"{message}; set REQUIRE_SERVICES=1 to make this a failure")


def program_path(name: str, hint: str = "") -> str:
    """The path of program `name` (on PATH or in /usr/sbin), or service_missing."""
    path = shutil.which(name)
    if path is None and os.access(f"/usr/sbin/{name}", os.X_OK):
        path = f"/usr/sbin/{name}"
    if path is None:
        service_missing(f"{name} is not installed{f' ({hint})' if hint else ''}")
    return path


REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15")


def redis_required():
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError as exc:
        service_missing(f"Redis at {REDIS_URL} is unreachable ({exc})")


def database_url() -> str:
    db = connection.settings_dict
    if db["ENGINE"] != "django.db.backends.postgresql":
        pytest.skip(
            "needs a test database that a worker process can open: run with "
            "DATABASE_URL=postgres://... (CI does); SQLite's test database is in memory"
        )
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
