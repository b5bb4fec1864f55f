"""Sweeps: start one (refresh the master, split the mirrors into chunks), run each chunk
(probe, then record in bulk) and finish it (sends `sweep_finished` after commit). The
Celery tasks and the `sweepmirrors` command both go through these."""

from __future__ import annotations

import datetime as dt
import logging
import queue
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone

from apps.core.http import SafeClient

from ..checks.engine import MirrorOutcome, ProbeBatch, loop_run, probe_batches_run
from ..choices import (
    MirrorStatus,
    MirrorTier,
    SweepState,
    SweepTrigger,
)
from ..models import (
    MaintenanceWindow,
    Mirror,
    Sweep,
)
from ..selectors.probe_batches import CheckContext, probe_batches_build
from ..signals import sweep_finished
from .image_parts import image_parts_add
from .master import MasterReport, master_refresh
from .recording import outcomes_record
from .vantage_content import vantage_content_dispatch

logger = logging.getLogger(__name__)


@dataclass
class SweepChunks:
    """A started sweep and the mirror ids of each of its chunks."""

    sweep: Sweep
    chunks: list[list[int]]
    master: MasterReport


def sweep_start(
    *,
    trigger: str = SweepTrigger.PERIODIC,
    mirror_ids: Iterable[int] | None = None,
    chunk_size: int | None = None,
    now: dt.datetime | None = None,
) -> SweepChunks | None:
    """Start a sweep, or return None when one is already running.

    A running sweep whose lease expired (its worker died) is marked abandoned first, so
    a crash never blocks the checks for longer than MIRROR_CHECK_SWEEP_LEASE.
    chunk_size None puts every mirror in one chunk (the foreground sweep).
    """
    now = now or timezone.now()
    with transaction.atomic():
        Sweep.objects.running().filter(lease_expires_at__lt=now).update(
            state=SweepState.ABANDONED, finished_at=now, notes="The lease expired."
        )
    try:
        with transaction.atomic():
            sweep = Sweep.objects.create(
                state=SweepState.RUNNING,
                trigger=trigger,
                started_at=now,
                lease_expires_at=now + dt.timedelta(seconds=settings.MIRROR_CHECK_SWEEP_LEASE),
            )
    except IntegrityError:
        return None  # the partial unique constraint: another sweep is running

    master = master_refresh(now=now)
    # The masters are read by the master refresh; a sweep compares the others with them.
    # Every protocol is probed: http(s) and ftp for the clients, rsync for the mirrors below.
    mirrors = Mirror.objects.approved().exclude(tier=MirrorTier.MASTER).filter(urls__isnull=False)
    if mirror_ids is not None:
        mirrors = mirrors.filter(pk__in=list(mirror_ids))
    # A mirror in a maintenance window is out on purpose: not probed, not counted as failing.
    mirrors = mirrors.exclude(maintenance__in=MaintenanceWindow.objects.open_at(now))
    ids = sorted(set(mirrors.values_list("pk", flat=True)))
    size = chunk_size or len(ids) or 1
    chunks = [ids[start : start + size] for start in range(0, len(ids), size)]
    sweep.master_ok, sweep.master_timestamp = master.ok, master.timestamp
    sweep.mirrors_total, sweep.chunks_total = len(ids), len(chunks)
    sweep.notes = "\n".join(master.problems[:50])
    sweep.save(
        update_fields=["master_ok", "master_timestamp", "mirrors_total", "chunks_total", "notes"]
    )
    return SweepChunks(sweep=sweep, chunks=chunks, master=master)


@dataclass
class ChunkReport:
    """What one chunk did; `last` says it completed the sweep."""

    mirrors: int = 0
    failed: int = 0
    checks: int = 0
    last: bool = False
    skipped: bool = False  # the sweep was no longer running


def sweep_chunk_run(
    *,
    sweep_id: int,
    mirror_ids: Sequence[int],
    progress: Callable[[MirrorOutcome], None] | None = None,
) -> ChunkReport:
    """Probe a chunk of mirrors and record everything in bulk."""
    sweep = Sweep.objects.get(pk=sweep_id)
    if sweep.state != SweepState.RUNNING or _chunk_key(mirror_ids) in sweep.chunks_counted:
        return ChunkReport(skipped=True)  # finished, or this chunk delivered again
    clock = time.perf_counter()
    context = CheckContext.load()
    probe_batches = probe_batches_build(mirror_ids=mirror_ids, context=context)
    for problem in image_parts_add(probe_batches, context):
        logger.warning("Sweep %s: %s", sweep_id, problem)
    vantage_content_dispatch(probe_batches)  # the same repositories checked from elsewhere
    logger.info("Sweep %s: planned %d mirrors in %.1f s", sweep_id, len(probe_batches),
                time.perf_counter() - clock)  # fmt: skip
    report = ChunkReport()
    for batch in outcomes_stream(probe_batches, progress=progress):
        # Recording here, in the caller's thread, while the probes go on in another: the
        # writes overlap the waiting for slow and hung mirrors.
        report.mirrors += len(batch)
        report.failed += sum(1 for o in batch if not o.reachable)
        report.checks += outcomes_record(sweep=sweep, outcomes=batch, context=context)
    report.last = _sweep_chunk_count(
        sweep_id=sweep_id,
        chunk=_chunk_key(mirror_ids),
        mirrors=report.mirrors,
        failed=report.failed,
        checks=report.checks,
    )
    return report


def outcomes_stream(
    probe_batches: list[ProbeBatch],
    *,
    progress: Callable[[MirrorOutcome], None] | None = None,
    batch_size: int = 500,
):
    """Probe the probe_batches in an event loop in a worker thread; yield the outcomes in batches.

    The database stays in the calling thread (its connection, its transaction in tests);
    the thread running the loop never touches it.
    """
    done = object()
    batches: queue.SimpleQueue = queue.SimpleQueue()
    failure: list[BaseException] = []
    batch: list[MirrorOutcome] = []

    def on_done(outcome: MirrorOutcome) -> None:
        nonlocal batch
        batch.append(outcome)
        if len(batch) >= batch_size:  # hand over whole batches: one thread switch each
            batches.put(batch)
            batch = []
        if progress is not None:
            progress(outcome)

    def probe() -> None:
        try:
            loop_run(
                probe_batches_run(
                    probe_batches,
                    client=SafeClient.from_settings(),
                    concurrency=settings.MIRROR_CHECK_CONCURRENCY,
                    on_done=on_done,
                ),
                fast_loop=settings.MIRROR_CHECK_UVLOOP,
            )
            if batch:
                batches.put(batch)
        except BaseException as exc:  # handed to the caller's thread
            failure.append(exc)
        finally:
            batches.put(done)

    thread = threading.Thread(target=probe, name="mirror-probes", daemon=True)
    thread.start()
    while (item := batches.get()) is not done:
        yield item
    thread.join()
    if failure:
        raise failure[0]


def sweep_chunk_fail(*, sweep_id: int, error: str, mirror_ids: Sequence[int] = ()) -> bool:
    """Count a chunk that crashed as done (with a note), so the sweep can still finish."""
    return _sweep_chunk_count(
        sweep_id=sweep_id, chunk=_chunk_key(mirror_ids), note=f"A chunk failed: {error}"[:500]
    )


def _chunk_key(mirror_ids: Sequence[int]) -> int | None:
    """A chunk's name: its first mirror id (the chunks of a sweep share none)."""
    return min(mirror_ids) if mirror_ids else None


def _sweep_chunk_count(
    *, sweep_id: int, chunk: int | None = None, mirrors: int = 0, failed: int = 0,
    checks: int = 0, note: str = "",
) -> bool:  # fmt: skip
    """Count a chunk once. A task is acknowledged after it ran (acks_late): a worker killed
    between this commit and the acknowledgement has its chunk delivered again, which must
    neither count it twice nor finish the sweep twice."""
    with transaction.atomic():
        # The row lock serialises the chunks' counters; exactly one sees the last chunk.
        sweep = Sweep.objects.select_for_update().get(pk=sweep_id)
        if chunk is not None:
            if chunk in sweep.chunks_counted:
                return False
            sweep.chunks_counted = [*sweep.chunks_counted, chunk]
        sweep.chunks_done += 1
        sweep.mirrors_checked += mirrors
        sweep.mirrors_failed += failed
        sweep.checks_count += checks
        if note:
            sweep.notes = f"{sweep.notes}\n{note}".strip()
        sweep.save(
            update_fields=[
                "chunks_done", "chunks_counted", "mirrors_checked", "mirrors_failed",
                "checks_count", "notes",
            ]
        )  # fmt: skip
        return sweep.state == SweepState.RUNNING and sweep.chunks_done >= sweep.chunks_total


def sweep_finish(
    *, sweep_id: int, now: dt.datetime | None = None, foreground: bool = False
) -> Sweep:
    """Close the sweep, count the mirrors up and down, and send `sweep_finished` after commit.

    `foreground` tells the receivers that a person waits for this process (the command):
    they then do their work here instead of queueing it for a worker. What they answer is
    kept in `sweep.receivers_said` (for the command to print). Idempotent: finishing a
    sweep that is no longer running changes nothing.
    """
    now = now or timezone.now()
    with transaction.atomic():
        sweep = Sweep.objects.select_for_update().get(pk=sweep_id)
        if sweep.state != SweepState.RUNNING:
            return sweep
        counts = Mirror.objects.approved().aggregate(
            up=Count("pk", filter=Q(status=MirrorStatus.UP)),
            down=Count("pk", filter=Q(status=MirrorStatus.DOWN)),
        )
        sweep.mirrors_up, sweep.mirrors_down = counts["up"], counts["down"]
        sweep.state, sweep.finished_at = SweepState.FINISHED, now
        sweep.save(update_fields=["mirrors_up", "mirrors_down", "state", "finished_at"])
        sweep.receivers_said = []

        def tell() -> None:
            answers = sweep_finished.send(sender=Sweep, sweep=sweep, foreground=foreground)
            sweep.receivers_said = [said for _receiver, said in answers if said]

        transaction.on_commit(tell)
    return sweep


def sweep_run(
    *,
    trigger: str = SweepTrigger.COMMAND,
    mirror_ids: Iterable[int] | None = None,
    progress: Callable[[MirrorOutcome], None] | None = None,
    on_start: Callable[[SweepChunks], None] | None = None,
) -> Sweep | None:
    """A whole sweep in this process, in one chunk (the command and the benchmark).

    None when another sweep is running.
    """
    sweep_chunks = sweep_start(trigger=trigger, mirror_ids=mirror_ids, chunk_size=None)
    if sweep_chunks is None:
        return None
    if on_start is not None:
        on_start(sweep_chunks)
    try:
        for ids in sweep_chunks.chunks:
            sweep_chunk_run(sweep_id=sweep_chunks.sweep.pk, mirror_ids=ids, progress=progress)
    except BaseException as exc:
        sweep_chunk_fail(sweep_id=sweep_chunks.sweep.pk, error=repr(exc), mirror_ids=ids)
        sweep_finish(sweep_id=sweep_chunks.sweep.pk, foreground=True)
        raise
    return sweep_finish(sweep_id=sweep_chunks.sweep.pk, foreground=True)
