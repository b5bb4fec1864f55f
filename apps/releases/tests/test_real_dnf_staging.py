"""Real dnf through the metalink: a staged release is on the mirrors (a sweep checked it
there) but dnf cannot find it; once opened, the next snapshot lists those mirrors and dnf
takes its metadata from them, not from the master."""

from __future__ import annotations

import time

import pytest

from apps.core.testing.mirrorfarm import Behaviour, MirrorFarm
from apps.delivery.services import snapshot_publish
from apps.delivery.store import SnapshotStore
from apps.delivery.tests.fixtures import createrepo, dnf_makecache, new_front, require_binary
from apps.mirrors.choices import ContentState
from apps.mirrors.models import MirrorRepositoryState
from apps.mirrors.services import sweep_run
from apps.mirrors.tests.factories import MirrorFactory, MirrorURLFactory, master_mirror_create
from apps.releases.choices import ReleaseStatus
from apps.releases.models import Architecture, Release, Repository
from apps.releases.services import release_open

pytestmark = pytest.mark.slow
REPOMD = "/centos/5.1/os/x86_64/repodata/repomd.xml"


@pytest.fixture
def staged_on_mirrors(db, tmp_path, settings):
    require_binary("dnf")
    tree = createrepo(tmp_path / "tree", int(time.time()) - 600, release="5.1")
    settings.MIRROR_CHECK_ALLOW_NETWORKS = ["127.0.0.0/8"]
    settings.MIRROR_CHECK_TIMEOUT = settings.MIRROR_CHECK_CONNECT_TIMEOUT = 2.0
    farm = MirrorFarm(tree, https=False)
    for name in ("m1", "m2"):
        farm.add_mirror(name, Behaviour.CURRENT, tree_dir=tree)
    arch, repo = Architecture.objects.create(name="x86_64"), Repository.objects.create(name="os")
    release = Release.objects.create(version="5.1", major=5, minor=1, status=ReleaseStatus.STAGED)
    release.architectures.set([arch])
    release.repositories.set([repo])
    with farm:
        master_mirror_create(farm.master.base_url)
        for name, cc in (("m1", "GB"), ("m2", "FR")):
            mirror = MirrorFactory(name=f"{name}.farm.test", country=cc, status="unknown")
            MirrorURLFactory(mirror=mirror, url=farm[name].base_url)
        sweep_run()
        assert MirrorRepositoryState.objects.filter(state=ContentState.CURRENT).count() == 2
        yield farm


def portal(serve) -> str:
    store = SnapshotStore(poll_seconds=0)
    store.install(bytes(snapshot_publish(reason="test").blob), write_cache=False)
    return serve(new_front(store))


def test_dnf_finds_a_staged_release_only_once_it_opens(staged_on_mirrors, serve, tmp_path):
    farm = staged_on_mirrors
    source = "metalink={base}/metalink?repo=os-5.1&arch=$basearch"
    (tmp_path / "before").mkdir()
    (tmp_path / "after").mkdir()
    checked = {name: sim.requests[REPOMD] for name, sim in farm.mirrors.items()}  # the sweep's
    closed = dnf_makecache(tmp_path / "before", source.format(base=portal(serve)))
    assert closed.returncode != 0, closed.stdout  # not in any answer: dnf finds nothing
    assert "404" in closed.stdout + closed.stderr
    assert {name: sim.requests[REPOMD] for name, sim in farm.mirrors.items()} == checked

    release_open(release=Release.objects.get(version="5.1"), by=None, reason="test")
    opened = dnf_makecache(tmp_path / "after", source.format(base=portal(serve)))
    assert opened.returncode == 0, opened.stdout + opened.stderr
    served = {name: sim.requests[REPOMD] - checked[name] for name, sim in farm.mirrors.items()}
    assert served["master"] == 0 and served["m1"] + served["m2"] >= 1
