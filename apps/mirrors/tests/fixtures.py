"""The mirrors' test support shared with the other apps' tests (the root conftest loads it as
a plugin, so these fixtures are everywhere): the portal's view of the farm's master tree and
a Mirror row for each simulated mirror (`check_settings`, `master_catalogue`,
`farm_mirrors`; `master_tree` and `mirror_farm` are apps.core.testing.fixtures'), and the
health loop's small farm, its settings and the real front over HTTP (`farm`,
`health_settings`, `network`, `eager`, `live`), with the helpers `listed`, `run` and
`sweep`."""

from __future__ import annotations

import datetime as dt
import urllib.error
import urllib.request

import pytest
from django.core.cache import cache

from apps.core.testing.mirrorfarm import Behaviour, MirrorFarm
from apps.delivery.store import SnapshotStore
from apps.delivery.tests.fixtures import new_front
from apps.mirrors import services
from apps.mirrors.models import Mirror
from apps.mirrors.services.health import MASTER_TIME_KEY
from apps.releases.models import Architecture, Image, Release, Repository, RepositoryVersion

from .factories import MirrorFactory, MirrorURLFactory, master_mirror_create


@pytest.fixture
def check_settings(db, settings, mirror_farm):
    """Fast timeouts, the farm's master (as a master mirror), loopback allowed."""
    master_mirror_create(mirror_farm.master.base_url)
    settings.MIRROR_CHECK_TIMEOUT = 1.0
    settings.MIRROR_CHECK_CONNECT_TIMEOUT = 1.0
    settings.MIRROR_CHECK_ALLOW_NETWORKS = ["127.0.0.0/8"]
    settings.MIRROR_CHECK_CONCURRENCY = 50
    settings.MIRROR_CHECK_DOWN_AFTER = 2
    settings.MIRROR_CHECK_UP_AFTER = 2
    settings.MIRROR_CHECK_SUSPEND_AFTER = 0
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    return settings


@pytest.fixture
def master_catalogue(db, master_tree):
    """Releases, repositories and images as the farm's master tree has them.

    The master's older versions are recorded too (as if earlier sweeps had seen them),
    so a mirror one version behind matches a known version.
    """
    arches = {name: Architecture.objects.create(name=name) for name in ("x86_64", "i386")}
    repos = {name: Repository.objects.create(name=name) for name in ("os", "updates", "extras")}
    release = Release.objects.create(version="5.0", major=5, minor=0)
    release.architectures.set(arches.values())
    release.repositories.set(repos.values())
    for (_version, arch, filename), iso in master_tree.isos.items():
        Image.objects.create(
            release=release, architecture=arches[arch], name=filename, size=iso.size
        )
    for (_version, repo, arch), versions in master_tree.repos.items():
        for v in versions[1:]:  # the newest is for master_refresh to find
            RepositoryVersion.objects.create(
                release=release,
                repository=repos[repo],
                architecture=arches[arch],
                timestamp=v.timestamp,
                sha256=v.sha256,
                sha512=v.sha512,
                size=v.size,
                published_at=dt.datetime.fromtimestamp(v.timestamp, tz=dt.UTC),
            )
    return {"release": release, "arches": arches, "repos": repos}


@pytest.fixture
def farm_mirrors(master_catalogue, mirror_farm, check_settings) -> dict[str, Mirror]:
    """A Mirror (approved, status unknown) per simulated mirror, named after its behaviour."""
    mirrors = {}
    for name, sim in mirror_farm.mirrors.items():
        if name == "master":
            continue
        mirror = MirrorFactory(name=f"{name}.farm.test", status="unknown")
        MirrorURLFactory(mirror=mirror, url=sim.base_url)
        mirrors[name] = mirror
    return mirrors


MIRRORLIST = "/mirrorlist?release=5.0&arch=x86_64&repo=os&cc=GB"
METALINK = "/metalink?repo=os-5.0&arch=x86_64&cc=GB"


@pytest.fixture
def farm(master_tree):
    """The master and three current mirrors (more are added by the tests that need them)."""
    farm = MirrorFarm(master_tree, https=False)
    for name in ("one", "two", "three"):
        farm.add_mirror(name, Behaviour.CURRENT)
    with farm:
        yield farm


@pytest.fixture
def health_settings(settings, farm):
    settings.MIRROR_CHECK_ALLOW_NETWORKS = ["127.0.0.0/8"]
    settings.MIRROR_CHECK_TIMEOUT = settings.MIRROR_CHECK_CONNECT_TIMEOUT = 1.0
    settings.MIRROR_HEALTH_TIMEOUT = 1.0  # the blackhole (HANG) costs a round this much
    settings.MIRROR_HEALTH_CONNECT_TIMEOUT = 1.0
    settings.MIRROR_HEALTH_CONFIRM_SECONDS = 0.2  # the second probe of a change
    settings.MIRROR_CHECK_CONCURRENCY = settings.MIRROR_HEALTH_CONCURRENCY = 50
    settings.MIRROR_CHECK_DOWN_AFTER = settings.MIRROR_CHECK_UP_AFTER = 2
    settings.MIRROR_HEALTH_DOWN_AFTER = settings.MIRROR_HEALTH_UP_AFTER = 2
    settings.MIRROR_CHECK_SUSPEND_AFTER = 0
    settings.MIRROR_RECHECK_MIN_SECONDS = 300
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    cache.delete(MASTER_TIME_KEY)
    yield settings
    cache.delete(MASTER_TIME_KEY)


@pytest.fixture
def network(master_catalogue, farm, health_settings) -> dict[str, Mirror]:
    """The master (as a master mirror) and a Mirror per farm mirror, not checked yet."""
    master_mirror_create(farm.master.base_url)
    mirrors = {}
    for name, sim in farm.mirrors.items():
        if name != "master":
            mirrors[name] = MirrorFactory(name=f"{name}.farm.test", status="unknown")
            MirrorURLFactory(mirror=mirrors[name], url=sim.base_url)
    return mirrors


@pytest.fixture
def eager(eager_rebuilds):
    """Tasks queued after commit (snapshot rebuilds, content re-checks) run at once here."""


@pytest.fixture
def live(serve, eager):
    """The real front over HTTP; each answer first polls for a newer snapshot, as every
    delivery worker does in the background."""
    store = SnapshotStore(poll_seconds=0)
    base = serve(new_front(store))

    def get(path: str) -> str:
        store.poll_once()
        try:
            with urllib.request.urlopen(base + path, timeout=5) as answer:
                return answer.read().decode()
        except urllib.error.HTTPError as error:
            return error.read().decode()

    return get


def listed(live, mirror: Mirror) -> tuple[bool, bool]:
    """Whether the mirror's URL is in the mirrorlist and in the metalink."""
    url = mirror.urls.get().url
    return url in live(MIRRORLIST), url in live(METALINK)


def run(capture, **kwargs) -> services.HealthReport:
    """One health round, its after-commit work (emails, rebuilds, re-checks) done."""
    with capture(execute=True):
        return services.health_round(**kwargs)


def sweep(capture) -> None:
    """A whole sweep in the foreground: it publishes the snapshot itself."""
    with capture(execute=True):
        services.sweep_run()
