"""The delivery tests' data: delivery's own rows (DailyUsage), the catalogue and mirrors a
snapshot is built from (catalogue_build, make_mirror), and the mirrors' and releases'
factories they use, gathered here so that delivery's tests import their data from one place."""

from __future__ import annotations

from dataclasses import dataclass, field

import factory
from django.utils import timezone

from apps.delivery.models import DailyUsage
from apps.mirrors.choices import ContentState, ImageState
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

__all__ = [
    "CENTROIDS",
    "ArchitectureFactory",
    "Built",
    "DailyUsageFactory",
    "ImageFactory",
    "MirrorFactory",
    "MirrorURLFactory",
    "NetblockFactory",
    "ReleaseFactory",
    "RepositoryFactory",
    "RepositoryVersionFactory",
    "catalogue_build",
    "make_mirror",
    "master_mirror_create",
]


class DailyUsageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DailyUsage

    day = factory.LazyFunction(lambda: timezone.now().date())
    kind = "mirrorlist"
    country = "DE"
    release = "5.0"
    arch = "x86_64"
    count = 1


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


def catalogue_build() -> Built:
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
