"""A secondary architecture on a master of its own (ReleaseArchitecture.master_url): the
master refresh reads its repositories and images there, a sweep judges the mirrors' copies
against that master, and the answers fall back to it when no mirror is current.

Two real farms on 127.0.0.x: the main master carries 5.0 for x86_64 and an old ppc64 tree
of its own; the altarch master carries ppc64 with other repositories and another image.
"""

from __future__ import annotations

import io
import re
import time

import pytest
from django.core.management import call_command

from apps.core.testing.mirrorfarm import (
    MirrorFarm,
    ReleaseSpec,
    TreeSpec,
    build_master_tree,
    write_tree_version,
)
from apps.delivery.services import image_torrent_build, snapshot_publish
from apps.delivery.store import SnapshotStore
from apps.mirrors.choices import ContentState, ImageState
from apps.mirrors.models import MirrorImageState, MirrorRepositoryState
from apps.mirrors.services import master_refresh
from apps.mirrors.services.candidates import candidate_images_read
from apps.mirrors.tests.factories import MirrorFactory, MirrorURLFactory, master_mirror_create
from apps.releases.choices import ArchitectureTier
from apps.releases.models import (
    Architecture,
    Image,
    Release,
    ReleaseArchitecture,
    ReleaseCandidate,
    Repository,
    RepositoryVersion,
)

from .fixtures import call, new_front

ISO = "CentOS-5.0-{arch}-netinstall.iso"


@pytest.fixture
def farms(tmp_path):
    """(main farm, altarch farm): the main one also runs `both` (x86_64 from the main
    master, ppc64 from the altarch one) and `primary_only` (the main master's whole tree,
    its own ppc64 included)."""
    now = int(time.time()) - 7200
    main = build_master_tree(tmp_path / "main", TreeSpec(
        [ReleaseSpec("5.0", ["x86_64", "ppc64"], repos=["os"],
                     isos={"*": [(ISO, 64 << 10)]})], history=2, now=now,
    ))  # fmt: skip
    alt = build_master_tree(tmp_path / "alt", TreeSpec(
        [ReleaseSpec("5.0", ["ppc64"], repos=["os"], isos={"ppc64": [(ISO.format(arch="ppc64"),
                                                                     96 << 10)]})],
        history=2, now=now + 3600,
    ))  # fmt: skip
    both = write_tree_version(tmp_path / "both", main, 0)
    write_tree_version(both, alt, 0)  # ppc64 replaced by the altarch master's
    main_farm = MirrorFarm(main, https=False)
    main_farm.add_mirror("both", tree_dir=both)
    main_farm.add_mirror("primary_only")
    alt_farm = MirrorFarm(alt, https=False, base_address="127.0.0.60")
    with main_farm, alt_farm:
        yield main_farm, alt_farm


@pytest.fixture
def catalogue(db, farms, settings):
    main_farm, alt_farm = farms
    settings.MIRROR_CHECK_TIMEOUT = settings.MIRROR_CHECK_CONNECT_TIMEOUT = 2.0
    settings.MIRROR_CHECK_ALLOW_NETWORKS = ["127.0.0.0/8"]
    settings.MIRROR_CHECK_UP_AFTER = 1
    settings.DELIVERY_REBUILD_ON_CHANGE = False
    master_mirror_create(main_farm.master.base_url)
    x86, ppc = (Architecture.objects.create(name=name) for name in ("x86_64", "ppc64"))
    release = Release.objects.create(version="5.0", major=5, minor=0)
    release.repositories.set([Repository.objects.create(name="os")])
    ReleaseArchitecture.objects.create(release=release, architecture=x86)
    ReleaseArchitecture.objects.create(
        release=release, architecture=ppc, tier=ArchitectureTier.SECONDARY,
        master_url=alt_farm.master.base_url,
    )  # fmt: skip
    for arch in (x86, ppc):
        Image.objects.create(release=release, architecture=arch, name=ISO.format(arch=arch))
    mirrors = {}
    for name in ("both", "primary_only"):
        mirrors[name] = MirrorFactory(name=f"{name}.farm.test", status="unknown")
        MirrorURLFactory(mirror=mirrors[name], url=main_farm[name].base_url)
    return {"x86_64": x86, "ppc64": ppc, "mirrors": mirrors}


def _answer(path: str, query: str):
    store = SnapshotStore(poll_seconds=0)
    store.poll_once()
    return call(new_front(store), path, query)


def _answers(path: str, query: str) -> str:
    answer = _answer(path, query)
    assert answer.status == 200, answer.text
    return answer.text


@pytest.mark.django_db(transaction=True)
def test_a_secondary_architecture_is_read_from_and_falls_back_to_its_own_master(farms, catalogue):
    main_farm, alt_farm = farms
    main, alt = main_farm.master.base_url, alt_farm.master.base_url

    # The refresh reads ppc64 on the altarch master: its repomd.xml, its image's size and
    # hash; x86_64 on the main master.
    report = master_refresh()
    assert report.ok and not report.problems, report.problems
    ppc_repomd = alt_farm.tree.versions("5.0", "os", "ppc64")[0]
    assert set(
        RepositoryVersion.objects.filter(architecture=catalogue["ppc64"]).values_list("sha256")
    ) == {(ppc_repomd.sha256,)}
    assert main_farm.tree.versions("5.0", "os", "ppc64")[0].sha256 != ppc_repomd.sha256
    assert alt_farm.master.requests["/centos/5.0/os/ppc64/repodata/repomd.xml"] == 1
    assert main_farm.master.requests["/centos/5.0/os/ppc64/repodata/repomd.xml"] == 0
    ppc_iso = alt_farm.tree.isos[("5.0", "ppc64", ISO.format(arch="ppc64"))]
    image = Image.objects.get(architecture=catalogue["ppc64"])
    assert (image.size, image.sha256) == (96 << 10, ppc_iso.sha256)
    assert Image.objects.get(architecture=catalogue["x86_64"]).size == 64 << 10

    # No mirror checked yet, none current: each architecture's answer is its own master.
    snapshot_publish(reason="test")
    ask = "release=5.0&repo=os&arch={}&cc=GB"
    assert _answers("/mirrorlist", ask.format("ppc64")) == alt + "5.0/os/ppc64/\n"
    assert _answers("/mirrorlist", ask.format("x86_64")) == main + "5.0/os/x86_64/\n"
    metalink = _answers("/metalink", "repo=os-5&arch=ppc64&cc=GB")
    assert alt + "5.0/os/ppc64/repodata/repomd.xml" in metalink and main not in metalink
    assert ppc_repomd.sha256 in metalink
    x86_metalink = _answers("/metalink", "repo=os-5&arch=x86_64&cc=GB")
    assert main + "5.0/os/x86_64/repodata/repomd.xml" in x86_metalink and alt not in x86_metalink
    # The annotated list (the draw's Choices) and the ISO redirect fall back the same way.
    debug = _answers("/mirrorlist", ask.format("ppc64") + "&debug=1").splitlines()
    assert [line for line in debug if not line.startswith("#")] == [alt + "5.0/os/ppc64/"]
    for arch, top in (("ppc64", alt), ("x86_64", main)):
        iso = f"5.0/isos/{arch}/{ISO.format(arch=arch)}"
        answer = _answer(f"/isoredirect/{iso}", "cc=GB")
        assert (answer.status, answer.header("Location")) == (302, top + iso)

    # A sweep judges ppc64 against the altarch master: current on the mirror that holds its
    # copy, behind on the one that holds the main master's; x86_64 current on both.
    out = io.StringIO()
    call_command("sweepmirrors", stdout=out)
    assert re.search(r"published snapshot \d+", out.getvalue()), out.getvalue()
    states = {
        (mirror, arch): state
        for mirror, arch, state in MirrorRepositoryState.objects.values_list(
            "mirror__name", "architecture__name", "state"
        )
    }
    assert states == {
        ("both.farm.test", "x86_64"): ContentState.CURRENT,
        ("both.farm.test", "ppc64"): ContentState.CURRENT,
        ("primary_only.farm.test", "x86_64"): ContentState.CURRENT,
        ("primary_only.farm.test", "ppc64"): ContentState.BEHIND,
    }
    images = dict(
        MirrorImageState.objects.filter(image__architecture=catalogue["ppc64"]).values_list(
            "mirror__name", "state"
        )
    )
    assert images == {"both.farm.test": ImageState.PRESENT,
                      "primary_only.farm.test": ImageState.WRONG_SIZE}  # fmt: skip

    # The answers: the current mirrors first, then that architecture's master.
    both, primary_only = (main_farm[name].base_url for name in ("both", "primary_only"))
    ppc = _answers("/mirrorlist", ask.format("ppc64")).splitlines()
    assert ppc == [both + "5.0/os/ppc64/", alt + "5.0/os/ppc64/"]
    x86 = _answers("/mirrorlist", ask.format("x86_64")).splitlines()
    assert sorted(x86[:2]) == sorted([both + "5.0/os/x86_64/", primary_only + "5.0/os/x86_64/"])
    assert x86[2:] == [main + "5.0/os/x86_64/"]


@pytest.mark.django_db
def test_a_secondary_architectures_candidate_and_torrent_come_from_its_own_master(
    farms, catalogue, settings
):
    main_farm, alt_farm = farms
    settings.DELIVERY_MASTER_PATH = ""
    ppc_iso = ISO.format(arch="ppc64")
    # A candidate whose images lie where the farm's are: each architecture's from its master.
    release = Release.objects.get(version="5.0")
    candidate = ReleaseCandidate.objects.create(
        release=release, number=1, path_template="{version}/isos/{arch}/"
    )
    assert candidate_images_read(candidate_id=candidate.pk) == []
    found = set(candidate.images.values_list("architecture__name", "name", "size", "sha256"))
    alt_sha = alt_farm.tree.isos[("5.0", "ppc64", ppc_iso)].sha256
    main_sha = main_farm.tree.isos[("5.0", "x86_64", ISO.format(arch="x86_64"))].sha256
    assert found == {
        ("ppc64", ppc_iso, 96 << 10, alt_sha),
        ("x86_64", ISO.format(arch="x86_64"), 64 << 10, main_sha),
    }

    # The torrent of the ppc64 image: downloaded from, and web-seeded by, its master.
    master_refresh()
    image = Image.objects.get(architecture=catalogue["ppc64"])
    torrent = image_torrent_build(image_id=image.pk)
    seed = (alt_farm.master.base_url + f"5.0/isos/ppc64/{ppc_iso}").encode()
    assert seed in bytes(torrent.metainfo)
    assert main_farm.master.base_url.encode() not in bytes(torrent.metainfo)
    assert alt_farm.master.requests[f"/centos/5.0/isos/ppc64/{ppc_iso}"] >= 1
