"""The master's side of the checks: its timestamp file, its repomd.xml versions, and the
sizes and hashes of its ISO images from its checksum files."""

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
from apps.releases.services import image_checksums_record

from ..checks.engine import loop_run
from ..checks.evaluate import (
    CHECKSUM_FILES,
    ChecksumEntry,
    checksum_file_parse,
    repomd_parse,
    timestamp_parse,
)
from ..models import Push
from ..selectors.masters import architecture_masters, master_base_urls
from .pushes import push_record
from .samples import packages_read

logger = logging.getLogger(__name__)

BATCH = 2000  # rows per bulk query and ids per IN (...)
RepoKey = tuple[int, int, int]  # (release_id, repository_id, architecture_id)


@dataclass
class MasterReport:
    """What the master refresh found."""

    ok: bool = False
    timestamp: int | None = None
    base_url: str = ""
    versions_added: int = 0
    images_changed: int = 0
    push: Push | None = None  # the new versions of repositories that had one before
    problems: list[str] = field(default_factory=list)


def master_refresh(*, now: dt.datetime | None = None) -> MasterReport:
    """Read the master's timestamp file, repomd.xml files, checksum files and ISO sizes;
    record new repository versions and the images' sizes and hashes.

    The master is the first approved master mirror's http(s) URL (an admin edits it, no
    restart). New repomd.xml contents become RepositoryVersion rows published `now` (when
    first seen); only the newest MIRROR_CHECK_VERSION_HISTORY per repository are kept. An
    image's size is the master's Content-Length, its sha256 the one its folder's checksum
    file (sha256sum.txt, SHA256SUMS or CHECKSUM) gives. New versions of repositories that
    had one before are a push (services.pushes): the mirrors carrying them are re-checked.
    A secondary architecture with a master of its own (ReleaseArchitecture.master_url) has
    its repositories and images read there instead; the timestamp file is the master's.
    """
    now = now or timezone.now()
    report = MasterReport()
    masters = master_base_urls()
    if not masters:
        report.problems.append("No approved master mirror with an http(s) URL.")
        return report
    base = report.base_url = masters[0]
    others = architecture_masters()

    def base_of(release_id: int, architecture_id: int) -> str:
        return others.get((release_id, architecture_id), base)

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
    image_bases = [base_of(image.release_id, image.architecture_id) for image in images]
    folders = sorted({(top, image.folder) for top, image in zip(image_bases, images, strict=True)})
    sums_urls = [top + folder + name for top, folder in folders for name in CHECKSUM_FILES]
    # The master is configured by the admins, not given by strangers: no address filter.
    client = SafeClient.from_settings(policy=TargetPolicy.from_networks(["0.0.0.0/0", "::/0"]))
    time_result, repomd_results, image_results, sums_results = loop_run(
        _master_fetch(
            client,
            base + settings.MASTER_TIMESTAMP_FILE,
            [
                base_of(rel.pk, arch.pk) + repo.path_for(rel, arch) + "repodata/repomd.xml"
                for rel, repo, arch in combos
            ],
            [top + image.path for top, image in zip(image_bases, images, strict=True)],
            sums_urls,
        )
    )
    _timestamp_read(time_result, report)
    found, bodies = _repomds_read(combos, repomd_results, report)
    known = set(
        RepositoryVersion.objects.filter(release__in=releases).values_list(
            "release_id", "repository_id", "architecture_id", "sha256"
        )
    )
    packages = packages_read(
        {key: bodies[key] for key, info in found.items() if (*key, info.sha256) not in known},
        report.problems,
    )

    checksums = _checksums_by_folder(folders, sums_results, report)
    read = _image_sizes_read(images, image_bases, image_results, checksums, report)
    _master_record(found, packages, known, read, releases=releases, combos=combos, now=now,
                   report=report)  # fmt: skip
    return report


def _master_record(found, packages, known, read, *, releases, combos, now, report) -> None:
    """Record the new repository versions (a push when the repository had one before) and
    the images' sizes and hashes, in one transaction."""
    with transaction.atomic():
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
                packages=packages.get(key, []),
            )
            for key, info in found.items()
            if (*key, info.sha256) not in known
        ]
        RepositoryVersion.objects.bulk_create(new, batch_size=BATCH, ignore_conflicts=True)
        report.versions_added = len(new)
        if new:
            _repository_versions_prune(releases)
            report.push = push_record(
                new=new,
                known_keys={row[:3] for row in known},
                labels={
                    (rel.pk, repo.pk, arch.pk): f"{rel.version}/{repo.name}/{arch.name}"
                    for rel, repo, arch in combos
                },
                now=now,
                master_timestamp=report.timestamp,
            )
        report.images_changed = len(image_checksums_record(found=read, now=now))


def _timestamp_read(result, report: MasterReport) -> None:
    """The master's timestamp file: report.timestamp, and report.ok once it is read."""
    if not result.ok:
        report.problems.append(f"{result.url}: {result.error} {result.detail}")
        return
    try:
        report.timestamp = timestamp_parse(result.body or b"")
        report.ok = True
    except ValueError as exc:
        report.problems.append(f"{result.url}: {exc}")


def _repomds_read(combos, results, report: MasterReport) -> tuple[dict, dict]:
    """{key: the parsed repomd.xml} and {key: (its URL, its content)} of each repository the
    master answered for; the others are problems."""
    found: dict[RepoKey, object] = {}
    bodies: dict[RepoKey, tuple[str, bytes]] = {}  # the repomd.xml's URL and content
    for (release, repository, architecture), result in zip(combos, results, strict=True):
        if not result.ok:
            report.problems.append(f"{result.url}: {result.error} {result.detail}")
            continue
        key = (release.pk, repository.pk, architecture.pk)
        try:
            found[key] = repomd_parse(result.body or b"")
            bodies[key] = (result.url, result.body or b"")
        except ValueError as exc:
            report.problems.append(f"{result.url}: {exc}")
    return found, bodies


def _image_sizes_read(images, bases, results, checksums, report: MasterReport) -> dict:
    """{image id: (its size from its master's Content-Length, its checksum file's sha256)}."""
    read: dict[int, tuple[int | None, str | None]] = {}
    for image, top, result in zip(images, bases, results, strict=True):
        entry = checksums.get((top, image.folder), {}).get(image.name)
        size = result.content_length if result.ok else None
        if not result.ok:
            report.problems.append(f"{result.url}: {result.error} {result.detail}")
        elif entry is None:
            report.problems.append(f"{result.url}: in no checksum file of its folder")
        if entry is not None and entry.size is not None and size is not None and entry.size != size:
            report.problems.append(f"{result.url}: {size} bytes, the checksum file says "
                                   f"{entry.size}")  # fmt: skip
        read[image.pk] = (size, entry.sha256 if entry else None)
    return read


def _checksums_by_folder(folders, results, report) -> dict[tuple, dict[str, ChecksumEntry]]:
    """The first checksum file found in each (master, folder) wins; a folder with none is a
    problem."""
    by_folder: dict[tuple, dict[str, ChecksumEntry]] = {}
    per = len(CHECKSUM_FILES)
    for index, folder in enumerate(folders):
        for result in results[index * per : (index + 1) * per]:
            if result.ok and (entries := checksum_file_parse(result.body or b"")):
                by_folder[folder] = entries
                break
        else:
            where = folder[0] + folder[1]
            report.problems.append(f"{where}: no {', '.join(CHECKSUM_FILES)} with sha256 lines")
    return by_folder


async def _master_fetch(client: SafeClient, time_url: str, repomd_urls, image_urls, sums_urls):
    slots = asyncio.Semaphore(client.per_host)
    async with client.session() as session:

        async def one(url, method="GET"):
            async with slots:
                return await client.fetch(session, url, method=method)

        return await asyncio.gather(
            one(time_url),
            asyncio.gather(*(one(url) for url in repomd_urls)),
            asyncio.gather(*(one(url, "HEAD") for url in image_urls)),
            asyncio.gather(*(one(url) for url in sums_urls)),
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
