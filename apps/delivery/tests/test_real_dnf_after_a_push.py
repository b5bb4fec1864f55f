"""Real dnf right after the master pushes a new version of a repository, while the mirrors
still hold the old one: through the metalink dnf takes repomd.xml from a mirror, not the
master, and accepts it by the alternate hash; through the mirrorlist it does the same, or
goes to the master when DELIVERY_MIRRORLIST_GRACE is off. The farm's request counters
say who served repomd.xml."""

from __future__ import annotations

import shutil
import time

import pytest

from apps.core.testing.mirrorfarm import Behaviour, MirrorFarm
from apps.delivery.services import snapshot_publish
from apps.delivery.store import SnapshotStore
from apps.mirrors.choices import ContentState
from apps.mirrors.models import MirrorRepositoryState
from apps.mirrors.services import sweep_run
from apps.releases.models import Architecture, Release, Repository, RepositoryVersion

from .factories import MirrorFactory, MirrorURLFactory, master_mirror_create
from .fixtures import createrepo, dnf_makecache, new_front, require_binary

pytestmark = pytest.mark.slow
REPOMD = "/centos/5.0/os/x86_64/repodata/repomd.xml"


@pytest.fixture
def pushed(db, tmp_path, settings):
    """Two mirrors and the master hold version 1 and a sweep saw them; then the master
    pushes version 2 and the next sweep finds both mirrors one version behind."""
    require_binary("dnf")
    now = int(time.time())
    old = createrepo(tmp_path / "old", now - 7200)
    new = tmp_path / "new"
    shutil.copytree(old, new)
    createrepo(new, now - 60)
    settings.MIRROR_CHECK_ALLOW_NETWORKS = ["127.0.0.0/8"]
    settings.MIRROR_CHECK_TIMEOUT = settings.MIRROR_CHECK_CONNECT_TIMEOUT = 2.0
    farm = MirrorFarm(old, https=False)
    for name in ("m1", "m2"):
        farm.add_mirror(name, Behaviour.CURRENT, tree_dir=old)
    arch, repo = Architecture.objects.create(name="x86_64"), Repository.objects.create(name="os")
    release = Release.objects.create(version="5.0", major=5, minor=0)
    release.architectures.set([arch])
    release.repositories.set([repo])
    with farm:
        master_mirror_create(farm.master.base_url)
        for name, cc in (("m1", "GB"), ("m2", "FR")):
            mirror = MirrorFactory(name=f"{name}.farm.test", country=cc, status="unknown")
            MirrorURLFactory(mirror=mirror, url=farm[name].base_url)
        sweep_run()
        assert MirrorRepositoryState.objects.filter(state=ContentState.CURRENT).count() == 2
        farm.set_behaviour("master", Behaviour.CURRENT, tree_dir=new)  # the push
        sweep_run()
        assert RepositoryVersion.objects.count() == 2
        assert MirrorRepositoryState.objects.filter(state=ContentState.BEHIND).count() == 2
        yield farm


def portal(serve, **options) -> str:
    store = SnapshotStore(poll_seconds=0)
    store.install(bytes(snapshot_publish(reason="test").blob), write_cache=False)
    return serve(new_front(store, **options))


def served_repomd(farm) -> dict[str, int]:
    return {name: sim.requests[REPOMD] for name, sim in farm.mirrors.items()}


def test_dnf_takes_the_old_version_from_a_mirror_by_the_alternate_hash(pushed, serve, tmp_path):
    base = portal(serve)
    before = served_repomd(pushed)
    result = dnf_makecache(tmp_path, f"metalink={base}/metalink?repo=os-5&arch=$basearch")
    assert result.returncode == 0, result.stdout + result.stderr
    after = served_repomd(pushed)
    assert after["master"] == before["master"], "dnf went to the master"
    assert after["m1"] + after["m2"] > before["m1"] + before["m2"]


@pytest.mark.parametrize("grace", [True, False], ids=["grace", "no-grace"])
def test_dnf_through_the_mirrorlist_follows_the_setting(pushed, serve, tmp_path, grace):
    base = portal(serve, mirrorlist_grace=grace)
    before = served_repomd(pushed)
    result = dnf_makecache(
        tmp_path, f"mirrorlist={base}/mirrorlist?release=5&repo=os&arch=$basearch"
    )
    assert result.returncode == 0, result.stdout + result.stderr
    after = served_repomd(pushed)
    from_mirrors = after["m1"] + after["m2"] - before["m1"] - before["m2"]
    from_master = after["master"] - before["master"]
    if grace:  # a mirror a version behind rather than the master
        assert (from_mirrors, from_master) == (1, 0)
    else:  # no mirror is current: the whole list is the master
        assert (from_mirrors, from_master) == (0, 1)
