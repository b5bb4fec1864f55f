"""Fixtures of the delivery tests: a built snapshot of mirrors in the database, its published
snapshot loaded into a store, the lean front called directly or through a real HTTP
server on 127.0.0.1."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from django.utils import timezone

from apps.delivery.services import snapshot_publish
from apps.delivery.store import SnapshotStore
from apps.delivery.tests.fixtures import new_front
from apps.mirrors.choices import ContentState, ImageState, MirrorStatus, MirrorTier
from apps.mirrors.models import MirrorImageState, MirrorRepositoryState
from apps.mirrors.tests.factories import (
    MirrorFactory,
    MirrorURLFactory,
    NetblockFactory,
    master_mirror_create,
)
from apps.releases.choices import ReleaseStatus
from apps.releases.tests.factories import (
    ArchitectureFactory,
    ImageFactory,
    ReleaseFactory,
    RepositoryFactory,
    RepositoryVersionFactory,
)

CENTROIDS = {
    "GB": ("EU", 54.0, -2.0),
    "FR": ("EU", 46.0, 2.0),
    "DE": ("EU", 51.0, 9.0),
    "IE": ("EU", 53.0, -8.0),
    "US": ("NA", 38.0, -97.0),
    "JP": ("AS", 36.0, 138.0),
    "KR": ("AS", 37.0, 127.5),
    "IN": ("AS", 20.0, 77.0),
    "BR": ("SA", -10.0, -55.0),
}


@pytest.fixture(autouse=True)
def _no_queued_rebuilds(settings):
    """Transactional tests would otherwise queue real rebuild tasks on the broker."""
    settings.DELIVERY_REBUILD_ON_CHANGE = False


@dataclass
class Built:
    """What `make_mirror` and friends created, by short name."""

    release: object
    eol_release: object
    arch: object
    repos: dict
    images: dict = field(default_factory=dict)
    mirrors: dict = field(default_factory=dict)


def make_mirror(
    built: Built,
    name: str,
    cc: str,
    *,
    repos=("os", "updates"),
    images=True,
    state=ContentState.CURRENT,
    url: str | None = None,
    protocols=("http",),
    ipv6=False,
    **fields,
):
    """A mirror in country `cc` with URLs and states for the built release."""
    continent, lat, lon = CENTROIDS[cc]
    mirror = MirrorFactory(
        name=name, country=cc, continent=continent, latitude=lat, longitude=lon, **fields
    )
    for protocol in protocols:
        base = url if url and protocol == "http" else f"{protocol}://{name}/centos/"
        MirrorURLFactory(mirror=mirror, protocol=protocol, url=base, ipv6=ipv6)
    for repo in repos:
        MirrorRepositoryState.objects.create(
            mirror=mirror,
            release=built.release,
            repository=built.repos[repo],
            architecture=built.arch,
            state=state,
            checked_at=timezone.now(),
        )
    for image in built.images.values() if images else ():
        MirrorImageState.objects.create(
            mirror=mirror, image=image, state=ImageState.PRESENT, checked_at=timezone.now()
        )
    built.mirrors[name] = mirror
    return mirror


@pytest.fixture
def built(db) -> Built:
    """Release 5.0 (x86_64: os, updates; two ISOs) and end-of-life 4.4, no mirrors yet but
    the master."""
    arch = ArchitectureFactory(name="x86_64")
    repos = {name: RepositoryFactory(name=name) for name in ("os", "updates")}
    release = ReleaseFactory(version="5.0", major=5, minor=0, status=ReleaseStatus.CURRENT)
    eol = ReleaseFactory(version="4.4", major=4, minor=4, status=ReleaseStatus.END_OF_LIFE)
    for r in (release, eol):
        r.architectures.add(arch)
        r.repositories.add(*repos.values())
    for repo in repos.values():
        for k in range(3):
            RepositoryVersionFactory(
                release=release, repository=repo, architecture=arch, timestamp=1_170_000_000 - k
            )
    images = {
        "dvd": ImageFactory(
            release=release, architecture=arch, name="CentOS-5.0-x86_64-bin-DVD.iso"
        ),
        "net": ImageFactory(
            release=release, architecture=arch, name="CentOS-5.0-x86_64-netinstall.iso"
        ),
    }
    # The master, the answer of last resort: a mirror of tier master in the database.
    master_mirror_create("http://master.example.org/centos/", name="master.example.org")
    return Built(release=release, eol_release=eol, arch=arch, repos=repos, images=images)


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
