"""Writes of the mirror checks: sweeps, the master's versions, each mirror's recorded
state, the hysteresis of its status, the emails to its owner, and the history.

A sweep is `sweep_start` (refresh the master, split the mirrors into chunks),
`sweep_chunk_run` for each chunk (probe, then record in bulk) and `sweep_finish`
(sends `sweep_finished`). The Celery tasks and the `checkmirrors` command both go
through these.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import math
import queue
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.core import mail
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from apps.core.http import SafeClient, TargetPolicy
from apps.releases.models import Image, Release, RepositoryVersion

from .checks.engine import MirrorOutcome, MirrorPlan, Target, loop_run, plans_probe
from .checks.evaluate import (
    KnownVersion,
    image_state_evaluate,
    repomd_parse,
    repository_state_evaluate,
    timestamp_parse,
)
from .choices import (
    Approval,
    CheckKind,
    ContentState,
    MirrorStatus,
    Protocol,
    SweepState,
    SweepTrigger,
)
from .models import (
    Check,
    CheckDaily,
    Mirror,
    MirrorImageState,
    MirrorRepositoryState,
    MirrorURL,
    Sweep,
)
from .signals import sweep_finished

logger = logging.getLogger(__name__)

BATCH = 2000  # rows per bulk query and ids per IN (...)
RepoKey = tuple[int, int, int]  # (release_id, repository_id, architecture_id)


# --------------------------------------------------------------------------- the master


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


# --------------------------------------------------------------------------- sweeps


@dataclass
class SweepPlan:
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
) -> SweepPlan | None:
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
    mirrors = Mirror.objects.approved().filter(urls__protocol__in=[Protocol.HTTP, Protocol.HTTPS])
    if mirror_ids is not None:
        mirrors = mirrors.filter(pk__in=list(mirror_ids))
    ids = sorted(set(mirrors.values_list("pk", flat=True)))
    size = chunk_size or len(ids) or 1
    chunks = [ids[start : start + size] for start in range(0, len(ids), size)]
    sweep.master_ok, sweep.master_timestamp = master.ok, master.timestamp
    sweep.mirrors_total, sweep.chunks_total = len(ids), len(chunks)
    sweep.notes = "\n".join(master.problems[:50])
    sweep.save(
        update_fields=["master_ok", "master_timestamp", "mirrors_total", "chunks_total", "notes"]
    )
    return SweepPlan(sweep=sweep, chunks=chunks, master=master)


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
    if sweep.state != SweepState.RUNNING:
        return ChunkReport(skipped=True)
    clock = time.perf_counter()
    context = CheckContext.load()
    plans = plans_build(mirror_ids=mirror_ids, context=context)
    logger.info("Sweep %s: planned %d mirrors in %.1f s", sweep_id, len(plans),
                time.perf_counter() - clock)  # fmt: skip
    report = ChunkReport()
    for batch in _outcomes_stream(plans, progress=progress):
        # Recording here, in the caller's thread, while the probes go on in another: the
        # writes overlap the waiting for slow and hung mirrors.
        report.mirrors += len(batch)
        report.failed += sum(1 for o in batch if not o.reachable)
        report.checks += outcomes_record(sweep=sweep, outcomes=batch, context=context)
    report.last = _sweep_chunk_count(
        sweep_id=sweep_id,
        mirrors=report.mirrors,
        failed=report.failed,
        checks=report.checks,
    )
    return report


def _outcomes_stream(
    plans: list[MirrorPlan],
    *,
    progress: Callable[[MirrorOutcome], None] | None = None,
    batch_size: int = 500,
):
    """Probe the plans in an event loop in a worker thread; yield the outcomes in batches.

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
                plans_probe(
                    plans,
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


def sweep_chunk_fail(*, sweep_id: int, error: str) -> bool:
    """Count a chunk that crashed as done (with a note), so the sweep can still finish."""
    return _sweep_chunk_count(sweep_id=sweep_id, note=f"A chunk failed: {error}"[:500])


def _sweep_chunk_count(
    *, sweep_id: int, mirrors: int = 0, failed: int = 0, checks: int = 0, note: str = ""
) -> bool:
    with transaction.atomic():
        # The row lock serialises the chunks' counters; exactly one sees the last chunk.
        sweep = Sweep.objects.select_for_update().get(pk=sweep_id)
        sweep.chunks_done += 1
        sweep.mirrors_checked += mirrors
        sweep.mirrors_failed += failed
        sweep.checks_count += checks
        if note:
            sweep.notes = f"{sweep.notes}\n{note}".strip()
        sweep.save(
            update_fields=[
                "chunks_done", "mirrors_checked", "mirrors_failed", "checks_count", "notes"
            ]
        )  # fmt: skip
        return sweep.state == SweepState.RUNNING and sweep.chunks_done >= sweep.chunks_total


def sweep_finish(*, sweep_id: int, now: dt.datetime | None = None) -> Sweep:
    """Close the sweep, count the mirrors up and down, and send `sweep_finished` after commit.

    Idempotent: finishing a sweep that is no longer running changes nothing.
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
        transaction.on_commit(lambda: sweep_finished.send(sender=Sweep, sweep=sweep))
    return sweep


def sweep_run(
    *,
    trigger: str = SweepTrigger.COMMAND,
    mirror_ids: Iterable[int] | None = None,
    progress: Callable[[MirrorOutcome], None] | None = None,
    on_start: Callable[[SweepPlan], None] | None = None,
) -> Sweep | None:
    """A whole sweep in this process, in one chunk (the command and the benchmark).

    None when another sweep is running.
    """
    plan = sweep_start(trigger=trigger, mirror_ids=mirror_ids, chunk_size=None)
    if plan is None:
        return None
    if on_start is not None:
        on_start(plan)
    try:
        for ids in plan.chunks:
            sweep_chunk_run(sweep_id=plan.sweep.pk, mirror_ids=ids, progress=progress)
    except BaseException as exc:
        sweep_chunk_fail(sweep_id=plan.sweep.pk, error=repr(exc))
        sweep_finish(sweep_id=plan.sweep.pk)
        raise
    return sweep_finish(sweep_id=plan.sweep.pk)


# --------------------------------------------------------------------------- plans


@dataclass
class CheckContext:
    """The master's side of the comparison, loaded once per chunk (a fixed few queries)."""

    releases: dict[int, Release]
    versions: dict[RepoKey, list[KnownVersion]]
    images: dict[tuple[int, int], list[Image]]  # (release_id, architecture_id) -> images

    @classmethod
    def load(cls) -> CheckContext:
        releases = {
            r.pk: r
            for r in Release.objects.served_by_mirrors().prefetch_related(
                "architectures", "repositories"
            )
        }
        keep = max(1, settings.MIRROR_CHECK_VERSION_HISTORY)
        versions: dict[RepoKey, list[KnownVersion]] = defaultdict(list)
        rows = (
            RepositoryVersion.objects.filter(release_id__in=releases)
            .latest_first()
            .values_list(
                "release_id", "repository_id", "architecture_id", "sha256", "timestamp",
                "published_at",
            )
        )  # fmt: skip
        for rel, repo, arch, sha256, stamp, published in rows:
            key = (rel, repo, arch)
            if len(versions[key]) < keep:
                versions[key].append(KnownVersion(sha256, stamp, published.timestamp()))
        images: dict[tuple[int, int], list[Image]] = defaultdict(list)
        for image in Image.objects.filter(release_id__in=releases).select_related(
            "release", "architecture"
        ):
            images[(image.release_id, image.architecture_id)].append(image)
        return cls(releases=releases, versions=dict(versions), images=dict(images))


def plans_build(*, mirror_ids: Sequence[int], context: CheckContext) -> list[MirrorPlan]:
    """One plan per mirror with an http(s) URL: what it carries, as files to probe.

    Reads plain rows (five queries per batch, no model instances) and shares one target
    list between the mirrors that carry the same things, which is nearly all of them.
    """
    plans, failing = [], {}
    through = (
        (Mirror.releases.through, "release_id"),
        (Mirror.architectures.through, "architecture_id"),
        (Mirror.repositories.through, "repository_id"),
    )
    shared: dict[tuple[frozenset, frozenset, frozenset], list[Target]] = {}
    for start in range(0, len(mirror_ids), BATCH):
        batch = list(mirror_ids[start : start + BATCH])
        failing.update(
            Mirror.objects.filter(pk__in=batch, consecutive_failures__gt=0).values_list(
                "pk", "consecutive_failures"
            )
        )
        urls: dict[int, list[tuple[bool, int, str]]] = defaultdict(list)
        for mirror_id, url_id, protocol, url in MirrorURL.objects.filter(
            mirror_id__in=batch, protocol__in=[Protocol.HTTP, Protocol.HTTPS]
        ).values_list("mirror_id", "pk", "protocol", "url"):
            urls[mirror_id].append((protocol != Protocol.HTTPS, url_id, url))  # https first
        carried: list[dict[int, set[int]]] = []
        for model, column in through:
            rows: dict[int, set[int]] = defaultdict(set)
            for mirror_id, value in model.objects.filter(mirror_id__in=batch).values_list(
                "mirror_id", column
            ):
                rows[mirror_id].add(value)
            carried.append(rows)
        for mirror_id in batch:
            if not urls.get(mirror_id):
                continue
            choice = tuple(frozenset(rows.get(mirror_id, ())) for rows in carried)
            if choice not in shared:
                shared[choice] = _targets_for(*choice, context=context)
            plans.append(
                MirrorPlan(
                    mirror_id=mirror_id,
                    urls=[(pk, url if url.endswith("/") else url + "/")
                          for _, pk, url in sorted(urls[mirror_id])],
                    timestamp_path=settings.MASTER_TIMESTAMP_FILE,
                    targets=shared[choice],
                )
            )  # fmt: skip
    # Mirrors that failed last time first: if they hang again, their timeouts run while the
    # healthy ones are probed instead of after them.
    plans.sort(key=lambda plan: -failing.get(plan.mirror_id, 0))
    return plans


def _targets_for(
    chosen_releases: frozenset[int],
    chosen_arches: frozenset[int],
    chosen_repos: frozenset[int],
    *,
    context: CheckContext,
) -> list[Target]:
    """The repomd.xml and ISO images a mirror carries; an empty choice means all of them."""
    targets = []
    for release in context.releases.values():
        if chosen_releases and release.pk not in chosen_releases:
            continue
        arches = [
            a for a in release.architectures.all() if not chosen_arches or a.pk in chosen_arches
        ]
        repos = [r for r in release.repositories.all() if not chosen_repos or r.pk in chosen_repos]
        for arch in arches:
            for repo in repos:
                key = (release.pk, repo.pk, arch.pk)
                if key in context.versions:  # nothing to compare with: the master lacks it
                    path = repo.path_for(release, arch) + "repodata/repomd.xml"
                    known = frozenset(v.sha256 for v in context.versions[key])
                    targets.append(Target(CheckKind.REPOMD, path, key, known))
            for image in context.images.get((release.pk, arch.pk), ()):
                targets.append(Target(CheckKind.IMAGE, image.path, image.pk))
    return targets


# --------------------------------------------------------------------------- recording


@dataclass
class _Notice:
    mirror: Mirror
    event: str  # down, recovered, disabled, stale
    detail: str


def outcomes_record(
    *,
    sweep: Sweep | None,
    outcomes: Sequence[MirrorOutcome],
    context: CheckContext,
    now: dt.datetime | None = None,
) -> int:
    """Record probes as checks, update content states and statuses; return the check count.

    Every write is a bulk query in batches; the emails go out after the commit. Content
    states that did not change are only touched (one UPDATE), not rewritten.
    """
    now = now or timezone.now()
    clock = time.perf_counter()
    adapt = connection.ops.adapt_datetimefield_value
    images_by_id = {i.pk: i for images in context.images.values() for i in images}
    checks: list[tuple] = []
    repo_states: dict[tuple, tuple] = {}  # (mirror, release, repository, arch) -> values
    image_states: dict[tuple[int, int], str] = {}  # (mirror, image) -> state
    verdicts: dict[int, tuple[bool, int | None, str]] = {}  # mirror -> (reachable, lag, why)
    sweep_id = sweep.pk if sweep else None
    for outcome in outcomes:
        max_lag: int | None = None
        for probe in outcome.probes:
            result, target = probe.result, probe.target
            checks.append(
                (sweep_id, outcome.mirror_id, probe.url_id, result.url[:1000], target.kind,
                 adapt(dt.datetime.fromtimestamp(result.started, tz=dt.UTC)), result.status,
                 result.latency_ms, result.nbytes, result.error or "", result.detail[:200])
            )  # fmt: skip
            if target.kind == CheckKind.REPOMD:
                state, lag, stamp = repository_state_evaluate(
                    probe.sha256,
                    probe.repomd.timestamp if probe.repomd else None,
                    context.versions[target.key],
                    result.started,
                )
                if state == ContentState.BEHIND and lag is not None:
                    max_lag = max(max_lag or 0, lag)
                repo_states[(outcome.mirror_id, *target.key)] = (
                    state, probe.sha256 or "", lag, stamp
                )  # fmt: skip
            elif target.kind == CheckKind.IMAGE:
                image = images_by_id[target.key]
                image_states[(outcome.mirror_id, image.pk)] = image_state_evaluate(
                    result.status, result.content_length, image.size
                )
        why = next(
            (
                f"{p.result.url}: {p.result.error} ({p.result.detail})"
                for p in outcome.probes
                if not p.result.ok
            ),
            "",
        )
        verdicts[outcome.mirror_id] = (outcome.reachable, max_lag, why)

    with transaction.atomic():
        _rows_insert(Check, CHECK_COLUMNS, checks)
        _repository_states_record(states=repo_states, now=now)
        _image_states_record(states=image_states, now=now)
        notices = _mirrors_status_record(verdicts=verdicts, now=now)
        if notices:
            transaction.on_commit(lambda: notices_send(notices=notices))
    logger.info(
        "Recorded %d checks of %d mirrors in %.1f s",
        len(checks),
        len(outcomes),
        time.perf_counter() - clock,
    )
    return len(checks)


CHECK_COLUMNS = [
    "sweep", "mirror", "mirror_url", "url", "kind", "checked_at", "http_status", "latency_ms",
    "bytes", "error", "detail",
]  # fmt: skip


def _rows_insert(
    model,
    fields: Sequence[str],
    rows: Sequence[tuple],
    *,
    unique: Sequence[str] = (),
    update: Sequence[str] = (),
) -> None:
    """Multi-row INSERTs of ready values (an upsert when `unique` and `update` are given),
    as bulk_create writes them but without a model instance and a per-field compilation
    for each row: for the ~60,000 checks of a sweep, that Python work cost more than the
    database's. ON CONFLICT ... DO UPDATE is the same in PostgreSQL and SQLite."""
    if not rows:
        return
    ops, meta = connection.ops, model._meta

    def column(name: str) -> str:
        return ops.quote_name(meta.get_field(name).column)

    # Identifiers come from the model and are quoted; every value is a parameter.
    table, names = ops.quote_name(meta.db_table), ", ".join(map(column, fields))
    sql = f"INSERT INTO {table} ({names}) VALUES "  # noqa: S608
    suffix = ""
    if unique:
        updates = ", ".join(f"{column(f)} = EXCLUDED.{column(f)}" for f in update)
        suffix = f" ON CONFLICT ({', '.join(map(column, unique))}) DO UPDATE SET {updates}"
    one = "(" + ", ".join(["%s"] * len(fields)) + ")"
    limit = connection.features.max_query_params
    size = min(BATCH, limit // len(fields)) if limit else BATCH
    with connection.cursor() as cursor:
        for start in range(0, len(rows), size):
            batch = rows[start : start + size]
            cursor.execute(
                sql + ", ".join([one] * len(batch)) + suffix,
                [value for row in batch for value in row],
            )


def _repository_states_record(*, states: dict[tuple, tuple], now: dt.datetime) -> None:
    unchanged = []
    checked = connection.ops.adapt_datetimefield_value(now)
    mirror_ids = sorted({key[0] for key in states})
    for start in range(0, len(mirror_ids), BATCH):
        for pk, *key, state, sha256, lag, stamp in MirrorRepositoryState.objects.filter(
            mirror_id__in=mirror_ids[start : start + BATCH]
        ).values_list(
            "pk", "mirror_id", "release_id", "repository_id", "architecture_id", "state",
            "sha256", "lag_seconds", "timestamp",
        ):  # fmt: skip
            new = states.get(tuple(key))
            if new is not None and new == (state, sha256, lag, stamp):
                unchanged.append(pk)
                del states[tuple(key)]
    _rows_insert(
        MirrorRepositoryState,
        ["mirror", "release", "repository", "architecture", "state", "sha256", "lag_seconds",
         "timestamp", "checked_at"],
        [(*key, *values, checked) for key, values in states.items()],
        unique=["mirror", "release", "repository", "architecture"],
        update=["state", "sha256", "lag_seconds", "timestamp", "checked_at"],
    )  # fmt: skip
    for start in range(0, len(unchanged), BATCH):
        MirrorRepositoryState.objects.filter(pk__in=unchanged[start : start + BATCH]).update(
            checked_at=now
        )


def _image_states_record(*, states: dict[tuple[int, int], str], now: dt.datetime) -> None:
    unchanged = []
    mirror_ids = sorted({key[0] for key in states})
    for start in range(0, len(mirror_ids), BATCH):
        for pk, mirror_id, image_id, state in MirrorImageState.objects.filter(
            mirror_id__in=mirror_ids[start : start + BATCH]
        ).values_list("pk", "mirror_id", "image_id", "state"):
            if states.get((mirror_id, image_id)) == state:
                unchanged.append(pk)
                del states[(mirror_id, image_id)]
    checked = connection.ops.adapt_datetimefield_value(now)
    _rows_insert(
        MirrorImageState,
        ["mirror", "image", "state", "checked_at"],
        [(*key, state, checked) for key, state in states.items()],
        unique=["mirror", "image"],
        update=["state", "checked_at"],
    )
    for start in range(0, len(unchanged), BATCH):
        MirrorImageState.objects.filter(pk__in=unchanged[start : start + BATCH]).update(
            checked_at=now
        )


def _mirrors_status_record(
    *, verdicts: dict[int, tuple[bool, int | None, str]], now: dt.datetime
) -> list[_Notice]:
    """Apply the hysteresis to every mirror and save it; return what to tell owners.

    Most mirrors only count one more success or failure: those are two UPDATEs with F()
    per batch, and only the mirrors whose status changed go through bulk_update.
    """
    stale_after = settings.MIRROR_CHECK_STALE_EMAIL_SECONDS
    notices, changed, succeeded, failed = [], [], [], []
    ids = list(verdicts)
    for start in range(0, len(ids), BATCH):
        batch = Mirror.objects.filter(pk__in=ids[start : start + BATCH]).only(
            "name", "contact_email", *MIRROR_CHECK_FIELDS
        )
        for mirror in batch:
            reachable, lag, why = verdicts[mirror.pk]
            before = (mirror.status, mirror.approval, mirror.stale_notified)
            events = mirror_status_next(
                mirror=mirror,
                reachable=reachable,
                stale=lag is not None and lag > stale_after,
                now=now,
            )
            notices += [_Notice(mirror, event, why) for event in events]
            if (mirror.status, mirror.approval, mirror.stale_notified) != before:
                changed.append(mirror)
            else:
                (succeeded if reachable else failed).append(mirror.pk)
    for start in range(0, len(succeeded), BATCH):
        Mirror.objects.filter(pk__in=succeeded[start : start + BATCH]).update(
            consecutive_successes=F("consecutive_successes") + 1,
            consecutive_failures=0,
            last_checked_at=now,
            last_success_at=now,
        )
    for start in range(0, len(failed), BATCH):
        Mirror.objects.filter(pk__in=failed[start : start + BATCH]).update(
            consecutive_failures=F("consecutive_failures") + 1,
            consecutive_successes=0,
            last_checked_at=now,
        )
    Mirror.objects.bulk_update(changed, MIRROR_CHECK_FIELDS, batch_size=BATCH // 4)
    return notices


MIRROR_CHECK_FIELDS = [
    "status", "status_since", "consecutive_failures", "consecutive_successes",
    "last_checked_at", "last_success_at", "approval", "disabled_reason", "stale_notified",
]  # fmt: skip


def mirror_status_next(*, mirror: Mirror, reachable: bool, stale: bool, now: dt.datetime) -> list:
    """Apply one sweep's result to a mirror (in memory) and return the events to tell.

    A mirror never checked takes the first result at once; after that its status flips
    only after MIRROR_CHECK_DOWN_AFTER failures or MIRROR_CHECK_UP_AFTER successes in a
    row, so one lost packet is not an outage. MIRROR_CHECK_DISABLE_AFTER failures in a row
    disable it.
    """
    events = []
    mirror.last_checked_at = now
    if reachable:
        mirror.consecutive_successes += 1
        mirror.consecutive_failures = 0
        mirror.last_success_at = now
        if mirror.status == MirrorStatus.UNKNOWN or (
            mirror.status == MirrorStatus.DOWN
            and mirror.consecutive_successes >= settings.MIRROR_CHECK_UP_AFTER
        ):
            if mirror.status == MirrorStatus.DOWN:
                events.append("recovered")
            mirror.status, mirror.status_since = MirrorStatus.UP, now
        if stale and not mirror.stale_notified:
            events.append("stale")
            mirror.stale_notified = True
        elif not stale:
            mirror.stale_notified = False
    else:
        mirror.consecutive_failures += 1
        mirror.consecutive_successes = 0
        if mirror.status == MirrorStatus.UNKNOWN or (
            mirror.status == MirrorStatus.UP
            and mirror.consecutive_failures >= settings.MIRROR_CHECK_DOWN_AFTER
        ):
            events.append("down")
            mirror.status, mirror.status_since = MirrorStatus.DOWN, now
        limit = settings.MIRROR_CHECK_DISABLE_AFTER
        if limit and mirror.consecutive_failures >= limit and mirror.approval == Approval.APPROVED:
            events.append("disabled")
            mirror.approval = Approval.DISABLED
            mirror.disabled_reason = (
                f"Disabled automatically on {now:%Y-%m-%d %H:%M} UTC after "
                f"{mirror.consecutive_failures} failed checks in a row."
            )
    return events


_SUBJECTS = {
    "down": "Mirror {name} is down",
    "recovered": "Mirror {name} is up again",
    "stale": "Mirror {name} is out of date",
    "disabled": "Mirror {name} has been disabled",
}
_BODIES = {
    "down": "The checks could not reach {name} {n} times in a row, so mirror lists no longer "
    "send clients to it.\n\nLast problem: {detail}\n",
    "recovered": "{name} answers the checks again and is back in the mirror lists.\n",
    "stale": "{name} answers, but at least one repository is more than {hours} hours behind "
    "the master, so mirror lists leave it out for that repository. Please check its sync.\n",
    "disabled": "{name} failed {n} checks in a row and has been disabled.\n\nReason: {reason}\n"
    "Last problem: {detail}\n\nAsk the mirror admins to re-enable it once it is fixed.\n",
}


def notices_send(*, notices: Sequence[_Notice]) -> int:
    """Email the mirrors' contacts about their status changes (one connection for all)."""
    messages = []
    for notice in notices:
        mirror = notice.mirror
        if not mirror.contact_email:
            continue
        values = {
            "name": mirror.name,
            "n": mirror.consecutive_failures,
            "detail": notice.detail,
            "reason": mirror.disabled_reason,
            "hours": settings.MIRROR_CHECK_STALE_EMAIL_SECONDS // 3600,
        }
        messages.append(
            mail.EmailMessage(
                subject=_SUBJECTS[notice.event].format(**values),
                body=_BODIES[notice.event].format(**values),
                to=[mirror.contact_email],
            )
        )
    if not messages:
        return 0
    try:
        return mail.get_connection().send_messages(messages) or 0
    except Exception:  # a mail server outage must not undo a sweep
        logger.exception("Could not send %d mirror notices", len(messages))
        return 0


# --------------------------------------------------------------------------- history


def checks_aggregate(*, now: dt.datetime | None = None) -> int:
    """Fold the checks older than MIRROR_CHECK_RETENTION_DAYS into CheckDaily rows and
    delete them; return how many checks were folded.

    Works day by day (UTC), so memory holds one day of latencies at most. A day that was
    already summarised is merged into its row.
    """
    now = now or timezone.now()
    today = now.astimezone(dt.UTC).date()
    cutoff_day = today - dt.timedelta(days=settings.MIRROR_CHECK_RETENTION_DAYS)
    cutoff = dt.datetime.combine(cutoff_day, dt.time(), tzinfo=dt.UTC)
    oldest = Check.objects.filter(checked_at__lt=cutoff).order_by("checked_at").first()
    if oldest is None:
        return 0
    folded = 0
    day = oldest.checked_at.astimezone(dt.UTC).date()
    while day < cutoff_day:
        start = dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)
        end = start + dt.timedelta(days=1)
        folded += _checks_day_fold(day=day, start=start, end=end)
        day += dt.timedelta(days=1)
    return folded


@transaction.atomic
def _checks_day_fold(*, day: dt.date, start: dt.datetime, end: dt.datetime) -> int:
    window = Check.objects.filter(checked_at__gte=start, checked_at__lt=end)
    latencies: dict[int, list[int]] = defaultdict(list)
    counts: dict[int, list[int]] = defaultdict(lambda: [0, 0])  # mirror -> [checks, failures]
    for mirror_id, latency, error in window.values_list(
        "mirror_id", "latency_ms", "error"
    ).iterator(chunk_size=BATCH):
        counts[mirror_id][0] += 1
        if error:
            counts[mirror_id][1] += 1
        elif latency is not None:
            latencies[mirror_id].append(latency)
    if not counts:
        return 0
    existing = {
        row.mirror_id: row for row in CheckDaily.objects.filter(day=day, mirror_id__in=list(counts))
    }
    rows = []
    for mirror_id, (total, failures) in counts.items():
        lat = sorted(latencies.get(mirror_id, ()))
        mean = sum(lat) / len(lat) if lat else None
        p95 = lat[min(len(lat) - 1, math.ceil(0.95 * len(lat)) - 1)] if lat else None
        if (old := existing.get(mirror_id)) is not None:
            ok_old, ok_new = old.checks - old.failures, len(lat)
            if old.latency_mean_ms is not None and mean is not None:
                mean = (old.latency_mean_ms * ok_old + mean * ok_new) / (ok_old + ok_new)
            mean = mean if mean is not None else old.latency_mean_ms
            p95 = max(filter(None, (p95, old.latency_p95_ms)), default=None)  # an upper bound
            total, failures = total + old.checks, failures + old.failures
        rows.append(
            CheckDaily(
                mirror_id=mirror_id,
                day=day,
                checks=total,
                failures=failures,
                success_ratio=(total - failures) / total,
                latency_mean_ms=mean,
                latency_p95_ms=p95,
            )
        )
    check_daily_upsert(rows=rows)
    folded = sum(c for c, _ in counts.values())
    window.delete()
    return folded


def check_daily_upsert(*, rows: list[CheckDaily]) -> None:
    """Write daily aggregates, replacing those of the same mirror and day."""
    CheckDaily.objects.bulk_create(
        rows,
        batch_size=BATCH,
        update_conflicts=True,
        unique_fields=["mirror", "day"],
        update_fields=[
            "checks", "failures", "success_ratio", "latency_mean_ms", "latency_p95_ms"
        ],
    )  # fmt: skip


# --------------------------------------------------------------------------- schedule

SWEEP_TASK_NAME = "Mirror checks: sweep"
AGGREGATE_TASK_NAME = "Mirror checks: fold old checks into daily summaries"


def schedule_setup(*, enabled: bool | None = None, interval_minutes: int | None = None):
    """Create or update the periodic tasks of the checks in django-celery-beat (idempotent).

    `enabled` defaults to MIRROR_CHECK_PERIODIC; the interval to
    MIRROR_CHECK_INTERVAL_MINUTES but an interval an admin changed is kept unless given.
    """
    from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask

    enabled = settings.MIRROR_CHECK_PERIODIC if enabled is None else enabled
    with transaction.atomic():
        sweep = PeriodicTask.objects.filter(name=SWEEP_TASK_NAME).first()
        if sweep is None or interval_minutes is not None:
            every = interval_minutes or settings.MIRROR_CHECK_INTERVAL_MINUTES
            interval, _ = IntervalSchedule.objects.get_or_create(
                every=every, period=IntervalSchedule.MINUTES
            )
        else:
            interval = sweep.interval
        sweep, _ = PeriodicTask.objects.update_or_create(
            name=SWEEP_TASK_NAME,
            defaults={
                "task": "mirrors.sweep_start",
                "interval": interval,
                "crontab": None,
                "enabled": enabled,
                "description": "Check every approved mirror (apps.mirrors.tasks.sweep_start).",
            },
        )
        daily, _ = CrontabSchedule.objects.get_or_create(
            minute="17", hour="3", day_of_week="*", day_of_month="*", month_of_year="*"
        )
        aggregate, _ = PeriodicTask.objects.update_or_create(
            name=AGGREGATE_TASK_NAME,
            defaults={
                "task": "mirrors.checks_aggregate",
                "crontab": daily,
                "interval": None,
                "enabled": enabled,
                "description": "Fold checks older than the retention into daily summaries.",
            },
        )
    return sweep, aggregate
