"""Real clients against the portal on a real HTTP server: dnf through the mirrorlist and
through the metalink (a createrepo_c repository served by farm mirrors on 127.0.0.x,
going on to the next mirror when the first is down), curl following the ISO 302, aria2c
downloading through the .metalink and verifying the hash."""

from __future__ import annotations

import hashlib
import re
import subprocess
from pathlib import Path

import pytest
from django.utils import timezone

from apps.core.testing.mirrorfarm import Behaviour, MirrorFarm, build_master_tree, small_spec
from apps.delivery.services import snapshot_publish
from apps.delivery.store import SnapshotStore
from apps.mirrors.choices import ContentState, ImageState
from apps.mirrors.models import MirrorImageState, MirrorRepositoryState
from apps.releases.models import RepositoryVersion

from .factories import (
    CENTROIDS,
    ArchitectureFactory,
    ImageFactory,
    MirrorFactory,
    MirrorURLFactory,
    ReleaseFactory,
    RepositoryFactory,
    master_mirror_create,
)
from .fixtures import dnf_makecache, new_front, require_binary

pytestmark = pytest.mark.slow


def add_mirror(name: str, cc: str, base_url: str, *, release, repo=None, arch=None, images=()):
    continent, lat, lon = CENTROIDS[cc]
    mirror = MirrorFactory(name=name, country=cc, continent=continent, latitude=lat, longitude=lon)
    MirrorURLFactory(mirror=mirror, protocol="http", url=base_url)
    if repo is not None:
        MirrorRepositoryState.objects.create(
            mirror=mirror,
            release=release,
            repository=repo,
            architecture=arch,
            state=ContentState.CURRENT,
            checked_at=timezone.now(),
        )
    for image in images:
        MirrorImageState.objects.create(
            mirror=mirror, image=image, state=ImageState.PRESENT, checked_at=timezone.now()
        )
    return mirror


def portal_for(serve) -> str:
    store = SnapshotStore(poll_seconds=0)
    store.install(bytes(snapshot_publish(reason="test").blob), write_cache=False)
    return serve(new_front(store))


# --- dnf -----------------------------------------------------------------------------


@pytest.fixture
def createrepo_tree(tmp_path) -> Path:
    """A real (empty) repository made by createrepo_c at <tree>/5.0/os/x86_64/."""
    createrepo = require_binary("createrepo_c")
    tree = tmp_path / "tree"
    repo_dir = tree / "5.0" / "os" / "x86_64"
    repo_dir.mkdir(parents=True)
    subprocess.run([createrepo, "--quiet", str(repo_dir)], check=True, timeout=60)
    return tree


@pytest.fixture
def dnf_farm(db, createrepo_tree, settings):
    """Farm mirrors serving the createrepo_c tree: in GB one refusing connections and one
    answering 500 (listed first for a GB client), in JP one answering junk for repomd.xml
    (first for a JP client), and a good one in FR."""
    require_binary("dnf")
    farm = MirrorFarm(createrepo_tree)
    farm.add_mirror("refused", Behaviour.REFUSED)
    farm.add_mirror("error", Behaviour.ERROR_500)
    farm.add_mirror("garbage", Behaviour.GARBAGE, tree_dir=createrepo_tree)
    farm.add_mirror("good", Behaviour.CURRENT, tree_dir=createrepo_tree)
    master_mirror_create(farm.master.base_url)
    arch = ArchitectureFactory(name="x86_64")
    repo = RepositoryFactory(name="os")
    release = ReleaseFactory(version="5.0", major=5, minor=0)
    repomd = (createrepo_tree / "5.0/os/x86_64/repodata/repomd.xml").read_bytes()
    RepositoryVersion.objects.create(
        release=release,
        repository=repo,
        architecture=arch,
        timestamp=int(re.search(rb"<revision>(\d+)</revision>", repomd).group(1)),
        sha256=hashlib.sha256(repomd).hexdigest(),
        sha512=hashlib.sha512(repomd).hexdigest(),
        size=len(repomd),
    )
    with farm:
        for name in ("refused", "error"):
            add_mirror(name, "GB", farm[name].base_url, release=release, repo=repo, arch=arch)
        add_mirror("garbage", "JP", farm["garbage"].base_url, release=release, repo=repo, arch=arch)
        add_mirror("good", "FR", farm["good"].base_url, release=release, repo=repo, arch=arch)
        yield farm


def test_dnf_mirrorlist_goes_past_dead_mirrors(dnf_farm, serve, tmp_path):
    portal = portal_for(serve)
    url = f"{portal}/mirrorlist?release=5&arch=x86_64&repo=os&cc=GB"
    done = dnf_makecache(tmp_path, f"mirrorlist={url}")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Metadata cache created" in done.stdout + done.stderr
    good = dnf_farm["good"].requests
    assert good["/centos/5.0/os/x86_64/repodata/repomd.xml"] >= 1
    assert any(p.endswith("-primary.xml.gz") for p in good)
    assert dnf_farm["error"].requests["/centos/5.0/os/x86_64/repodata/repomd.xml"] >= 1


def test_dnf_metalink_verifies_and_goes_past_bad_mirrors(dnf_farm, serve, tmp_path):
    portal = portal_for(serve)
    url = f"{portal}/metalink?repo=os-5&arch=x86_64&cc=JP"
    done = dnf_makecache(tmp_path, f"metalink={url}")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Metadata cache created" in done.stdout + done.stderr
    # The garbage mirror (first) answered repomd.xml with junk: rejected by the metalink's
    # hash; the refused and 500 ones failed; the good one's repomd.xml was accepted.
    repomd = "/centos/5.0/os/x86_64/repodata/repomd.xml"
    assert dnf_farm["garbage"].requests[repomd] == 1
    assert "checksum doesn't match" in done.stderr + done.stdout
    assert dnf_farm["good"].requests[repomd] == 1


def test_dnf_fails_when_no_mirror_has_the_repository(
    db, createrepo_tree, serve, tmp_path, settings
):
    """Guards the two tests above: dnf really fails when nothing serves the repository."""
    require_binary("dnf")
    farm = MirrorFarm(tmp_path / "empty")
    (tmp_path / "empty").mkdir()
    farm.add_mirror("error", Behaviour.ERROR_500)
    with farm:
        master_mirror_create(farm["error"].base_url)
        arch = ArchitectureFactory(name="x86_64")
        repo = RepositoryFactory(name="os")
        release = ReleaseFactory(version="5.0", major=5, minor=0)
        release.architectures.add(arch)
        release.repositories.add(repo)
        portal = portal_for(serve)
        done = dnf_makecache(
            tmp_path, f"mirrorlist={portal}/mirrorlist?release=5&arch=x86_64&repo=os"
        )
    assert done.returncode != 0


# --- curl and aria2c ------------------------------------------------------------------


@pytest.fixture
def iso_farm(db, tmp_path, settings):
    """The generated master tree (ISOs with real bytes), a good mirror and one without ISOs
    in GB, and image rows whose sha256 is right (DVD) or wrong (netinstall)."""
    master = build_master_tree(tmp_path / "master", small_spec())
    farm = MirrorFarm(master)
    farm.add_mirror("good", Behaviour.CURRENT)
    farm.add_mirror("other", Behaviour.CURRENT)
    farm.add_mirror("noiso", Behaviour.MISSING_ISO)
    master_mirror_create(farm.master.base_url)
    arch = ArchitectureFactory(name="x86_64")
    release = ReleaseFactory(version="5.0", major=5, minor=0)
    release.architectures.add(arch)
    dvd = master.isos[("5.0", "x86_64", "CentOS-5.0-x86_64-bin-DVD.iso")]
    net = master.isos[("5.0", "x86_64", "CentOS-5.0-x86_64-netinstall.iso")]
    images = {
        "dvd": ImageFactory(
            release=release, architecture=arch, name=dvd.path.name, size=dvd.size, sha256=dvd.sha256
        ),
        "net": ImageFactory(
            release=release, architecture=arch, name=net.path.name, size=net.size, sha256="0" * 64
        ),
    }
    with farm:
        add_mirror("good", "GB", farm["good"].base_url, release=release, images=images.values())
        add_mirror("other", "FR", farm["other"].base_url, release=release, images=images.values())
        add_mirror("noiso", "GB", farm["noiso"].base_url, release=release)
        yield farm, master, images


def test_curl_follows_the_iso_redirect(iso_farm, serve, tmp_path):
    curl = require_binary("curl")
    farm, master, _images = iso_farm
    portal = portal_for(serve)
    out = tmp_path / "dvd.iso"
    done = subprocess.run(
        [
            curl,
            "-sS",
            "-L",
            "--max-time",
            "60",
            "-o",
            str(out),
            "-w",
            "%{url_effective}",
            f"{portal}/isoredirect/5/isos/x86_64/CentOS-5.0-x86_64-bin-DVD.iso?cc=GB",
        ],
        capture_output=True,
        text=True,
        timeout=90,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == farm["good"].url("5.0/isos/x86_64/CentOS-5.0-x86_64-bin-DVD.iso")
    dvd = master.isos[("5.0", "x86_64", "CentOS-5.0-x86_64-bin-DVD.iso")]
    assert hashlib.sha256(out.read_bytes()).hexdigest() == dvd.sha256
    assert not farm["noiso"].requests


def test_curl_on_the_folder_gets_the_best_mirrors_folder(iso_farm, serve):
    curl = require_binary("curl")
    farm, _master, _images = iso_farm
    portal = portal_for(serve)
    done = subprocess.run(
        [
            curl,
            "-sS",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code} %{redirect_url}",
            f"{portal}/isoredirect/5/isos/x86_64/?cc=GB",
        ],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.stdout == f"302 {farm['good'].url('5.0/isos/x86_64/')}"


def test_aria2c_downloads_through_the_metalink_and_checks_the_hash(iso_farm, serve, tmp_path):
    aria2c = require_binary("aria2c")
    _farm, master, _images = iso_farm
    portal = portal_for(serve)
    options = [
        "--no-conf",
        "--max-tries=2",
        "--connect-timeout=5",
        "--timeout=20",
        "--summary-interval=0",
        "--console-log-level=warn",
        "--allow-overwrite=true",
        "--disable-ipv6=true",
        f"--dir={tmp_path}",
    ]
    dvd = master.isos[("5.0", "x86_64", "CentOS-5.0-x86_64-bin-DVD.iso")]
    done = subprocess.run(
        [
            aria2c,
            *options,
            f"{portal}/isoredirect/5.0/isos/x86_64/CentOS-5.0-x86_64-bin-DVD.iso.metalink?cc=GB",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    got = tmp_path / "CentOS-5.0-x86_64-bin-DVD.iso"
    assert hashlib.sha256(got.read_bytes()).hexdigest() == dvd.sha256
    # The netinstall image's recorded sha256 is wrong: aria2c must refuse the download.
    bad = subprocess.run(
        [
            aria2c,
            *options,
            f"{portal}/isoredirect/5.0/isos/x86_64/CentOS-5.0-x86_64-netinstall.iso.meta4?cc=GB",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert bad.returncode != 0, bad.stdout
