"""Fixtures of the delivery tests: a built snapshot of mirrors in the database and its
published snapshot loaded into a store (the lean front's helpers, called directly or through a
real HTTP server on 127.0.0.1, are in fixtures.py, which the root conftest loads)."""

from __future__ import annotations

import pytest

from apps.delivery.services import snapshot_publish
from apps.delivery.store import SnapshotStore
from apps.mirrors.choices import ContentState, MirrorStatus, MirrorTier

from .factories import (
    Built,
    NetblockFactory,
    catalogue_build,
    make_mirror,
)
from .fixtures import new_front


@pytest.fixture(autouse=True)
def _no_queued_rebuilds(settings):
    """Transactional tests would otherwise queue real rebuild tasks on the broker."""
    settings.DELIVERY_REBUILD_ON_CHANGE = False


@pytest.fixture
def built(db) -> Built:
    """Release 5.0 (x86_64: os, updates; two ISOs) and end-of-life 4.4, no mirrors yet but
    the master (factories.catalogue_build)."""
    return catalogue_build()


@pytest.fixture
def network_mirrors(built) -> Built:
    """Mirrors around the snapshot, and the ones that must never be served."""
    make_mirror(built, "gb1.example.org", "GB", bandwidth_mbps=1000)
    make_mirror(built, "gb2.example.org", "GB", bandwidth_mbps=100)
    make_mirror(built, "fr1.example.org", "FR")
    make_mirror(built, "de1.example.org", "DE", protocols=("http", "https"), ipv6=True)
    make_mirror(built, "us1.example.org", "US")
    make_mirror(built, "jp1.example.org", "JP")
    make_mirror(built, "kr1.example.org", "KR")
    make_mirror(built, "in1.example.org", "IN")
    make_mirror(built, "br1.example.org", "BR")
    private = make_mirror(built, "campus.example.org", "GB", private=True)
    NetblockFactory(mirror=private, cidr="198.51.100.0/24")
    make_mirror(built, "internal1.example.org", "US", tier=MirrorTier.INTERNAL)
    # Never served: behind, down, pending, switched off by its owner, master tier.
    make_mirror(built, "behind.example.org", "GB", state=ContentState.BEHIND, images=False)
    make_mirror(built, "down.example.org", "GB", status=MirrorStatus.DOWN)
    make_mirror(built, "pending.example.org", "GB", approval="pending")
    make_mirror(built, "off.example.org", "GB", owner_active=False)
    make_mirror(built, "master1.example.org", "GB", tier=MirrorTier.MASTER)
    return built


@pytest.fixture
def published(network_mirrors):
    """The built snapshot's snapshot, published and parsed: (row, store)."""
    row = snapshot_publish(reason="test")
    store = SnapshotStore(poll_seconds=0)
    store.install(bytes(row.blob), write_cache=False)
    return row, store


@pytest.fixture
def front(published):
    return new_front(published[1])


@pytest.fixture
def staff_client(client, django_user_model):
    user = django_user_model.objects.create_superuser("ops", "ops@example.org", "pw-for-tests")
    client.force_login(user)
    return client


@pytest.fixture
def redis_down(settings):
    """The cache and the broker both point at a port nobody listens on (Redis is down)."""
    from portal.celery import app as celery_app

    dead = "redis://127.0.0.1:1/0"
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": dead}
    }
    saved = celery_app.conf.broker_url, celery_app.conf.broker_connection_timeout
    celery_app.conf.broker_url, celery_app.conf.broker_connection_timeout = dead, 1
    celery_app._pool, celery_app.amqp._producer_pool = None, None
    yield
    celery_app.conf.broker_url, celery_app.conf.broker_connection_timeout = saved
    celery_app._pool, celery_app.amqp._producer_pool = None, None
