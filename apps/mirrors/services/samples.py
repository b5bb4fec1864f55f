"""The master's side of the content checks beyond the metadata: the newest packages of each
new repository version, read once from the master's primary.xml (what the sweeps then
sample from, apps.mirrors.checks.packages)."""

from __future__ import annotations

import asyncio
import posixpath

from django.conf import settings

from apps.core.http import SafeClient, TargetPolicy

from ..checks.engine import loop_run
from ..checks.packages import primary_href, primary_newest

RepoKey = tuple[int, int, int]


def packages_read(repomds: dict[RepoKey, tuple[str, bytes]], problems: list[str]) -> dict:
    """{key: newest packages} for each (repomd.xml URL, content) given: its primary.xml read
    from the master (at most MIRROR_CHECK_PRIMARY_MAX_BYTES) and MIRROR_CHECK_SAMPLE_POOL of
    its newest packages kept. A primary.xml that cannot be read is a problem, not a failure:
    that version's mirrors are then checked by their metadata alone."""
    if settings.MIRROR_CHECK_SAMPLE_PACKAGES <= 0 or not repomds:
        return {}
    urls: dict[RepoKey, str] = {}
    for key, (url, body) in repomds.items():
        href = primary_href(body)
        if href is None:
            problems.append(f"{url}: no primary.xml listed")
            continue
        base = url.removesuffix("repodata/repomd.xml")
        urls[key] = base + posixpath.normpath(href).lstrip("/")
    # The master is configured by the admins, not given by strangers: no address filter.
    client = SafeClient.from_settings(
        policy=TargetPolicy.from_networks(["0.0.0.0/0", "::/0"]),
        max_bytes=settings.MIRROR_CHECK_PRIMARY_MAX_BYTES,
        timeout=max(settings.MIRROR_CHECK_TIMEOUT, 60.0),
    )
    results = loop_run(_fetch(client, list(urls.values())))
    found = {}
    for (key, url), result in zip(urls.items(), results, strict=True):
        if not result.ok:
            problems.append(f"{url}: {result.error} {result.detail}")
            continue
        try:
            found[key] = primary_newest(result.body or b"", keep=settings.MIRROR_CHECK_SAMPLE_POOL)
        except ValueError as exc:
            problems.append(f"{url}: {exc}"[:300])
    return found


async def _fetch(client: SafeClient, urls: list[str]):
    slots = asyncio.Semaphore(client.per_host)
    async with client.session() as session:

        async def one(url):
            async with slots:
                return await client.fetch(session, url)

        return await asyncio.gather(*(one(url) for url in urls))
