"""The light health loop between the content sweeps: one HEAD of the timestamp file per
serving mirror URL, so that a dead mirror leaves the lists within minutes and one that
comes back (or finishes a sync) is checked again at once; and a look at the master's
timestamp file, so that a push is seen within a round, not at the next sweep. What a round
writes: apps.mirrors.services.health_record."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import queue
import threading
import time
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from apps.core.http import FetchResult, SafeClient, Slots, TargetPolicy

from ..checks.engine import loop_run
from ..checks.evaluate import timestamp_parse
from ..choices import MirrorStatus, MirrorTier, SweepState
from ..models import MaintenanceWindow, MirrorURL, Sweep, approved_q
from ..selectors.masters import master_base_urls
from ..selectors.metrics import LAST_ROUND_KEY
from ..selectors.probe_batches import PROTOCOL_ORDER
from .health_record import HealthReport, ProbedMirror
from .health_record import outcomes_record as _outcomes_record  # (bench/ times it here)
from .maintenance import maintenance_events
from .master import BATCH, master_refresh
from .vantage import vantage_dispatch

logger = logging.getLogger(__name__)

MASTER_TIME_KEY = "mirrors:health:master-time"

__all__ = ["LAST_ROUND_KEY", "MASTER_TIME_KEY", "HealthReport", "health_round"]


def health_round(*, now: dt.datetime | None = None, early: bool = True) -> HealthReport:
    """Probe every approved mirror that is up or down (not the masters, not those in an
    open maintenance window) and apply the health hysteresis.

    MIRROR_HEALTH_DOWN_AFTER failed rounds in a row take an up mirror down (its owner is
    told, the failing probes are kept as checks, the lists follow after commit);
    MIRROR_HEALTH_UP_AFTER good rounds in a row of a down mirror queue a content check
    (its tree may have been emptied meanwhile), which lists it again if it passes. An up
    mirror whose timestamp file's Last-Modified changed since the last round finished a
    sync: a content check is queued too, which lists it as current for the new versions.
    Successful probes write no check rows: a few queries per round, whatever the count.

    A probe whose answer would change the mirror's status (an up mirror failing, a down
    one answering) is confirmed at once: a second probe MIRROR_HEALTH_CONFIRM_SECONDS after
    the first started, whose result counts as the next round's. With `early` (the default)
    a mirror whose change is confirmed is recorded while the others are still probed (once
    the master answered this round: our side's network works), so its way out of the lists
    or back does not wait for the slowest mirror of the round.
    """
    now = now or timezone.now()
    clock = time.perf_counter()
    report = HealthReport()
    maintenance_events(now=now)  # windows opened or closed since the last round: told
    mirrors = _mirrors_load(now=now)
    # The vantage points probe the same mirrors from elsewhere meanwhile; their answers
    # arrive through the portal's workers and count at the next decision.
    report.vantage_points = vantage_dispatch(
        items=[(m.pk, [url for _id, url in m.urls]) for m in mirrors.values()]
    )
    masters = master_base_urls()
    master_url = masters[0] + settings.MASTER_TIMESTAMP_FILE if masters else None
    recorded: set[int] = set()
    master_result = None
    for kind, item in _round_stream(list(mirrors.values()), master_url, early=early):
        if kind == "master":
            master_result = item
        else:  # confirmed changes, recorded at once
            _outcomes_record(mirrors={m.pk: m for m in item}, now=now, report=report)
            recorded.update(m.pk for m in item)
    report.mirrors = len(mirrors)
    report.requests = sum(len(m.results) + len(m.earlier or ()) for m in mirrors.values()) + (
        1 if master_url else 0
    )
    failing = [m for m in mirrors.values() if not m.healthy]
    report.failed = len(failing)
    if master_result is not None:
        try:
            if not master_result.ok:
                raise ValueError(f"{master_result.error} ({master_result.detail})")
            report.master_timestamp = timestamp_parse(master_result.body or b"")
        except ValueError as exc:
            report.master_problem = f"{master_url}: {exc}"[:200]
    # Nothing answers, the master neither: more likely our network than theirs. Such a
    # round counts no failure, so the lists do not empty themselves in two minutes.
    report.isolated = bool(
        master_url and report.master_timestamp is None and len(failing) * 2 > len(mirrors)
    )
    if report.isolated:
        logger.warning("Health round: the master and %d of %d mirrors failed; no failure "
                       "counted", len(failing), len(mirrors))  # fmt: skip
        mirrors = {pk: m for pk, m in mirrors.items() if m.healthy}
    _outcomes_record(
        mirrors={pk: m for pk, m in mirrors.items() if pk not in recorded}, now=now, report=report
    )
    if report.master_timestamp is not None:
        report.master_changed = _master_watch(timestamp=report.master_timestamp, now=now)
    report.seconds = time.perf_counter() - clock
    _round_remember(report)
    logger.info(
        "Health round: %d mirrors, %d failed, %d taken down, %d re-checks queued%s in %.1f s",
        report.mirrors, report.failed, len(report.taken_down), len(report.rechecks_queued),
        ", the master changed" if report.master_changed else "", report.seconds,
    )  # fmt: skip
    return report


def _round_remember(report: HealthReport) -> None:
    """Keep the round's figures in the cache, shared by every process in production."""
    figures = {"seconds": report.seconds, "finished": time.time(), "mirrors": report.mirrors,
               "failed": report.failed, "isolated": report.isolated}  # fmt: skip
    try:
        cache.set(LAST_ROUND_KEY, figures, timeout=7 * 86400)
    except Exception as exc:  # noqa: BLE001  (a metric is not worth a failed round)
        logger.warning("cache unavailable for the health round's figures: %s", exc)


def _mirrors_load(*, now: dt.datetime) -> dict[int, ProbedMirror]:
    # The open windows are few: their mirrors are left out here, not by a subquery.
    resting = set(MaintenanceWindow.objects.open_at(now).values_list("mirror_id", flat=True))
    rows = (
        MirrorURL.objects.filter(
            approved_q("mirror__"),
            mirror__status__in=[MirrorStatus.UP, MirrorStatus.DOWN],
        )
        .exclude(mirror__tier=MirrorTier.MASTER)
        .order_by("mirror_id", "-protocol", "pk")
        .values_list(
            "mirror_id", "pk", "url", "mirror__name", "mirror__contact_email", "mirror__status",
            "mirror__health_failures", "mirror__health_successes",
            "mirror__recheck_requested_at", "mirror__time_modified",
        )
    )  # fmt: skip
    mirrors: dict[int, ProbedMirror] = {}
    for pk, url_id, url, *values in rows.iterator(chunk_size=BATCH):
        if pk in resting:
            continue
        mirror = mirrors.get(pk)
        if mirror is None:
            mirror = mirrors[pk] = ProbedMirror(pk, *values)
        mirror.urls.append((url_id, url if url.endswith("/") else url + "/"))
    for mirror in mirrors.values():  # https, http, ftp, rsync: the order the sweeps ask in
        mirror.urls.sort(key=lambda u: PROTOCOL_ORDER.get(u[1].partition(":")[0].lower(), 9))
    return mirrors


def _round_stream(mirrors: list[ProbedMirror], master_url: str | None, *, early: bool):
    """Probe in an event loop in a worker thread (the database stays in the caller's); yield
    ("master", its result) when the round is done and, before that, ("changed", mirrors)
    batches of confirmed changes as they come, when `early` and the master answered."""
    done = object()
    handed: queue.SimpleQueue = queue.SimpleQueue()
    failure: list[BaseException] = []
    master_ok = threading.Event()

    def on_confirmed(mirror: ProbedMirror) -> None:
        if early and master_ok.is_set() and mirror.changing:
            handed.put(mirror)

    def probe() -> None:
        try:
            found = loop_run(
                _round_fetch(mirrors, master_url, on_confirmed=on_confirmed, master_ok=master_ok),
                fast_loop=settings.MIRROR_CHECK_UVLOOP,
            )
            handed.put(("master", found))
        except BaseException as exc:  # handed to the caller's thread
            failure.append(exc)
        finally:
            handed.put(done)

    thread = threading.Thread(target=probe, name="health-probes", daemon=True)
    thread.start()
    held = None
    while (item := held if held is not None else handed.get()) is not done:
        held = None
        if not isinstance(item, ProbedMirror):
            yield item
            continue
        batch = [item]
        while True:  # what else is ready: one recording for all of it
            try:
                more = handed.get_nowait()
            except queue.Empty:
                break
            if not isinstance(more, ProbedMirror):
                held = more  # (the master or the end: after this batch)
                break
            batch.append(more)
        yield "changed", batch
    thread.join()
    if failure:
        raise failure[0]


async def _round_fetch(
    mirrors: list[ProbedMirror], master_url: str | None, *,
    on_confirmed: Callable[[ProbedMirror], None] | None = None,
    master_ok: threading.Event | None = None,
) -> FetchResult | None:  # fmt: skip
    """HEAD the timestamp file on every URL (a fixed pool of workers, as the sweeps do, at
    most per_host at once per mirror) while the master's is read; the master's result. A
    mirror whose answer disagrees with its status is asked again a few seconds after the
    first probe started (at once when that one took longer), then `on_confirmed` is told."""
    client = SafeClient.from_settings(
        timeout=settings.MIRROR_HEALTH_TIMEOUT,
        connect_timeout=min(settings.MIRROR_HEALTH_CONNECT_TIMEOUT, settings.MIRROR_HEALTH_TIMEOUT),
        total=settings.MIRROR_HEALTH_CONCURRENCY,
    )
    confirm = max(0.0, settings.MIRROR_HEALTH_CONFIRM_SECONDS)
    concurrency = max(1, settings.MIRROR_HEALTH_CONCURRENCY)
    slots = Slots(concurrency)
    path = settings.MASTER_TIMESTAMP_FILE
    pending = iter(mirrors)

    async def ask(mirror: ProbedMirror) -> list[tuple[int, FetchResult]]:
        per_host = Slots(client.per_host)
        async with client.session() as session:

            async def one(url_id: int, base: str, family: str | None) -> tuple[int, FetchResult]:
                async with per_host, slots:
                    found = await client.fetch(session, base + path, method="HEAD", family=family)
                    return url_id, found

            # Each address family of a dual-stack host apart, as the sweeps ask.
            asks = [
                (url_id, base, family)
                for url_id, base in mirror.urls
                for family in await session.families(base + path)
            ]
            if len(asks) == 1:  # most mirrors: no task to create
                return [await one(*asks[0])]
            return list(await asyncio.gather(*(one(*a) for a in asks)))

    async def confirmation(mirror: ProbedMirror, started: float) -> None:
        await asyncio.sleep(max(0.0, started + confirm - time.monotonic()))
        mirror.earlier, mirror.results = mirror.results, await ask(mirror)
        if on_confirmed is not None:
            on_confirmed(mirror)

    confirming: set[asyncio.Task] = set()

    async def worker() -> None:
        for mirror in pending:
            started = time.monotonic()
            mirror.results = await ask(mirror)
            if confirm and mirror.disputed:  # its own task: the wait holds no worker
                confirming.add(asyncio.ensure_future(confirmation(mirror, started)))

    async def master() -> FetchResult | None:
        if master_url is None:
            return None
        # The master is configured by the admins, not given by strangers: no address filter.
        master_client = SafeClient.from_settings(
            policy=TargetPolicy.from_networks(["0.0.0.0/0", "::/0"]),
            timeout=settings.MIRROR_HEALTH_TIMEOUT,
        )
        async with master_client.session() as session:
            found = await master_client.fetch(session, master_url)
        if master_ok is not None and found.ok:
            try:
                timestamp_parse(found.body or b"")
            except ValueError:
                pass
            else:
                master_ok.set()
        return found

    workers = (worker() for _ in range(min(concurrency, max(1, len(mirrors)))))
    found, *_ = await asyncio.gather(master(), *workers)
    if confirming:
        await asyncio.gather(*confirming)
    return found


def _master_watch(*, timestamp: int, now: dt.datetime) -> bool:
    """Refresh the master at once when its timestamp file changed since the last round (or,
    with no round remembered, since the last sweep); True if it changed. The cache may be
    down: then each round compares with the last sweep."""
    try:
        known = cache.get(MASTER_TIME_KEY)
    except Exception as exc:  # noqa: BLE001
        logger.warning("cache unavailable for the master watch: %s", exc)
        known = None
    if known is None:
        known = (
            Sweep.objects.filter(state=SweepState.FINISHED, master_timestamp__isnull=False)
            .order_by("-finished_at")
            .values_list("master_timestamp", flat=True)
            .first()
        )
    changed = known != timestamp
    ok = True
    if changed:
        refreshed = master_refresh(now=now)
        ok = refreshed.ok
        problems = "; ".join(refreshed.problems[:3])
        logger.info("Health round: the master's time went from %s to %s; refreshed (%s)",
                    known, timestamp, "ok" if ok else problems)  # fmt: skip
    if ok:  # a failed refresh is tried again next round
        try:
            cache.set(MASTER_TIME_KEY, timestamp, timeout=7 * 86400)
        except Exception as exc:  # noqa: BLE001
            logger.warning("cache unavailable for the master watch: %s", exc)
    return changed
