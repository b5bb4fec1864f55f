"""Fixtures of the mirror checks: the portal's view of the farm's master tree, and a
Mirror row for each simulated mirror. (`master_tree` and `mirror_farm` come from
apps.core.testing.fixtures, enabled in the root conftest.)"""

import datetime as dt

import pytest

from apps.mirrors.models import Mirror
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


# A volunteer signed in (the registration and owners' pages).
@pytest.fixture
def volunteer(django_user_model):
    return django_user_model.objects.create_user("vol", "vol@example.org", "a-long-password-1")


@pytest.fixture
def volunteer_client(client, volunteer):
    client.force_login(volunteer)
    return client
