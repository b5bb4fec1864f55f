"""The mirror status JSON (archweb's shape, from the snapshot, no query per request) and
publishing a snapshot through the API (staff, rate-limited)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.utils import timezone

from apps.delivery import runtime
from apps.delivery.models import Snapshot
from apps.delivery.services import snapshot_publish
from apps.mirrors.choices import CheckError, CheckKind, MirrorStatus
from apps.mirrors.models import Check, MirrorRepositoryState

STATUS = "/api/v1/delivery/status/"
PUBLISH = "/api/v1/delivery/snapshot/publish/"


def _check(mirror, *, error="", latency=100, ago_hours=1.0):
    url = mirror.urls.get(protocol="http")
    Check.objects.create(
        mirror=mirror, mirror_url=url, url=url.url + "TIME", kind=CheckKind.TIMESTAMP,
        checked_at=timezone.now() - dt.timedelta(hours=ago_hours), latency_ms=latency,
        error=error, detail="connection refused" if error else "",
    )  # fmt: skip


@pytest.fixture
def checked(network_mirrors):
    """gb1 passed two checks of three today (and one two days ago, out of the window);
    down failed its last; behind is two hours behind on both repositories."""
    mirrors = network_mirrors.mirrors
    _check(mirrors["gb1.example.org"], latency=100, ago_hours=3)
    _check(mirrors["gb1.example.org"], latency=300, ago_hours=2)
    _check(mirrors["gb1.example.org"], error=CheckError.REFUSED, latency=None, ago_hours=1)
    _check(mirrors["gb1.example.org"], latency=9000, ago_hours=48)
    _check(mirrors["down.example.org"], error=CheckError.REFUSED, latency=None)
    MirrorRepositoryState.objects.filter(mirror=mirrors["behind.example.org"]).update(
        lag_seconds=7200, timestamp=1_170_000_000
    )
    return network_mirrors


@pytest.fixture
def live(checked, settings, tmp_path):
    """The process's store (the one the API views use) serving a fresh snapshot."""
    settings.DELIVERY_POLL_SECONDS = 0
    settings.DELIVERY_SNAPSHOT_CACHE = str(tmp_path / "snapshot.json")
    runtime.reset()
    runtime.store().install(bytes(snapshot_publish(reason="test").blob))
    yield runtime.store().snapshot
    runtime.reset()


def _by_url(data) -> dict:
    return {u["url"]: u for u in data["urls"]}


def test_status_json_is_ready_bytes_asking_the_database_nothing(
    client, live, checked, django_assert_num_queries
):
    first = client.get(STATUS)
    assert first.status_code == 200
    with django_assert_num_queries(0):
        again = client.get(STATUS)
    assert again.content == first.content
    assert again["Content-Type"] == "application/json"
    assert again["X-Snapshot-Version"] == str(live.version)
    data = again.json()
    assert data["version"] == live.version
    assert data["cutoff"] == 86400 and data["check_frequency"] > 0
    assert data["num_checks"] == 4  # the day's: gb1's three and down's one
    urls = _by_url(data)

    gb1 = urls["http://gb1.example.org/centos/"]
    assert gb1["active"] is True and gb1["why_not_listed"] == []
    assert gb1["completion_pct"] == pytest.approx(2 / 3, abs=1e-3)
    assert gb1["duration_avg"] == pytest.approx(0.2)
    assert gb1["duration_stddev"] == pytest.approx(0.1, abs=0.05)
    assert gb1["last_check_ok"] is False and gb1["last_error"] == CheckError.REFUSED
    assert gb1["score"] > 0 and gb1["country"] == "United Kingdom"
    assert gb1["details"] == f"/mirrors/{checked.mirrors['gb1.example.org'].pk}/"

    down = urls["http://down.example.org/centos/"]
    assert down["active"] is False
    assert down["why_not_listed"][0].startswith("Down")
    assert "http://down.example.org/centos/TIME failed" in down["why_not_listed"][0]
    assert down["completion_pct"] == 0 and down["score"] is None

    behind = urls["http://behind.example.org/centos/"]
    assert behind["delay"] == 7200 and behind["active"] is False
    assert behind["last_sync"] == "2007-01-28T16:00:00Z"
    assert "5.0/os/x86_64: Behind by 2 hours on repository os." in behind["why_not_listed"]

    assert urls["http://de1.example.org/centos/"]["ipv6"] is True
    never_checked = urls["http://fr1.example.org/centos/"]
    assert never_checked["last_check"] is None and never_checked["completion_pct"] is None
    # Private, pending and master mirrors are not public: absent.
    hosts = {u["mirror"] for u in data["urls"]}
    assert not hosts & {"campus.example.org", "pending.example.org", "master1.example.org",
                        "master.example.org"}  # fmt: skip
    assert "off.example.org" in hosts  # public, switched off by its owner: says so
    assert urls["http://off.example.org/centos/"]["why_not_listed"] == [
        "Switched off by its owner."
    ]


def test_status_json_follows_the_snapshot_version(client, live, checked):
    before = client.get(STATUS).json()
    down = checked.mirrors["down.example.org"]
    down.status = MirrorStatus.UP
    down.save()
    runtime.store().install(bytes(snapshot_publish(reason="test").blob))
    after = client.get(STATUS)
    assert int(after["X-Snapshot-Version"]) > before["version"]
    assert _by_url(after.json())["http://down.example.org/centos/"]["active"] is True


def test_status_without_a_snapshot_is_503(client, db, settings, tmp_path):
    settings.DELIVERY_SNAPSHOT_CACHE = str(tmp_path / "none.json")
    runtime.reset()
    try:
        assert client.get(STATUS).status_code == 503
    finally:
        runtime.reset()


@pytest.fixture
def people(db):
    users = get_user_model().objects
    return {
        "staff": users.create_user("ops", password="pw", is_staff=True),
        "volunteer": users.create_user("vol", password="pw"),
    }


def test_publish_is_staff_only_and_answers_the_new_version(client, network_mirrors, people):
    cache.clear()
    assert client.post(PUBLISH).status_code == 401
    client.force_login(people["volunteer"])
    assert client.post(PUBLISH).status_code == 403
    client.force_login(people["staff"])
    response = client.post(PUBLISH)
    assert response.status_code == 201, response.content
    newest = Snapshot.objects.newest().first()
    assert response.json()["version"] == newest.version
    assert response.json()["mirrors"] == newest.mirror_count > 0
    assert "by ops" in newest.reason


def test_publish_is_rate_limited(client, network_mirrors, people, settings):
    cache.clear()
    rates = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "publish": "2/hour"}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    client.force_login(people["staff"])
    assert [client.post(PUBLISH).status_code for _ in range(3)] == [201, 201, 429]
    cache.clear()


def test_status_and_publish_in_the_schema(client, db):
    schema = client.get("/api/schema/").content.decode()
    for path in ("delivery/status/", "delivery/snapshot/publish/"):
        assert f"\n  /api/v1/{path}:\n" in schema
    assert "completion_pct" in schema and "why_not_listed" in schema
