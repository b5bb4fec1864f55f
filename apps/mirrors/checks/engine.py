"""Probing many mirrors at once: asyncio and libcurl (apps.core.http), bounded and polite.

Each mirror gets its own session (at most `per_host` connections, kept alive) and
asks for its timestamp file first; only a mirror that answers that is asked for its
repositories and images, so a dead or hung mirror costs one request, not six (no retry
storms). A shared semaphore bounds the requests in flight across all mirrors, and is
taken before the request starts so that waiting for a slot never eats into the timeout.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import Callable, Coroutine, Iterable
from dataclasses import dataclass, field

from apps.core.http import FetchError, FetchResult, SafeClient, Slots

from ..choices import CheckKind
from .evaluate import RepomdInfo, repomd_parse, timestamp_parse
from .images import part_request
from .target import Target

# A timestamp file further ahead of this machine's clock than this is not believed.
CLOCK_SKEW_SECONDS = 3600


@dataclass(slots=True)
class ProbeBatch:
    """What to ask one mirror: its URLs (preferred first) and the files it should have."""

    mirror_id: int
    urls: list[tuple[int, str]]  # (MirrorURL id, URL ending in "/"): https, http, ftp, rsync
    timestamp_path: str
    targets: list[Target] = field(default_factory=list)
    # packages of its repositories (apps.mirrors.checks.packages), asked only of those it
    # serves current: the content beyond the metadata
    samples: list[Target] = field(default_factory=list)
    # byte ranges (or all) of its ISO images (apps.mirrors.checks.images), asked only of
    # those it serves with the master's size
    image_parts: list[Target] = field(default_factory=list)


@dataclass(slots=True)
class Probe:
    """One request made to a mirror, with what its answer held."""

    mirror_id: int
    url_id: int
    target: Target
    result: FetchResult
    sha256: str | None = None  # of the repomd.xml served
    repomd: RepomdInfo | None = None  # parsed only when it is none of the known versions
    timestamp: int | None = None  # of the timestamp file
    family: str | None = None  # IPV4 or IPV6 when the host has both and this asked one


@dataclass(slots=True)
class MirrorOutcome:
    """All probes of one mirror in one sweep."""

    mirror_id: int
    probes: list[Probe] = field(default_factory=list)
    reachable: bool = False  # some URL served a valid timestamp file
    url_id: int | None = None  # the URL the content was checked through
    family: str | None = None  # and the address family, when its host has both


async def probe_batches_run(
    probe_batches: Iterable[ProbeBatch],
    *,
    client: SafeClient,
    concurrency: int,
    on_done: Callable[[MirrorOutcome], None] | None = None,
) -> list[MirrorOutcome]:
    """Probe every probe batch; at most `concurrency` requests (and mirrors) in flight."""
    slots = Slots(concurrency)
    batches_iter = iter(probe_batches)
    outcomes: list[MirrorOutcome] = []

    async def worker() -> None:
        # A fixed pool of workers instead of one task per mirror: 10,000 mirrors must not
        # mean 10,000 sessions waiting for a slot.
        for probe_batch in batches_iter:
            outcome = await mirror_probe(probe_batch, client=client, slots=slots)
            outcomes.append(outcome)
            if on_done is not None:
                on_done(outcome)

    await asyncio.gather(*(worker() for _ in range(max(1, concurrency))))
    return outcomes


async def mirror_probe(
    probe_batch: ProbeBatch,
    *,
    client: SafeClient,
    slots: Slots,
) -> MirrorOutcome:
    """Probe one mirror: the timestamp file on each URL, over each address family of its
    host (a dual-stack host is asked over IPv4 and IPv6 apart, each pinned to its own
    addresses), then the content through the http(s) or ftp answer that served the newest
    timestamp file (https first on a tie), over that answer's family."""
    outcome = MirrorOutcome(probe_batch.mirror_id)
    per_host = Slots(client.per_host)
    time_target = Target(CheckKind.TIMESTAMP, probe_batch.timestamp_path)
    async with client.session() as session:

        async def one(url_id: int, base: str, target: Target, family: str | None) -> Probe:
            method = "HEAD" if target.kind == CheckKind.IMAGE else "GET"
            if target.kind == CheckKind.PACKAGE and not target.sha256:
                method = "HEAD"
            more = (
                part_request(target, client.timeout) if target.kind == CheckKind.IMAGE_PART else {}
            )
            async with per_host, slots:
                result = await client.fetch(session, base + target.path, method=method,
                                            family=family, **more)  # fmt: skip
            return _probe_read(Probe(probe_batch.mirror_id, url_id, target, result, family=family))

        asks = [
            (url_id, base, family)
            for url_id, base in probe_batch.urls
            for family in await session.families(base + probe_batch.timestamp_path)
        ]
        firsts = await asyncio.gather(*(one(u, b, time_target, f) for u, b, f in asks))
        outcome.probes.extend(firsts)
        bases = dict(probe_batch.urls)
        answered = [p for p in firsts if p.result.ok]
        # rsync serves the mirrors below this one, not clients: it makes a mirror reachable
        # only when it has nothing else.
        client_side = [p for p in firsts if not _is_rsync(bases[p.url_id])]
        outcome.reachable = any(p.result.ok for p in client_side) or (
            not client_side and bool(answered)
        )
        readable = [p for p in answered if not _is_rsync(bases[p.url_id])]
        if not outcome.reachable or not readable:
            return outcome
        newest = max(p.timestamp or 0 for p in readable)
        chosen = next(p for p in readable if (p.timestamp or 0) == newest)
        outcome.url_id, outcome.family = chosen.url_id, chosen.family
        base = bases[chosen.url_id]
        content = await asyncio.gather(*(one(chosen.url_id, base, t, chosen.family)
                                         for t in probe_batch.targets))  # fmt: skip
        outcome.probes.extend(content)
        current = {
            p.target.key
            for p in content
            if p.target.kind == CheckKind.REPOMD and p.sha256 and p.sha256 == p.target.newest
        }
        asked = [t for t in probe_batch.samples if t.key in current]
        present = {
            p.target.key
            for p in content
            if p.target.kind == CheckKind.IMAGE and p.result.ok
            and p.result.content_length is not None and p.result.content_length == p.target.size
        }  # fmt: skip
        asked += [t for t in probe_batch.image_parts if t.key in present]
        if asked:
            outcome.probes.extend(
                await asyncio.gather(*(one(chosen.url_id, base, t, chosen.family) for t in asked))
            )
    return outcome


def _is_rsync(url: str) -> bool:
    return url[:8].lower() == "rsync://"


def loop_run(coro: Coroutine, *, fast_loop: bool = True):
    """Run a coroutine to completion in a new event loop: uvloop's when installed and
    wanted (it takes about a third less CPU per request than asyncio's own loop)."""
    factory = None
    if fast_loop:
        try:
            import uvloop
        except ImportError:
            pass
        else:
            factory = uvloop.new_event_loop
    with asyncio.Runner(loop_factory=factory) as runner:
        return runner.run(coro)


def _probe_read(probe: Probe) -> Probe:
    """Parse what the answer should hold, mark it wrong_content if it doesn't, drop the body."""
    result = probe.result
    if result.ok and result.body is not None:
        try:
            if probe.target.kind == CheckKind.TIMESTAMP:
                probe.timestamp = timestamp_parse(result.body)
                ahead = probe.timestamp - time.time()
                if ahead > CLOCK_SKEW_SECONDS:
                    # A clock that runs ahead: believed, this URL would make the mirror's
                    # honest URLs look behind and have the content read through it.
                    probe.timestamp = None
                    result.detail = (
                        f"timestamp file {ahead / 3600:.0f} h in the future: not believed"
                    )
            elif probe.target.kind == CheckKind.PACKAGE:  # asked whole: its checksum
                probe.sha256 = hashlib.sha256(result.body).hexdigest()
            elif probe.target.kind == CheckKind.REPOMD:
                probe.sha256 = hashlib.sha256(result.body).hexdigest()
                if probe.sha256 not in probe.target.known:  # known ones need no parsing
                    probe.repomd = repomd_parse(result.body)
        except ValueError as exc:
            result.error, result.detail = FetchError.WRONG_CONTENT, str(exc)[:200]
            probe.sha256 = None
    result.body = None  # thousands of outcomes are kept until the sweep writes them
    return probe
