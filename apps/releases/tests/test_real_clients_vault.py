"""End of life with real clients: while 5.1 is public, `dnf` (through the mirrorlist and
through the metalink) and `curl` (through the ISO redirect) are served by the farm's
mirrors; once `manage.py endoflife 5.1` has run, the next snapshot sends them all to the
vault, a real HTTP server on 127.0.0.x serving the same tree, and the next sweep no longer
asks the mirrors for 5.1."""

from __future__ import annotations

import hashlib
import os
import subprocess

import pytest
from django.core.management import call_command

from apps.delivery.tests.fixtures import require_binary
from apps.delivery.tests.test_real_clients import dnf_makecache
from apps.mirrors.choices import ImageState
from apps.mirrors.models import MirrorImageState
from apps.mirrors.services import sweep_run
from apps.releases.models import Architecture, Image, Release
from apps.releases.services import release_open

from .factories import team_member
from .test_real_dnf_staging import REPOMD, portal, staged_on_mirrors  # noqa: F401

pytestmark = pytest.mark.slow
ISO = "5.1/isos/x86_64/CentOS-5.1-x86_64-bin-DVD.iso"
MIRRORS = ("m1", "m2")


def asked(farm, path: str) -> dict[str, int]:
    return {name: farm[name].requests[path] for name in (*MIRRORS, "vault")}


def curl_iso(base: str, tmp_path) -> tuple[str, bytes]:
    """curl through the ISO redirect, following it: (the URL it downloaded from, bytes)."""
    out = tmp_path / "dvd.iso"
    done = subprocess.run(
        [require_binary("curl"), "-sS", "-L", "--max-time", "60", "-o", str(out),
         "-w", "%{url_effective}", f"{base}/isoredirect/{ISO}?cc=GB"],
        capture_output=True, text=True, timeout=90,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout, out.read_bytes()


@pytest.fixture
def public_with_vault(staged_on_mirrors, settings, tmp_path):  # noqa: F811
    """5.1 opened, its DVD image on the master, both mirrors and the vault (found there by
    a sweep); VAULT_URL is the farm's vault."""
    farm = staged_on_mirrors
    tree = farm.master.options.tree_dir
    iso = tree / ISO
    iso.parent.mkdir(parents=True)
    iso.write_bytes(os.urandom(256 << 10))
    farm.add_mirror("vault", tree_dir=tree)
    settings.VAULT_URL = farm["vault"].base_url
    release = release_open(release=Release.objects.get(version="5.1"), by=None, reason="test")
    Image.objects.create(
        release=release, architecture=Architecture.objects.get(name="x86_64"), name=iso.name,
        kind="dvd", size=iso.stat().st_size, sha256=hashlib.sha256(iso.read_bytes()).hexdigest(),
    )  # fmt: skip
    sweep_run()
    assert MirrorImageState.objects.filter(state=ImageState.PRESENT).count() == 2
    return farm, hashlib.sha256(iso.read_bytes()).hexdigest()


def test_dnf_and_curl_go_to_the_mirrors_then_to_the_vault(public_with_vault, serve, tmp_path):  # noqa: F811
    farm, sha256 = public_with_vault
    team_member("ops", is_staff=True)
    sources = {
        "mirrorlist": "mirrorlist={base}/mirrorlist?release=5.1&arch=x86_64&repo=os&cc=GB",
        "metalink": "metalink={base}/metalink?repo=os-5.1&arch=x86_64&cc=GB",
    }

    # Public: the mirrors serve dnf and curl; the vault is asked nothing.
    base = portal(serve)
    for name, source in sources.items():
        before = asked(farm, REPOMD)
        (tmp_path / f"public-{name}").mkdir()
        done = dnf_makecache(tmp_path / f"public-{name}", source.format(base=base))
        assert done.returncode == 0, done.stdout + done.stderr
        after = asked(farm, REPOMD)
        assert sum(after[m] - before[m] for m in MIRRORS) >= 1, name
        assert after["vault"] == 0, name
    url, body = curl_iso(base, tmp_path)
    assert url in (farm["m1"].url(ISO), farm["m2"].url(ISO))
    assert hashlib.sha256(body).hexdigest() == sha256
    assert farm["vault"].requests["/centos/" + ISO] == 0

    # End of life: the next snapshot sends every client to the vault.
    call_command("endoflife", "5.1", "--by", "ops", stdout=open(os.devnull, "w"))  # noqa: SIM115
    base = portal(serve)
    for name, source in sources.items():
        before = asked(farm, REPOMD)
        (tmp_path / f"eol-{name}").mkdir()
        done = dnf_makecache(tmp_path / f"eol-{name}", source.format(base=base))
        assert done.returncode == 0, done.stdout + done.stderr
        after = asked(farm, REPOMD)
        assert after["vault"] - before["vault"] >= 1, name
        assert [after[m] - before[m] for m in MIRRORS] == [0, 0], name
    url, body = curl_iso(base, tmp_path)
    assert url == farm["vault"].url(ISO)
    assert hashlib.sha256(body).hexdigest() == sha256

    # Mirrors are no longer asked for it.
    before = asked(farm, REPOMD)
    sweep_run()
    assert asked(farm, REPOMD) == before
    assert Release.objects.get(version="5.1").events.last().by.username == "ops"
