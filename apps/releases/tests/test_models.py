"""The rules of releases, repositories, repository versions and images."""

import pytest
from django.db import IntegrityError

from apps.releases.choices import ReleaseStatus
from apps.releases.models import Release, RepositoryVersion

from .factories import (
    ArchitectureFactory,
    ImageFactory,
    ReleaseFactory,
    RepositoryFactory,
    RepositoryVersionFactory,
)

pytestmark = pytest.mark.django_db


def test_releases_sort_newest_first_and_by_status():
    ReleaseFactory(version="4.4", major=4, minor=4, status=ReleaseStatus.END_OF_LIFE)
    ReleaseFactory(version="4.10", major=4, minor=10)
    ReleaseFactory(version="5.0", major=5, minor=0, status=ReleaseStatus.BETA)
    assert [str(r) for r in Release.objects.all()] == ["5.0", "4.10", "4.4"]
    assert [str(r) for r in Release.objects.served_by_mirrors()] == ["5.0", "4.10"]
    assert [str(r) for r in Release.objects.end_of_life()] == ["4.4"]
    assert [str(r) for r in Release.objects.beta()] == ["5.0"]
    assert Release.objects.get(version="4.4").is_end_of_life


def test_repository_path_template():
    release = ReleaseFactory(version="5.0", major=5, minor=0)
    arch = ArchitectureFactory(name="x86_64")
    assert RepositoryFactory(name="updates").path_for(release, arch) == "5.0/updates/x86_64/"
    extras = RepositoryFactory(name="epel", path_template="extras/{major}/{arch}/")
    assert extras.path_for(release, arch) == "extras/5/x86_64/"


def test_repository_versions_newest_first_and_unique():
    release, repo, arch = ReleaseFactory(), RepositoryFactory(), ArchitectureFactory()
    old = RepositoryVersionFactory(release=release, repository=repo, architecture=arch, timestamp=1)
    new = RepositoryVersionFactory(release=release, repository=repo, architecture=arch, timestamp=2)
    versions = RepositoryVersion.objects.for_repository(release, repo, arch).latest_first()
    assert list(versions) == [new, old]
    with pytest.raises(IntegrityError):
        RepositoryVersionFactory(
            release=release, repository=repo, architecture=arch, sha256=old.sha256
        )


def test_image_path():
    image = ImageFactory(
        release=ReleaseFactory(version="4.5", major=4, minor=5),
        architecture=ArchitectureFactory(name="i386"),
    )
    assert image.name == "CentOS-4.5-i386-bin-DVD.iso"
    assert image.path == "4.5/isos/i386/CentOS-4.5-i386-bin-DVD.iso"
