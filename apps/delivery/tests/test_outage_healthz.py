"""/healthz through outages: the database, the broker, the workers and the snapshot's age
each on its own line, the truth told, 200 while answers can be served, and where the
database is only to the addresses METRICS_ALLOWED_NETWORKS lists."""

from __future__ import annotations

import datetime as dt
import threading

import orjson
import pytest
from django.db import connection
from django.utils import timezone

from apps.core.models import WorkerHeartbeat
from apps.delivery import health_probe
from apps.delivery.health import HealthState

from .fixtures import call, new_front
from .test_front import broken_database  # noqa: F401


def probe_in_thread(state: HealthState) -> None:
    """As the delivery worker's poller does: in its own thread, with its own connection."""

    def run():
        try:
            health_probe.refresh(state)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(30)


def healthz(front, remote="192.0.2.7"):
    answer = call(front, "/healthz", remote=remote)
    return answer.status, orjson.loads(answer.body), answer.text


@pytest.fixture
def state():
    return HealthState()


@pytest.fixture
def fronts(published, state):
    store = published[1]
    return (
        new_front(store, health=state, health_stale_after=3600),
        new_front(store, health=state, health_stale_after=3600, metrics_readers={"192.0.2.7"}),
    )


def test_all_well(fronts, state, settings, db):
    settings.CELERY_BROKER_URL = "filesystem://"
    WorkerHeartbeat.objects.create(hostname="celery@here", seen_at=timezone.now())
    health_probe.refresh(state)
    status, body, _ = healthz(fronts[0])
    assert status == 200 and body["status"] == "ok"
    assert [body[k]["state"] for k in ("database", "broker", "worker", "snapshot")] == ["ok"] * 4


def test_no_worker_running(fronts, state, settings, db):
    settings.CELERY_BROKER_URL = "filesystem://"
    health_probe.refresh(state)
    status, body, _ = healthz(fronts[0])
    assert status == 200 and body["status"] == "degraded"
    assert body["worker"] == {"state": "down"}
    WorkerHeartbeat.objects.create(
        hostname="celery@gone", seen_at=timezone.now() - dt.timedelta(minutes=10)
    )
    health_probe.refresh(state)
    _, body, _ = healthz(fronts[1])
    assert body["worker"]["state"] == "down" and body["worker"]["heartbeat_age_seconds"] > 590
    assert "celery@gone" in body["worker"]["detail"]  # the trusted reader is told which


def test_the_database_down_is_said_and_where_only_to_trusted_readers(
    fronts,
    state,
    settings,
    broken_database,  # noqa: F811
):
    settings.CELERY_BROKER_URL = "filesystem://"
    probe_in_thread(state)
    status, body, text = healthz(fronts[0])
    assert status == 200  # the answers are still served from the snapshot
    assert body["status"] == "degraded"
    assert body["database"] == {"state": "down"} and body["worker"] == {"state": "unknown"}
    assert "detail" not in text and "Error" not in text
    assert "127.0.0.1" not in text and "nonexistent" not in text  # PostgreSQL's or SQLite's
    _, trusted, _ = healthz(fronts[1])
    assert "OperationalError" in trusted["database"]["detail"]


def test_the_broker_down_and_back(fronts, state, settings, private_redis, db):
    settings.CELERY_BROKER_URL = private_redis.url(3)
    health_probe.refresh(state)
    assert healthz(fronts[0])[1]["broker"] == {"state": "ok"}
    private_redis.stop()
    health_probe.refresh(state)
    _, body, text = healthz(fronts[0])
    assert body["broker"] == {"state": "down"} and str(private_redis.port) not in text
    _, trusted, _ = healthz(fronts[1])
    assert trusted["broker"]["state"] == "down" and "redis" in trusted["broker"]["detail"]
    private_redis.start()
    health_probe.refresh(state)
    assert healthz(fronts[0])[1]["broker"] == {"state": "ok"}


def test_a_snapshot_older_than_two_sweep_intervals_is_stale(published, state, settings, db):
    settings.CELERY_BROKER_URL = "filesystem://"
    WorkerHeartbeat.objects.create(hostname="celery@here", seen_at=timezone.now())
    health_probe.refresh(state)
    front = new_front(published[1], health=state, health_stale_after=0.0)
    status, body, _ = healthz(front)
    assert status == 200 and body["status"] == "degraded"
    assert body["snapshot"]["state"] == "stale" and body["snapshot"]["stale_after_seconds"] == 0


def test_the_front_portal_builds_says_stale_after_two_sweep_intervals(settings):
    from apps.delivery import runtime

    settings.MIRROR_CHECK_INTERVAL_MINUTES = 30
    runtime.reset()
    try:
        assert runtime.front_build(lambda e, s: []).health_stale_after == 3600
    finally:
        runtime.reset()


def test_the_status_page_says_when_the_lists_are_not_refreshed(client, published, settings):
    from django.urls import reverse

    from apps.delivery import runtime
    from apps.delivery.models import Snapshot

    settings.MIRROR_CHECK_INTERVAL_MINUTES = 30
    settings.DELIVERY_SNAPSHOT_CACHE = ""
    runtime.reset()  # a web process that has loaded no snapshot: it asks the database
    try:
        page = client.get(reverse("mirrors:status")).content.decode()
        assert "The mirror lists are not being refreshed" not in page
        Snapshot.objects.update(built_at=timezone.now() - dt.timedelta(minutes=61))
        page = client.get(reverse("mirrors:status")).content.decode()
        assert "The mirror lists are not being refreshed" in page
        assert "as they were 61 minutes ago: more than two sweep intervals (60 minutes)" in page
    finally:
        runtime.reset()
