"""delivery_load.py's setup: a throw-away database filled with generated rows (the
benchmark's constants live here too)."""

from __future__ import annotations

import ipaddress
import os
import random
import socket
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
# The cached case: one URL, the yum form with the major release.
CACHED_PATH = "/mirrorlist?release=5&arch=x86_64&repo=os"
# The default mix.
MIX = {"mirrorlist": 0.7, "metalink": 0.2, "iso": 0.1}
IPV6_SHARE = 0.3
# GeoIP networks kept per pool (each request picks one, then a random address in it).
POOL_SIZES = {
    ("v4", True): 20_000,
    ("v6", True): 10_000,
    ("v4", False): 2_000,
    ("v6", False): 1_000,
}
# IPv6 ranges that only re-encode IPv4 (6to4, Teredo, NAT64) or are not unicast: skipped.
V6_UNICAST = ipaddress.ip_network("2000::/3")
V6_SKIP = [ipaddress.ip_network(n) for n in ("2002::/16", "2001::/32", "64:ff9b::/96")]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def setup_django(tmp: Path) -> dict:
    env = {
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "DATABASE_URL": f"sqlite:///{tmp / 'bench.sqlite3'}",
        "DELIVERY_SNAPSHOT_CACHE": str(tmp / "snapshot.json"),
        "DEBUG": "False",
        "SECRET_KEY": "bench-only",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "False",
        "LOG_LEVEL": "WARNING",
        "CELERY_BROKER_URL": "memory://",
        # wrk connects from the loopback: believe its X-Forwarded-For, as behind a proxy.
        "TRUSTED_PROXIES": "127.0.0.1,::1",
        "METRICS_DIR": str(tmp / "metrics"),
        # DEBUG=False: the web server refuses to start until the static files are collected.
        "STATIC_ROOT": str(tmp / "static"),
    }
    os.environ.update(env)
    sys.path.insert(0, str(BASE_DIR))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    return env


def generate_rows(count: int, seed: int = 1) -> None:
    """`count` serving mirrors with URLs and states for release 5.0 (3 repos x 2 arches)."""
    from django.db import transaction
    from django.utils import timezone

    from apps.core.geo import COUNTRIES
    from apps.mirrors.models import (
        Mirror,
        MirrorImageState,
        MirrorRepositoryState,
        MirrorURL,
        Netblock,
    )
    from apps.releases.models import Architecture, Image, Release, Repository, RepositoryVersion

    rng = random.Random(seed)
    # Roughly the seed's spread: the US first, then Europe and Asia.
    countries = ["US"] * 30 + ["DE", "GB", "FR", "NL", "JP", "CN", "TW", "CA", "SE", "IT"] * 3
    countries += [
        "AU",
        "AT",
        "BE",
        "BR",
        "BG",
        "CL",
        "CZ",
        "DK",
        "FI",
        "GR",
        "HU",
        "IN",
        "ID",
        "IE",
        "IL",
        "KR",
        "LU",
        "NZ",
        "NO",
        "PL",
        "PT",
        "RO",
        "RU",
        "SG",
        "SI",
        "ZA",
        "ES",
        "TR",
        "UA",
        "VE",
        "PR",
        "BD",
    ]
    now = timezone.now()
    with transaction.atomic():
        arches = [Architecture.objects.create(name=n) for n in ("x86_64", "i386")]
        repos = [Repository.objects.create(name=n) for n in ("os", "updates", "extras")]
        release = Release.objects.create(version="5.0", major=5, minor=0, status="current")
        release.architectures.set(arches)
        release.repositories.set(repos)
        images = []
        for arch in arches:
            for repo in repos:
                for k in range(3):
                    RepositoryVersion.objects.create(
                        release=release,
                        repository=repo,
                        architecture=arch,
                        timestamp=1_700_000_000 - k * 7200,
                        sha256=f"{rng.getrandbits(256):064x}",
                        sha512=f"{rng.getrandbits(512):0128x}",
                        size=3000 + k,
                    )
            for name in ("bin-DVD", "netinstall"):
                images.append(
                    Image.objects.create(
                        release=release,
                        architecture=arch,
                        name=f"CentOS-5.0-{arch.name}-{name}.iso",
                        size=4 << 30,
                        sha256=f"{rng.getrandbits(256):064x}",
                    )
                )
        mirrors = []
        for i in range(count):
            cc = rng.choice(countries)
            c = COUNTRIES[cc]
            mirrors.append(
                Mirror(
                    name=f"m{i:05d}.{cc.lower()}.example.org",
                    country=cc,
                    continent=c.continent,
                    latitude=c.lat + rng.uniform(-2, 2),
                    longitude=c.lon + rng.uniform(-2, 2),
                    bandwidth_mbps=rng.choice([100, 100, 1000, 1000, 10000]),
                    tier="internal" if i < 20 else "external",
                    approval="approved",
                    status="up",
                    private=rng.random() < 0.01,
                    last_checked_at=now,
                )
            )
        Mirror.objects.bulk_create(mirrors, batch_size=1000)
        mirrors = list(Mirror.objects.order_by("id"))
        urls, netblocks, states, image_states = [], [], [], []
        for m in mirrors:
            ipv6 = rng.random() < 0.3
            urls.append(
                MirrorURL(mirror=m, protocol="http", url=f"http://{m.name}/centos/", ipv6=ipv6)
            )
            if rng.random() < 0.5:
                urls.append(
                    MirrorURL(
                        mirror=m, protocol="https", url=f"https://{m.name}/centos/", ipv6=ipv6
                    )
                )
            if rng.random() < 0.05:
                netblocks.append(Netblock(mirror=m, cidr=f"10.{rng.randrange(256)}.0.0/16"))
            for arch in arches:
                for repo in repos:
                    state = "current" if rng.random() < 0.95 else "behind"
                    states.append(
                        MirrorRepositoryState(
                            mirror=m,
                            release=release,
                            repository=repo,
                            architecture=arch,
                            state=state,
                            checked_at=now,
                        )
                    )
            for image in images:
                if rng.random() < 0.8:
                    image_states.append(
                        MirrorImageState(mirror=m, image=image, state="present", checked_at=now)
                    )
        MirrorURL.objects.bulk_create(urls, batch_size=2000)
        Netblock.objects.bulk_create(netblocks, batch_size=2000, ignore_conflicts=True)
        MirrorRepositoryState.objects.bulk_create(states, batch_size=5000)
        MirrorImageState.objects.bulk_create(image_states, batch_size=5000)
