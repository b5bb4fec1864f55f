"""The package sample from real repositories: tiny packages built by rpmbuild, metadata made
by createrepo_c with its primary.xml compressed by gzip, xz or zstd, served by the farm. The
master's primary.xml is read whatever its compression; a mirror lacking a package is
incomplete for that repository, one serving the whole tree current."""

from __future__ import annotations

import hashlib
import shutil
import time

import pytest
from django.urls import reverse

from apps.core.testing.mirrorfarm import MirrorFarm
from apps.core.testing.rpmrepo import build_rpms, createrepo
from apps.mirrors import services
from apps.mirrors.choices import ContentState
from apps.mirrors.models import MirrorRepositoryState
from apps.releases.models import Architecture, Release, Repository, RepositoryVersion

from .factories import MirrorFactory, MirrorURLFactory, master_mirror_create

pytestmark = [pytest.mark.django_db]

NAMES = ["alpha", "bravo", "charlie"]


@pytest.fixture(scope="module")
def rpms(tmp_path_factory):
    if shutil.which("rpmbuild") is None or shutil.which("createrepo_c") is None:
        pytest.skip("rpmbuild and createrepo_c are needed (Debian: rpm, createrepo-c)")
    return build_rpms(tmp_path_factory.mktemp("rpms"), NAMES)


def tree_with(tmp_path, rpms, compress: str):
    tree = tmp_path / f"tree-{compress}"
    repo = tree / "5.0" / "os" / "x86_64"
    (repo / "Packages").mkdir(parents=True)
    for rpm in rpms:
        shutil.copy2(rpm, repo / "Packages" / rpm.name)
    createrepo(repo, compress)
    (tree / "TIME").write_text(f"{int(time.time())}\n")
    return tree


def copy_without(tree, package: str):
    """The same tree (the same metadata) with a package gone: a sync died after the metadata."""
    copy = shutil.copytree(tree, tree.with_name(tree.name + "-lacking"))
    (copy / "5.0/os/x86_64/Packages" / package).unlink()
    return copy


@pytest.mark.parametrize("compress", ["gz", "xz", "zstd"])
def test_the_sample_reads_primary_xml_whatever_its_compression(
    tmp_path, rpms, compress, settings, client, django_capture_on_commit_callbacks
):
    settings.MIRROR_CHECK_ALLOW_NETWORKS = ["127.0.0.0/8"]
    settings.MIRROR_CHECK_TIMEOUT = settings.MIRROR_CHECK_CONNECT_TIMEOUT = 2.0
    settings.MIRROR_CHECK_SAMPLE_PACKAGES = len(NAMES)  # every package, each time
    settings.MIRROR_CHECK_SAMPLE_FULL_RATE = 1.0
    settings.MIRROR_CHECK_SUSPEND_AFTER = 0
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    tree = tree_with(tmp_path, rpms, compress)
    primary = next((tree / "5.0/os/x86_64/repodata").glob("*-primary.xml*"))
    assert primary.name.endswith({"gz": ".xml.gz", "xz": ".xml.xz", "zstd": ".xml.zst"}[compress])
    missing = rpms[1].name
    farm = MirrorFarm(tree, https=False)
    farm.add_mirror("whole", tree_dir=tree)
    farm.add_mirror("lacking", tree_dir=copy_without(tree, missing))
    arch = Architecture.objects.create(name="x86_64")
    repo = Repository.objects.create(name="os")
    release = Release.objects.create(version="5.0", major=5, minor=0)
    release.architectures.set([arch])
    release.repositories.set([repo])
    with farm:
        master_mirror_create(farm.master.base_url)
        mirrors = {}
        for name in ("whole", "lacking"):
            mirrors[name] = MirrorFactory(name=f"{name}.farm.test", status="unknown")
            MirrorURLFactory(mirror=mirrors[name], url=farm[name].base_url)
        with django_capture_on_commit_callbacks(execute=True):
            services.sweep_run()

    version = RepositoryVersion.objects.get(repository=repo)
    expected = {
        f"Packages/{rpm.name}": (rpm.stat().st_size, hashlib.sha256(rpm.read_bytes()).hexdigest())
        for rpm in rpms
    }
    assert {href: (size, sha) for href, size, sha, _when in version.packages} == expected

    def state(name):
        found = MirrorRepositoryState.objects.get(mirror=mirrors[name])
        return found.state, found.detail

    assert state("whole") == (ContentState.CURRENT, "")
    assert state("lacking") == (
        ContentState.INCOMPLETE,
        f"5.0/os/x86_64/Packages/{missing}: missing (404)",
    )
    page = client.get(reverse("mirrors:detail", args=[mirrors["lacking"].pk])).content.decode()
    assert f"Packages/{missing}: missing (404)" in page
