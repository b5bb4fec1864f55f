"""A release candidate's images, read from the master as a release's are: each
architecture's folder's checksum file (sha256sum.txt, SHA256SUMS or CHECKSUM) names the
images and their SHA-256, a HEAD of each gives its size."""

from __future__ import annotations

import asyncio
import datetime as dt

from apps.core.http import SafeClient, TargetPolicy
from apps.releases.models import ReleaseCandidate
from apps.releases.services import candidate_images_record

from ..checks.engine import loop_run
from ..checks.evaluate import CHECKSUM_FILES, checksum_file_parse
from ..selectors.masters import architecture_masters, master_base_urls

IMAGE_SUFFIXES = (".iso", ".img", ".qcow2", ".raw.xz")


def candidate_images_read(*, candidate_id: int, now: dt.datetime | None = None) -> list[str]:
    """Record the candidate's images per architecture from the master (a secondary
    architecture's own master when it has one); return the problems met (no master, a
    folder without a checksum file, an image it cannot HEAD)."""
    candidate = ReleaseCandidate.objects.select_related("release").get(pk=candidate_id)
    masters = master_base_urls()
    if not masters:
        return ["No approved master mirror with an http(s) URL."]
    others = architecture_masters()
    archs = list(candidate.release.architectures.all())
    bases = {a.pk: others.get((candidate.release_id, a.pk), masters[0]) for a in archs}
    folders = [bases[arch.pk] + candidate.folder_for(arch) for arch in archs]
    client = SafeClient.from_settings(policy=TargetPolicy.from_networks(["0.0.0.0/0", "::/0"]))
    sums = loop_run(_fetch_all(client, [f + n for f in folders for n in CHECKSUM_FILES]))
    problems: list[str] = []
    listed: dict[int, dict] = {}
    per = len(CHECKSUM_FILES)
    for index, (arch, folder) in enumerate(zip(archs, folders, strict=True)):
        for result in sums[index * per : (index + 1) * per]:
            if result.ok and (entries := checksum_file_parse(result.body or b"")):
                listed[arch.pk] = {
                    name: entry for name, entry in entries.items()
                    if name.endswith(IMAGE_SUFFIXES) and "/" not in name
                }  # fmt: skip
                break
        else:
            problems.append(f"{folder}: no {', '.join(CHECKSUM_FILES)} with sha256 lines")
    heads = [(arch_id, name, bases[arch_id] + candidate.folder_for(_arch(archs, arch_id)) + name)
             for arch_id, entries in listed.items() for name in entries]  # fmt: skip
    results = loop_run(_fetch_all(client, [url for *_x, url in heads], method="HEAD"))
    found: dict[int, list] = {arch_id: [] for arch_id in listed}
    for (arch_id, name, url), result in zip(heads, results, strict=True):
        entry = listed[arch_id][name]
        size = result.content_length if result.ok else entry.size
        if not result.ok:
            problems.append(f"{url}: {result.error} {result.detail}".strip())
        found[arch_id].append((name, size, entry.sha256))
    candidate_images_record(candidate=candidate, found=found, now=now)
    return problems


def _arch(archs, pk):
    return next(a for a in archs if a.pk == pk)


async def _fetch_all(client: SafeClient, urls: list[str], method: str = "GET"):
    slots = asyncio.Semaphore(client.per_host)
    async with client.session() as session:

        async def one(url):
            async with slots:
                return await client.fetch(session, url, method=method)

        return await asyncio.gather(*(one(url) for url in urls))
