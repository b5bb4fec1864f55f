"""The master's side of the checks: its timestamp file, its repomd.xml versions and the
sizes of its ISO images."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from apps.core.http import SafeClient, TargetPolicy
from apps.releases.models import Image, Release, RepositoryVersion

from ..checks.engine import loop_run
from ..checks.evaluate import (
    repomd_parse,
    timestamp_parse,
)

logger = logging.getLogger(__name__)

BATCH = 2000  # rows per bulk query and ids per IN (...)
RepoKey = tuple[int, int, int]  # (release_id, repository_id, architecture_id)


@dataclass
class MasterReport:
    """What the master refresh found."""

    ok: bool = False
    timestamp: int | None = None
    versions_added: int = 0
    images_resized: int = 0
    problems: list[str] = field(default_factory=list)


def master_refresh(*, now: dt.datetime | None = None) -> MasterReport:
    """Read the master's timestamp file, repomd.xml files and ISO sizes; record new versions.

    New repomd.xml contents become RepositoryVersion rows published `now` (when first
    seen); only the newest MIRROR_CHECK_VERSION_HISTORY per repository are kept. Image
    sizes follow the master's Content-Length.
    """
    now = now or timezone.now()
    releases = list(
        Release.objects.served_by_mirrors().prefetch_related("architectures", "repositories")
    )
    combos = [
        (release, repository, architecture)
        for release in releases
        for repository in release.repositories.all()
        for architecture in release.architectures.all()
    ]
    images = list(
        Image.objects.filter(release__in=releases).select_related("release", "architecture")
    )
    base = settings.MASTER_URL.rstrip("/") + "/"
    # The master is configured by the admins, not given by strangers: no address filter.
    client = SafeClient.from_settings(policy=TargetPolicy.from_networks(["0.0.0.0/0", "::/0"]))
    time_result, repomd_results, image_results = loop_run(
        _master_fetch(
            client,
            base + settings.MASTER_TIMESTAMP_FILE,
            [base + repo.path_for(rel, arch) + "repodata/repomd.xml" for rel, repo, arch in combos],
            [base + image.path for image in images],
        )
    )
    report = MasterReport()
    if time_result.ok:
        try:
            report.timestamp = timestamp_parse(time_result.body or b"")
            report.ok = True
        except ValueError as exc:
            report.problems.append(f"{time_result.url}: {exc}")
    else:
        report.problems.append(f"{time_result.url}: {time_result.error} {time_result.detail}")

    found: dict[RepoKey, object] = {}
    for (release, repository, architecture), result in zip(combos, repomd_results, strict=True):
        if not result.ok:
            report.problems.append(f"{result.url}: {result.error} {result.detail}")
            continue
        try:
            found[(release.pk, repository.pk, architecture.pk)] = repomd_parse(result.body or b"")
        except ValueError as exc:
            report.problems.append(f"{result.url}: {exc}")
    resized = []
    for image, result in zip(images, image_results, strict=True):
        if result.ok and result.content_length is not None and result.content_length != image.size:
            image.size = result.content_length
            resized.append(image)
        elif not result.ok:
            report.problems.append(f"{result.url}: {result.error} {result.detail}")

    with transaction.atomic():
        known = set(
            RepositoryVersion.objects.filter(release__in=releases).values_list(
                "release_id", "repository_id", "architecture_id", "sha256"
            )
        )
        new = [
            RepositoryVersion(
                release_id=key[0],
                repository_id=key[1],
                architecture_id=key[2],
                timestamp=info.timestamp,
                sha256=info.sha256,
                sha512=info.sha512,
                size=info.size,
                published_at=now,
            )
            for key, info in found.items()
            if (*key, info.sha256) not in known
        ]
        RepositoryVersion.objects.bulk_create(new, batch_size=BATCH, ignore_conflicts=True)
        report.versions_added = len(new)
        if new:
            _repository_versions_prune(releases)
        Image.objects.bulk_update(resized, ["size"], batch_size=BATCH)
        report.images_resized = len(resized)
    return report


async def _master_fetch(client: SafeClient, time_url: str, repomd_urls, image_urls):
    slots = asyncio.Semaphore(client.per_host)
    async with client.session() as session:

        async def one(url, method="GET"):
            async with slots:
                return await client.fetch(session, url, method=method)

        return await asyncio.gather(
            one(time_url),
            asyncio.gather(*(one(url) for url in repomd_urls)),
            asyncio.gather(*(one(url, "HEAD") for url in image_urls)),
        )


def _repository_versions_prune(releases: Sequence[Release]) -> None:
    keep = max(1, settings.MIRROR_CHECK_VERSION_HISTORY)
    rows = (
        RepositoryVersion.objects.filter(release__in=releases)
        .order_by("release_id", "repository_id", "architecture_id", "-timestamp", "-published_at")
        .values_list("id", "release_id", "repository_id", "architecture_id")
    )
    seen: dict[RepoKey, int] = defaultdict(int)
    old = []
    for pk, *key in rows:
        seen[tuple(key)] += 1
        if seen[tuple(key)] > keep:
            old.append(pk)
    for start in range(0, len(old), BATCH):
        RepositoryVersion.objects.filter(pk__in=old[start : start + BATCH]).delete()
