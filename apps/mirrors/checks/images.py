"""ISO images beyond their size: a few byte ranges of the images a mirror has, compared
with the master's same bytes, and rarely a whole image with its sha256. No database here.

A part is a Target of kind IMAGE_PART: `span` (first, last byte) and the sha256 of the
master's bytes there, or no span and the master's sha256 of the whole image. It is asked
with a body limit of its own length, so a server that ignores Range (200 and the whole
image) is cut off at once by the announced length, not read for gigabytes."""

from __future__ import annotations

import random
import re
from collections.abc import Iterable

from apps.core.http import FetchError, FetchResult

from ..choices import CheckKind
from .target import Target

# A whole image is read at no less than this rate before it times out (bytes per second).
FULL_IMAGE_MIN_RATE = 4 << 20
_SPAN_RE = re.compile(r": bytes (\d+)-(\d+)")


def image_spans(size: int, *, count: int, length: int, rng: random.Random):
    """`count` random byte ranges (first, last) of `length` bytes in an image of `size`."""
    if size <= 0 or count <= 0 or length <= 0:
        return []
    length = min(length, size)
    starts = {rng.randrange(0, size - length + 1) for _ in range(count)}
    return [(start, start + length - 1) for start in sorted(starts)]


def span_named(detail: str) -> tuple[int, int] | None:
    """The byte range an incomplete image's detail names (None: the whole image)."""
    found = _SPAN_RE.search(detail)
    return (int(found[1]), int(found[2])) if found else None


def part_request(target: Target, timeout: float) -> dict:
    """The fetch arguments of an image part: GET, hashed as it comes, its length the limit."""
    if target.span is None:
        size = target.size or 0
        return {"max_bytes": size, "digest": True, "timeout": timeout + size / FULL_IMAGE_MIN_RATE}
    first, last = target.span
    return {
        "headers": (f"Range: bytes={first}-{last}",),
        "max_bytes": last - first + 1,
        "digest": True,
    }


def parts_pick(
    images: Iterable[Target],
    pool: dict[int, list[tuple[tuple[int, int], str]]],
    *,
    count: int,
    full_rate: float,
    full_max_bytes: int,
    sha256: dict[int, str],
    rng: random.Random,
) -> list[Target]:
    """The parts to ask one mirror among the images it carries: `count` of the ranges the
    master was read at (`pool`: image id -> [(span, sha256)]), and with probability
    `full_rate` one whole image of at most `full_max_bytes` whose sha256 the master gave."""
    images = [t for t in images if t.kind == CheckKind.IMAGE and t.size]
    choices = [(t, span, digest) for t in images for span, digest in pool.get(t.key, ())]
    picked = [
        Target(CheckKind.IMAGE_PART, t.path, t.key, size=t.size, sha256=digest, span=span)
        for t, span, digest in rng.sample(choices, min(count, len(choices)))
    ]
    whole = [t for t in images if sha256.get(t.key) and t.size <= full_max_bytes]
    if whole and full_rate > 0 and rng.random() < full_rate:
        t = rng.choice(whole)
        picked.append(
            Target(CheckKind.IMAGE_PART, t.path, t.key, size=t.size, sha256=sha256[t.key])
        )
    return picked


def part_problem(target: Target, result: FetchResult) -> str | None:
    """What is wrong with a mirror's answer for an image part ("" when nothing is, None when
    the answer says nothing: a timeout, a server that ignores Range)."""
    path, status = target.path, result.status
    where = "" if target.span is None else ": bytes {}-{}".format(*target.span)
    if status in (404, 410):
        return f"{path}{where}: missing ({status})"
    if status == 416:
        return f"{path}{where}: not served (416), shorter than the master's {target.size}"
    if result.error == FetchError.TOO_LARGE and target.span is None:
        return f"{path}: more than the master's {target.size} bytes"
    if (
        not result.ok
        or status not in (200, 206)
        or (status == 200 and target.span is not None and target.span != (0, target.size - 1))
    ):
        return None
    wanted = target.size if target.span is None else target.span[1] - target.span[0] + 1
    if result.nbytes != wanted:
        return f"{path}{where}: {result.nbytes} bytes served, {wanted} asked"
    if result.sha256 != target.sha256:
        if target.span is None:
            return f"{path}: sha256 {result.sha256[:12]}..., the master's {target.sha256[:12]}..."
        return f"{path}{where}: not the master's bytes"
    return ""
