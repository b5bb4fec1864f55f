"""Benchmark of the public list pages at 1,000 and 10,000 mirrors: time, bytes and
database queries of each, through Django's test client (no network; mirrors on .test names).

    .venv/bin/python bench/list_pages.py
    .venv/bin/python bench/list_pages.py --sizes 1000 10000 --runs 7

The database is a throwaway SQLite file in a temporary directory. Each mirror carries the
releases 5.0 and 4.4 on two architectures with three URLs and three repository states;
a tenth are down and some are behind. Prints the median of --runs requests after one warm-up.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

COUNTRIES = [
    "US", "DE", "GB", "FR", "JP", "CN", "TW", "NL", "CZ", "PL", "GR", "CL", "AU", "RO", "IT",
    "ES", "CA", "IL", "KR", "SE", "FI", "DK", "AT", "BE", "PT", "SI", "SG", "BR", "BG", "HU",
    "IN", "ID", "IE", "LU", "NZ", "NO", "RU", "ZA", "TR", "UA", "VE", "PR", "BD",
]  # fmt: skip
PAGES = (
    ("home", "/"),
    ("mirrors by country", "/mirrors/"),
    ("country page (us)", "/mirrors/us/"),
    ("status, page 1", "/mirrors/status/"),
    ("status, release=5, worst lag", "/mirrors/status/?release=5&sort=-lag"),
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    tmp = tempfile.TemporaryDirectory(prefix="list-pages-")
    os.environ["DATABASE_URL"] = f"sqlite:///{tmp.name}/bench.sqlite3"
    os.environ.setdefault("DEBUG", "True")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ["DELIVERY_REBUILD_ON_CHANGE"] = "False"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    try:
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        world = _world_create()
        made = 0
        for size in sorted(args.sizes):
            _mirrors_create(world, start=made, count=size - made)
            made = size
            _measure(size, args.runs)
    finally:
        tmp.cleanup()
    return 0


def _world_create() -> dict:
    from apps.releases.models import Architecture, Release, Repository

    arches = [Architecture.objects.create(name=n) for n in ("i386", "x86_64")]
    repos = [Repository.objects.create(name=n) for n in ("os", "updates", "extras")]
    releases = [
        Release.objects.create(version="5.0", major=5, minor=0, status="current"),
        Release.objects.create(version="4.4", major=4, minor=4, status="current"),
    ]
    for release in releases:
        release.architectures.set(arches)
        release.repositories.set(repos)
    return {"arches": arches, "repos": repos, "releases": releases}


def _mirrors_create(world: dict, *, start: int, count: int) -> None:
    from django.db import transaction
    from django.utils import timezone

    from apps.mirrors.models import Mirror, MirrorRepositoryState, MirrorURL

    rng = random.Random(start)
    now = timezone.now()
    with transaction.atomic():
        mirrors = Mirror.objects.bulk_create(
            Mirror(
                name=f"mirror{n}.{COUNTRIES[n % len(COUNTRIES)].lower()}.test",
                organisation=f"Organisation {n}",
                country=COUNTRIES[min(int(rng.paretovariate(1.2)) - 1, len(COUNTRIES) - 1)],
                approval="approved",
                status="down" if rng.random() < 0.1 else "up",
                last_checked_at=now,
                last_success_at=now,
            )
            for n in range(start, start + count)
        )
        MirrorURL.objects.bulk_create(
            MirrorURL(mirror=m, protocol=p, url=f"{p}://{m.name}/centos/")
            for m in mirrors
            for p in ("http", "https", "rsync")
        )
        Through = Mirror.releases.through
        Through.objects.bulk_create(
            Through(mirror_id=m.pk, release_id=r.pk) for m in mirrors for r in world["releases"]
        )
        ArchThrough = Mirror.architectures.through
        ArchThrough.objects.bulk_create(
            ArchThrough(mirror_id=m.pk, architecture_id=a.pk)
            for m in mirrors
            for a in world["arches"]
        )
        release, arch = world["releases"][0], world["arches"][1]
        MirrorRepositoryState.objects.bulk_create(
            MirrorRepositoryState(
                mirror=m,
                release=release,
                repository=repo,
                architecture=arch,
                state="behind" if (lag := rng.choice((0, 0, 0, 3600, 7200))) else "current",
                lag_seconds=lag or None,
                checked_at=now,
            )  # fmt: skip
            for m in mirrors
            for repo in world["repos"]
        )


def _measure(size: int, runs: int) -> None:
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    print(f"\n{size:,} mirrors (median of {runs} requests)")
    print(f"  {'page':32} {'ms':>7} {'KB':>7} {'queries':>8}")
    for name, path in PAGES:
        client.get(path)  # warm-up: templates, the map's data
        times = []
        for _ in range(runs):
            reset_queries()
            started = time.perf_counter()
            response = client.get(path)
            times.append((time.perf_counter() - started) * 1000)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        kb = len(response.content) / 1024
        print(f"  {name:32} {statistics.median(times):7.1f} {kb:7.1f} {len(queries):8d}")


if __name__ == "__main__":
    sys.exit(main())
