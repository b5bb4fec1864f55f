"""The light health loop between the content sweeps: one HEAD of the timestamp file per
serving mirror URL, so that a dead mirror leaves the lists within minutes and one that
comes back is checked again at once; and a look at the master's timestamp file, so that a
push is seen within a round, not at the next sweep."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import F, Value
from django.db.models.functions import Greatest
from django.utils import timezone

from apps.core.http import FetchError, FetchResult, SafeClient, Slots, TargetPolicy

from ..checks.engine import loop_run
from ..checks.evaluate import timestamp_parse
from ..choices import Approval, CheckKind, MirrorStatus, MirrorTier, SweepState
from ..models import Check, MaintenanceWindow, Mirror, MirrorURL, Sweep
from ..selectors.masters import master_base_urls
from .master import BATCH, master_refresh
from .moderation import changes_publish
from .status import Notice, notices_send

logger = logging.getLogger(__name__)

MASTER_TIME_KEY = "mirrors:health:master-time"


@dataclass
class HealthReport:
    """What one health round did."""

    mirrors: int = 0  # probed
    requests: int = 0
    failed: int = 0  # mirrors none of whose URLs answered
    taken_down: list[str] = field(default_factory=list)  # mirror names
    rechecks_queued: list[str] = field(default_factory=list)
    master_timestamp: int | None = None
    master_changed: bool = False
    master_problem: str = ""
    isolated: bool = False  # the master and most mirrors failed: this side is cut off
    seconds: float = 0.0


@dataclass(slots=True)
class _Mirror:
    """What a round needs of one mirror, read in the one query of the round."""

    pk: int
    name: str
    contact_email: str
    status: str
    failures: int
    successes: int
    recheck_requested_at: dt.datetime | None
    urls: list[tuple[int, str]] = field(default_factory=list)  # (MirrorURL id, base URL)
    results: list[tuple[int, FetchResult]] = field(default_factory=list)

    @property
    def healthy(self) -> bool:
        return any(_answered(result) for _url_id, result in self.results)


def health_round(*, now: dt.datetime | None = None) -> HealthReport:
    """Probe every approved mirror that is up or down (not the masters, not those in an
    open maintenance window) and apply the health hysteresis.

    MIRROR_HEALTH_DOWN_AFTER failed rounds in a row take an up mirror down (its owner is
    told, the failing probes are kept as checks, the lists follow after commit);
    MIRROR_HEALTH_UP_AFTER good rounds in a row of a down mirror queue a content check
    (its tree may have been emptied meanwhile), which lists it again if it passes.
    Successful probes write no check rows: a few queries per round, whatever the count.
    """
    now = now or timezone.now()
    clock = time.perf_counter()
    report = HealthReport()
    mirrors = _mirrors_load(now=now)
    masters = master_base_urls()
    master_url = masters[0] + settings.MASTER_TIMESTAMP_FILE if masters else None
    master_result = loop_run(
        _round_fetch(list(mirrors.values()), master_url), fast_loop=settings.MIRROR_CHECK_UVLOOP
    )
    report.mirrors = len(mirrors)
    report.requests = sum(len(m.urls) for m in mirrors.values()) + (1 if master_url else 0)
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
    _outcomes_record(mirrors=mirrors, now=now, report=report)
    if report.master_timestamp is not None:
        report.master_changed = _master_watch(timestamp=report.master_timestamp, now=now)
    report.seconds = time.perf_counter() - clock
    logger.info(
        "Health round: %d mirrors, %d failed, %d taken down, %d re-checks queued%s in %.1f s",
        report.mirrors, report.failed, len(report.taken_down), len(report.rechecks_queued),
        ", the master changed" if report.master_changed else "", report.seconds,
    )  # fmt: skip
    return report


def _mirrors_load(*, now: dt.datetime) -> dict[int, _Mirror]:
    # The open windows are few: their mirrors are left out here, not by a subquery.
    resting = set(MaintenanceWindow.objects.open_at(now).values_list("mirror_id", flat=True))
    rows = (
        MirrorURL.objects.http()
        .filter(
            mirror__approval=Approval.APPROVED,
            mirror__status__in=[MirrorStatus.UP, MirrorStatus.DOWN],
        )
        .exclude(mirror__tier=MirrorTier.MASTER)
        .order_by("mirror_id", "-protocol", "pk")  # https first, as the sweeps ask
        .values_list(
            "mirror_id", "pk", "url", "mirror__name", "mirror__contact_email", "mirror__status",
            "mirror__health_failures", "mirror__health_successes",
            "mirror__recheck_requested_at",
        )
    )  # fmt: skip
    mirrors: dict[int, _Mirror] = {}
    for pk, url_id, url, *values in rows.iterator(chunk_size=BATCH):
        if pk in resting:
            continue
        mirror = mirrors.get(pk)
        if mirror is None:
            mirror = mirrors[pk] = _Mirror(pk, *values)
        mirror.urls.append((url_id, url if url.endswith("/") else url + "/"))
    return mirrors


async def _round_fetch(mirrors: list[_Mirror], master_url: str | None) -> FetchResult | None:
    """HEAD the timestamp file on every URL (a fixed pool of workers, as the sweeps do, at
    most per_host at once per mirror) while the master's is read; the master's result."""
    client = SafeClient.from_settings(
        timeout=settings.MIRROR_HEALTH_TIMEOUT,
        connect_timeout=min(settings.MIRROR_CHECK_CONNECT_TIMEOUT, settings.MIRROR_HEALTH_TIMEOUT),
        total=settings.MIRROR_HEALTH_CONCURRENCY,
    )
    concurrency = max(1, settings.MIRROR_HEALTH_CONCURRENCY)
    slots = Slots(concurrency)
    path = settings.MASTER_TIMESTAMP_FILE
    pending = iter(mirrors)

    async def probe(mirror: _Mirror) -> None:
        per_host = Slots(client.per_host)
        async with client.session() as session:

            async def one(url_id: int, base: str) -> tuple[int, FetchResult]:
                async with per_host, slots:
                    return url_id, await client.fetch(session, base + path, method="HEAD")

            if len(mirror.urls) == 1:  # most mirrors: no task to create
                mirror.results = [await one(*mirror.urls[0])]
            else:
                mirror.results = list(await asyncio.gather(*(one(*u) for u in mirror.urls)))

    async def worker() -> None:
        for mirror in pending:
            await probe(mirror)

    async def master() -> FetchResult | None:
        if master_url is None:
            return None
        # The master is configured by the admins, not given by strangers: no address filter.
        master_client = SafeClient.from_settings(
            policy=TargetPolicy.from_networks(["0.0.0.0/0", "::/0"]),
            timeout=settings.MIRROR_HEALTH_TIMEOUT,
        )
        async with master_client.session() as session:
            return await master_client.fetch(session, master_url)

    workers = (worker() for _ in range(min(concurrency, max(1, len(mirrors)))))
    found, *_ = await asyncio.gather(master(), *workers)
    return found


def _answered(result: FetchResult) -> bool:
    """Any 2xx answer to the HEAD (the client calls all but 200 an HTTP status error)."""
    return result.ok or (
        result.error == FetchError.HTTP_STATUS and 200 <= (result.status or 0) < 300
    )


def _why(mirror: _Mirror) -> str:
    return "; ".join(
        f"{result.url}: {result.error} ({result.detail})"
        for _url_id, result in mirror.results
        if not _answered(result)
    )[:200]


def _outcomes_record(*, mirrors: dict[int, _Mirror], now: dt.datetime, report: HealthReport):
    """The counters in bulk (one UPDATE per BATCH good mirrors, and per batch of failing
    ones), then the transitions under row locks, as a sweep may be writing the same rows."""
    down_after, up_after = settings.MIRROR_HEALTH_DOWN_AFTER, settings.MIRROR_HEALTH_UP_AFTER
    recheck_before = now - dt.timedelta(seconds=settings.MIRROR_RECHECK_MIN_SECONDS)
    good, bad, to_down, to_recheck = [], [], [], []
    for mirror in mirrors.values():
        if mirror.healthy:
            good.append(mirror.pk)
            mirror.successes, mirror.failures = mirror.successes + 1, 0
            if (
                mirror.status == MirrorStatus.DOWN
                and mirror.successes >= up_after
                and (mirror.recheck_requested_at is None
                     or mirror.recheck_requested_at <= recheck_before)
            ):  # fmt: skip
                to_recheck.append(mirror.pk)
        else:
            mirror.successes, mirror.failures = 0, mirror.failures + 1
            bad.append((mirror.pk, _why(mirror)))
            if mirror.status == MirrorStatus.UP and mirror.failures >= down_after:
                to_down.append(mirror.pk)

    with transaction.atomic():
        for start in range(0, len(good), BATCH):
            Mirror.objects.filter(pk__in=good[start : start + BATCH]).update(
                health_successes=F("health_successes") + 1,
                health_failures=0,
                health_error="",
                health_checked_at=now,
            )
        _failures_record(bad, now=now)
        if not to_down and not to_recheck:
            return
        locked = dict(
            Mirror.objects.select_for_update()
            .filter(pk__in=to_down + to_recheck)
            .values_list("pk", "status")
        )
        down = [pk for pk in to_down if locked.get(pk) == MirrorStatus.UP]
        back = [pk for pk in to_recheck if locked.get(pk) == MirrorStatus.DOWN]
        _transitions_record(mirrors=mirrors, down=down, back=back, now=now, report=report)


def _failures_record(rows: list[tuple[int, str]], *, now: dt.datetime) -> None:
    """One more failure for each mirror, each with its own error: an UPDATE with a CASE per
    batch, written by hand as bulk_update's expressions cost more than the database's work
    (a network outage fails thousands of mirrors at once)."""
    if not rows:
        return
    ops, meta = connection.ops, Mirror._meta

    def column(name: str) -> str:
        return ops.quote_name(meta.get_field(name).column)

    pk, error = ops.quote_name(meta.pk.column), column("health_error")
    failures, successes = column("health_failures"), column("health_successes")
    # Identifiers come from the model and are quoted; every value is a parameter.
    sql = (
        f"UPDATE {ops.quote_name(meta.db_table)} SET {failures} = {failures} + 1, "  # noqa: S608
        f"{successes} = 0, {column('health_checked_at')} = %s, {error} = CASE {pk} "
    )
    limit = connection.features.max_query_params
    size = min(BATCH, (limit - 1) // 3) if limit else BATCH
    checked = ops.adapt_datetimefield_value(now)
    with connection.cursor() as cursor:
        for start in range(0, len(rows), size):
            batch = rows[start : start + size]
            cursor.execute(
                sql + "WHEN %s THEN %s " * len(batch) + f"ELSE {error} END WHERE {pk} IN ("
                + ", ".join(["%s"] * len(batch)) + ")",
                [checked, *(value for row in batch for value in row), *(r[0] for r in batch)],
            )  # fmt: skip


def _transitions_record(
    *, mirrors: dict[int, _Mirror], down: list[int], back: list[int], now: dt.datetime,
    report: HealthReport,
) -> None:  # fmt: skip
    """Down: status, an email, the failing probes as checks, the lists after commit. Back: a
    content check queued after commit, with the good probes as checks."""
    checks = [
        Check(mirror_id=pk, mirror_url_id=url_id, url=result.url[:1000], kind=CheckKind.HEALTH,
              checked_at=dt.datetime.fromtimestamp(result.started, tz=dt.UTC),
              http_status=result.status, latency_ms=result.latency_ms, bytes=result.nbytes,
              error=result.error or "", detail=result.detail[:200])
        for pk in down + back
        for url_id, result in mirrors[pk].results
        if pk in back or not _answered(result)
    ]  # fmt: skip
    Check.objects.bulk_create(checks, batch_size=BATCH // 4)
    for start in range(0, len(down), BATCH):
        Mirror.objects.filter(pk__in=down[start : start + BATCH]).update(
            status=MirrorStatus.DOWN, status_since=now, consecutive_successes=0
        )
    # One good content check then brings it up: the health probes were the earlier ones.
    earlier = max(0, settings.MIRROR_CHECK_UP_AFTER - 1)
    for start in range(0, len(back), BATCH):
        Mirror.objects.filter(pk__in=back[start : start + BATCH]).update(
            recheck_requested_at=now,
            consecutive_successes=Greatest(F("consecutive_successes"), Value(earlier)),
        )
    report.taken_down = [mirrors[pk].name for pk in down]
    report.rechecks_queued = [mirrors[pk].name for pk in back]
    if down:
        # The email's count is of health probes: the sweeps' own count may still be 0.
        notices = [
            Notice(
                Mirror(pk=pk, name=mirrors[pk].name, contact_email=mirrors[pk].contact_email,
                       consecutive_failures=mirrors[pk].failures),
                "down", _why(mirrors[pk]),
            )
            for pk in down
        ]  # fmt: skip
        transaction.on_commit(lambda: notices_send(notices=notices))
        changes_publish(f"health: {len(down)} mirrors down ({', '.join(report.taken_down[:5])})")
    if back:
        from ..tasks import recheck_queue  # the tasks import the services

        recheck_queue(back, reason="back after health failures")


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
