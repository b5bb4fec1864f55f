"""Finds the database, the broker and the workers as they are, for /healthz (apps.delivery.
health): run by each delivery worker's background thread (the snapshot poller's tick) at
most every HEALTH_PROBE_SECONDS, never on a request's path."""

from __future__ import annotations

import logging
import time

from django.conf import settings

from .health import DOWN, OK, UNKNOWN, HealthState

log = logging.getLogger(__name__)

_last = {"at": 0.0}


def refresh_if_due(state: HealthState) -> None:
    now = time.monotonic()
    if now - _last["at"] < settings.HEALTH_PROBE_SECONDS:
        return
    _last["at"] = now
    refresh(state)


def refresh(state: HealthState) -> None:
    database = database_probe()
    state.update(
        {"database": database, "broker": broker_probe(), "worker": worker_probe(database[0])}
    )


def database_probe() -> tuple[str, dict, str]:
    from django.db import connection

    where = f"{connection.vendor} {connection.settings_dict.get('HOST') or ''}".strip()
    port = connection.settings_dict.get("PORT")
    where += f":{port}" if port else ""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as exc:  # noqa: BLE001  (down, refused, timed out, auth...)
        connection.close()  # the next probe opens a new connection
        return DOWN, {}, f"{where}: {type(exc).__name__}: {exc}".strip()
    return OK, {}, where


def broker_probe() -> tuple[str, dict, str]:
    url = settings.CELERY_BROKER_URL
    scheme = url.split("://", 1)[0]
    if scheme in ("filesystem", "memory"):
        return OK, {}, f"{scheme}:// (this machine)"
    try:
        from kombu import Connection

        with Connection(url, connect_timeout=1.0) as connection:
            connection.ensure_connection(max_retries=1, timeout=1.0)
            where = connection.as_uri()  # the password masked
    except Exception as exc:  # noqa: BLE001
        return DOWN, {}, f"{scheme}: {type(exc).__name__}: {exc}"
    return OK, {}, where


def worker_probe(database: str) -> tuple[str, dict, str]:
    """A worker ran the heartbeat (beat sends it every WORKER_HEARTBEAT_SECONDS) within three
    intervals."""
    if database != OK:
        return UNKNOWN, {}, "the heartbeats are kept in the database, which is down"
    from django.utils import timezone

    from apps.core.models import WorkerHeartbeat

    newest = WorkerHeartbeat.objects.order_by("-seen_at").first()
    if newest is None:
        return DOWN, {}, "no worker has ever run the heartbeat (is beat running?)"
    age = (timezone.now() - newest.seen_at).total_seconds()
    figures = {"heartbeat_age_seconds": round(age, 1)}
    limit = 3 * settings.WORKER_HEARTBEAT_SECONDS
    if age > limit:
        return DOWN, figures, f"last heartbeat from {newest.hostname}, over {limit} s ago"
    return OK, figures, newest.hostname
