"""The master's side of the ISO images' byte ranges: for the mirrors of one chunk (or one
re-check), a few random ranges of each image they carry are read from the master once,
hashed, and each mirror is given some of them to be asked (apps.mirrors.checks.images).
An incomplete image's named range is asked again, whatever the draw."""

from __future__ import annotations

import asyncio
import random
from collections import defaultdict
from collections.abc import Sequence

from django.conf import settings

from apps.core.http import SafeClient, TargetPolicy
from apps.releases.models import Image

from ..checks.engine import ProbeBatch, Target, loop_run
from ..checks.images import image_spans, part_request, parts_pick, span_named
from ..choices import CheckKind, ImageState
from ..models import MirrorImageState
from ..selectors.masters import architecture_masters, master_base_urls
from ..selectors.probe_batches import CheckContext
from .master import BATCH

Span = tuple[int, int]


def image_parts_add(
    probe_batches: Sequence[ProbeBatch], context: CheckContext, *, rng: random.Random | None = None
) -> list[str]:
    """Give each probe batch its image parts; return the problems met reading the master."""
    count = settings.MIRROR_CHECK_IMAGE_RANGES
    full_rate = settings.MIRROR_CHECK_IMAGE_FULL_RATE
    images = {
        t.key: t for p in probe_batches for t in p.targets if t.kind == CheckKind.IMAGE and t.size
    }
    named = _named(probe_batches, images) if images else {}
    if not named and (count <= 0 and full_rate <= 0):
        return []
    rng = rng or random.Random()  # noqa: S311  (a sample, not a secret)
    spans = {
        key: image_spans(t.size, count=count, length=settings.MIRROR_CHECK_IMAGE_RANGE_BYTES,
                         rng=rng)
        for key, t in images.items()
    }  # fmt: skip
    wanted = {(key, span) for key, found in spans.items() for span in found}
    wanted |= {(key, span) for parts in named.values() for key, span in parts if span}
    problems: list[str] = []
    digests = _master_read(images, sorted(wanted), problems) if wanted else {}
    pool = defaultdict(list)
    for (key, span), digest in digests.items():
        if span in spans.get(key, ()):
            pool[key].append((span, digest))
    sha256 = {i.pk: i.sha256 for found in context.images.values() for i in found if i.sha256}
    for probe_batch in probe_batches:
        probe_batch.image_parts = parts_pick(
            probe_batch.targets, pool, count=count, full_rate=full_rate, sha256=sha256, rng=rng,
            full_max_bytes=settings.MIRROR_CHECK_IMAGE_FULL_MAX_BYTES,
        )  # fmt: skip
        asked = {(t.key, t.span) for t in probe_batch.image_parts}
        for key, span in named.get(probe_batch.mirror_id, ()):
            image = images[key]
            if (key, span) in asked or (span is not None and (key, span) not in digests):
                continue
            digest = digests[(key, span)] if span is not None else sha256.get(key, "")
            if digest:
                part = Target(CheckKind.IMAGE_PART, image.path, key, size=image.size,
                              sha256=digest, span=span)  # fmt: skip
                probe_batch.image_parts.append(part)
    return problems


def _named(
    probe_batches: Sequence[ProbeBatch], images: dict
) -> dict[int, list[tuple[int, Span | None]]]:
    """{mirror: [(image, span)]} the incomplete images of these mirrors name."""
    named: dict[int, list] = defaultdict(list)
    ids = [probe_batch.mirror_id for probe_batch in probe_batches]
    for start in range(0, len(ids), BATCH):
        for mirror_id, image_id, detail in MirrorImageState.objects.filter(
            mirror_id__in=ids[start : start + BATCH], state=ImageState.INCOMPLETE
        ).values_list("mirror_id", "image_id", "detail"):
            if image_id in images:
                named[mirror_id].append((image_id, span_named(detail)))
    return named


def _master_read(images: dict, wanted: list[tuple[int, Span]], problems: list[str]) -> dict:
    """{(image, span): sha256 of the master's bytes there}; a range the master does not
    serve as asked (no 206 of that length) is left out, and is a problem."""
    masters = master_base_urls()
    if not masters:
        problems.append("no master: the images' ranges are not checked")
        return {}
    # The master is configured by the admins, not given by strangers: no address filter.
    client = SafeClient.from_settings(policy=TargetPolicy.from_networks(["0.0.0.0/0", "::/0"]))
    targets = [Target(CheckKind.IMAGE_PART, images[key].path, key, span=span)
               for key, span in wanted]  # fmt: skip
    results = loop_run(_fetch(client, _image_bases(images, masters[0]), targets))
    found = {}
    for target, result in zip(targets, results, strict=True):
        first, last = target.span
        if result.ok and result.status == 206 and result.nbytes == last - first + 1:
            found[(target.key, target.span)] = result.sha256
        else:
            problems.append(f"{result.url} bytes {first}-{last}: {result.error} {result.detail}")
    return found


def _image_bases(images: dict, base: str) -> dict[int, str]:
    """{image id: the master it is read from}: a secondary architecture's own master
    (ReleaseArchitecture.master_url) when it has one, else `base`."""
    others = architecture_masters()
    if not others:
        return dict.fromkeys(images, base)
    rows = Image.objects.filter(pk__in=list(images)).values_list(
        "id", "release_id", "architecture_id"
    )
    return {pk: others.get((release, arch), base) for pk, release, arch in rows}


async def _fetch(client: SafeClient, bases: dict[int, str], targets: list[Target]):
    slots = asyncio.Semaphore(client.per_host)
    async with client.session() as session:

        async def one(target: Target):
            async with slots:
                more = part_request(target, client.timeout)
                return await client.fetch(session, bases[target.key] + target.path, **more)

        return await asyncio.gather(*(one(t) for t in targets))
