"""The README's backups, on real PostgreSQL: the backup unit's pg_dump command writes a dump,
the database is lost, and the README's restore brings the portal back with its data.

It uses a database of its own on the server DATABASE_URL names (that name + "_backup_test"),
never DATABASE_URL's nor the test database; without PostgreSQL it is skipped (a failure in CI)."""

from __future__ import annotations

import os
import shlex
import subprocess
from urllib.parse import urlsplit

import pytest

from apps.core.testing.services import service_missing

from .deployment import ROOT, manage, production_env, require_binary

pytestmark = [pytest.mark.timeout(300)]


def _postgres_url() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        service_missing("DATABASE_URL does not name a PostgreSQL database")
    return url


def psql(server: str, sql: str) -> str:
    done = subprocess.run(  # noqa: S603  (our own arguments)
        [require_binary("psql"), "-X", "-q", "-tA", "-v", "ON_ERROR_STOP=1", "-d", server,
         "-c", sql],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_a_dump_restores_into_a_working_portal(tmp_path):
    # A database of its own beside DATABASE_URL's, never that one: the test drops it.
    base = _postgres_url()
    url = base.rsplit("/", 1)[0] + "/" + urlsplit(base).path.lstrip("/") + "_backup_test"
    require_binary("pg_dump")
    require_binary("pg_restore")
    name = urlsplit(url).path.lstrip("/")
    server = url.rsplit("/", 1)[0] + "/postgres"
    drop = f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'
    psql(server, drop)
    psql(server, f'CREATE DATABASE "{name}"')
    env = production_env(DATABASE_URL=url, STATIC_ROOT=str(tmp_path / "static"))
    master = ("setmaster", "https://master.example.org/centos/", "--country", "US")
    for args in (("migrate", "--noinput"), master):
        done = manage(*args, env=env)
        assert done.returncode == 0, done.stdout + done.stderr

    # The backup unit's own command, with its directory here.
    line = next(
        line for line in (ROOT / "deploy" / "portal-backup.service").read_text().splitlines()
        if line.startswith("ExecStart=")
    )  # fmt: skip
    command = shlex.split(line.removeprefix("ExecStart=").replace("%%", "%"))
    backups = tmp_path / "backups"
    done = subprocess.run(command, env={**env, "BACKUP_DIR": str(backups)},  # noqa: S603
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr
    [dump] = backups.glob("portal-*.dump")

    psql(server, drop)  # the database is lost
    # The README's restore: an empty database, pg_restore, then migrate (nothing to apply).
    psql(server, f'CREATE DATABASE "{name}"')
    restored = subprocess.run(  # noqa: S603
        [require_binary("pg_restore"), "--no-owner", "--exit-on-error", "--dbname", url, str(dump)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert restored.returncode == 0, restored.stderr
    migrate = manage("migrate", "--noinput", env=env)
    assert "No migrations to apply." in migrate.stdout, migrate.stdout + migrate.stderr
    again = manage("setmaster", "https://master.example.org/centos/", env=env)
    assert again.stdout.strip() == (
        "Changed the master master.example.org: https://master.example.org/centos/"
    ), again.stderr
    psql(server, drop)
