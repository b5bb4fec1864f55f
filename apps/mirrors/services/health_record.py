"""What a health round writes (apps.mirrors.services.health): the counters of every probed
mirror in bulk, the timestamp files' Last-Modified that changed, and the transitions (down,
back, a sync finished) under row locks."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Case, F, Value, When
from django.db.models.functions import Greatest

from apps.core.http import FetchError, FetchResult

from ..choices import CheckKind, MirrorStatus
from ..models import Check, Mirror
from . import queueing
from .master import BATCH
from .moderation import changes_publish
from .status import Notice, notices_send
from .url_states import health_url_results, url_states_record

BACK_REASON = "back after health failures"
SYNC_REASON = "its timestamp file changed (a sync finished)"
SIDE_BACK_REASON = "a side of its dual-stack host answers again"


@dataclass
class HealthReport:
    """What one health round did."""

    mirrors: int = 0  # probed
    requests: int = 0
    failed: int = 0  # mirrors none of whose URLs answered
    taken_down: list[str] = field(default_factory=list)  # mirror names
    rechecks_queued: list[str] = field(default_factory=list)  # back or synced
    synced: list[str] = field(default_factory=list)  # queued as their TIME changed
    master_timestamp: int | None = None
    master_changed: bool = False
    master_problem: str = ""
    isolated: bool = False  # the master and most mirrors failed: this side is cut off
    sides_changed: list[str] = field(default_factory=list)  # dual-stack mirrors, a side moved
    vantage_points: int = 0  # asked this round besides this place
    kept_by_vantage: list[str] = field(default_factory=list)  # failing here, reached elsewhere
    seconds: float = 0.0


@dataclass(slots=True)
class ProbedMirror:
    """What a round needs of one mirror, read in the one query of the round."""

    pk: int
    name: str
    contact_email: str
    status: str
    failures: int
    successes: int
    recheck_requested_at: dt.datetime | None
    time_modified: str  # the Last-Modified of its TIME at the last round, "" at first
    urls: list[tuple[int, str]] = field(default_factory=list)  # (MirrorURL id, base URL)
    results: list[tuple[int, FetchResult]] = field(default_factory=list)
    earlier: list[tuple[int, FetchResult]] | None = None  # the first probe, when confirmed

    @property
    def healthy(self) -> bool:
        """Some URL answered; rsync only counts for a mirror that has nothing else (it
        serves the mirrors below, not clients)."""
        return _healthy(self.results)

    @property
    def disputed(self) -> bool:
        """The probe's answer disagrees with the status: to be confirmed at once."""
        if self.status == MirrorStatus.UP:
            return not self.healthy
        return self.status == MirrorStatus.DOWN and self.healthy

    @property
    def agreed(self) -> bool:
        """Confirmed: the second probe said what the first one did (both count)."""
        return self.earlier is not None and _healthy(self.earlier) == self.healthy

    @property
    def changing(self) -> bool:
        """Confirmed and enough in a row to change the status (or queue the way back)."""
        if not self.agreed:
            return False
        if self.status == MirrorStatus.UP:
            return self.failures + 2 >= settings.MIRROR_HEALTH_DOWN_AFTER
        return self.successes + 2 >= settings.MIRROR_HEALTH_UP_AFTER

    @property
    def modified(self) -> str:
        """The Last-Modified of its first URL that answered ("" when it sent none)."""
        for _url_id, result in self.results:
            if answered(result):
                return result.last_modified
        return ""


def _healthy(results: list[tuple[int, FetchResult]]) -> bool:
    served = [r for _u, r in results if not r.url.lower().startswith("rsync:")]
    return any(answered(result) for result in served or [r for _u, r in results])


def answered(result: FetchResult) -> bool:
    """Any 2xx answer to the HEAD (the client calls all but 200 an HTTP status error)."""
    return result.ok or (
        result.error == FetchError.HTTP_STATUS and 200 <= (result.status or 0) < 300
    )


def _why(mirror: ProbedMirror) -> str:
    return "; ".join(
        f"{result.url}: {result.error} ({result.detail})"
        for _url_id, result in mirror.results
        if not answered(result)
    )[:200]


def outcomes_record(*, mirrors: dict[int, ProbedMirror], now: dt.datetime, report: HealthReport):
    """The counters in bulk (one UPDATE per batch of good mirrors, their changed TIME's
    Last-Modified in it, and per batch of failing ones), then the transitions under row
    locks, as a sweep may be writing the same rows.

    A good mirror whose TIME's Last-Modified changed since the last round (not the first
    one seen) finished a sync: a content check is queued, as for one back from failures
    and at most every MIRROR_RECHECK_MIN_SECONDS, so that it is listed as current for the
    new versions now rather than at the next sweep. A down mirror is left to the way
    back (queued once, then, whatever its TIME did).
    """
    down_after, up_after = settings.MIRROR_HEALTH_DOWN_AFTER, settings.MIRROR_HEALTH_UP_AFTER
    recheck_before = now - dt.timedelta(seconds=settings.MIRROR_RECHECK_MIN_SECONDS)
    good, bad, to_down, to_recheck, to_sync = [], [], [], [], []
    for mirror in mirrors.values():
        step = 2 if mirror.agreed else 1
        if mirror.healthy:
            mirror.successes, mirror.failures = mirror.successes + step, 0
            modified = mirror.modified
            changed = modified and modified != mirror.time_modified
            good.append((mirror.pk, modified if changed else None, step))
            may_recheck = (
                mirror.recheck_requested_at is None or mirror.recheck_requested_at <= recheck_before
            )
            if mirror.status == MirrorStatus.DOWN:
                if mirror.successes >= up_after and may_recheck:
                    to_recheck.append(mirror.pk)
            elif changed and mirror.time_modified and may_recheck:
                to_sync.append(mirror.pk)
        else:
            mirror.successes, mirror.failures = 0, mirror.failures + step
            bad.append((mirror.pk, _why(mirror), step))
            if mirror.status == MirrorStatus.UP and mirror.failures >= down_after:
                to_down.append(mirror.pk)

    if to_down and report.vantage_points:
        from .vantage import vantage_majority_keeps

        kept = vantage_majority_keeps(to_down, now=now)
        to_down = [pk for pk in to_down if pk not in kept]
        report.kept_by_vantage += [mirrors[pk].name for pk in kept]
    with transaction.atomic():
        _counters_record(good, bad, now=now)
        _sides_record(mirrors=mirrors, now=now, report=report, queued=to_recheck + to_sync,
                      may_before=recheck_before)  # fmt: skip
        if not to_down and not to_recheck and not to_sync:
            return
        locked = dict(
            Mirror.objects.select_for_update()
            .filter(pk__in=to_down + to_recheck + to_sync)
            .values_list("pk", "status")
        )
        down = [pk for pk in to_down if locked.get(pk) == MirrorStatus.UP]
        back = [pk for pk in to_recheck if locked.get(pk) == MirrorStatus.DOWN]
        synced = [pk for pk in to_sync if locked.get(pk) == MirrorStatus.UP]
        _transitions_record(
            mirrors=mirrors, down=down, back=back, synced=synced, now=now, report=report
        )


def _sides_record(
    *, mirrors: dict[int, ProbedMirror], now: dt.datetime, report: HealthReport,
    queued: list[int], may_before: dt.datetime,
) -> None:  # fmt: skip
    """The sides of dual-stack hosts (only those: the lists depend on them): a side that
    failed enough rounds takes the mirror out for that family's clients now; one that
    answers again has its mirror re-checked, which brings it back if it is current."""
    of_url = {url_id: m for m in mirrors.values() for url_id, _r in m.results}
    results = [
        r
        for r in health_url_results(
            (url_id, result, answered(result))
            for m in mirrors.values()
            for url_id, result in m.results
        )
        if r.dual
    ]
    if not results:
        return
    changed, back = url_states_record(results=results, now=now, health=True)
    if changed:
        names = sorted({of_url[url_id].name for url_id in changed})
        report.sides_changed = names
        changes_publish(f"health: a side of {len(names)} dual-stack mirrors changed")
    again = [
        m.pk
        for m in {of_url[url_id].pk: of_url[url_id] for url_id in back}.values()
        if m.status == MirrorStatus.UP
        and m.pk not in queued
        and (m.recheck_requested_at is None or m.recheck_requested_at <= may_before)
    ]
    if again:
        Mirror.objects.filter(pk__in=again).update(recheck_requested_at=now)
        report.rechecks_queued += [mirrors[pk].name for pk in again]
        queueing.recheck_queue(again, reason=SIDE_BACK_REASON)


def _counters_record(
    good: list[tuple[int, str | None, int]], bad: list[tuple[int, str, int]], *, now: dt.datetime
) -> None:
    """`step` more successes for each good mirror (with its TIME's new Last-Modified, or
    None when unchanged), `step` more failures for each failing one (with its own error):
    one UPDATE per step and kind, in batches."""
    ops, meta = connection.ops, Mirror._meta

    def column(name: str) -> str:
        return ops.quote_name(meta.get_field(name).column)

    table, checked = ops.quote_name(meta.db_table), column("health_checked_at")
    failures, successes = column("health_failures"), column("health_successes")
    at = ops.adapt_datetimefield_value(now)
    # Identifiers come from the model and are quoted; every value is a parameter.
    for step in sorted({row[2] for row in good}):
        _case_update(
            f"UPDATE {table} SET {successes} = {successes} + %s, {failures} = 0, "  # noqa: S608
            f"{column('health_error')} = %s, {checked} = %s",
            [step, "", at], column("time_modified"), [r[:2] for r in good if r[2] == step],
        )  # fmt: skip
    for step in sorted({row[2] for row in bad}):
        _case_update(
            f"UPDATE {table} SET {failures} = {failures} + %s, {successes} = 0, "  # noqa: S608
            f"{checked} = %s",
            [step, at], column("health_error"), [r[:2] for r in bad if r[2] == step],
        )  # fmt: skip


def _case_update(head: str, params: list, case: str, rows: list[tuple[int, str | None]]) -> None:
    """`head` for every row's mirror, and `case` set to each row's value (None: left as
    it is): an UPDATE with a CASE per batch, written by hand as bulk_update's expressions
    cost more than the database's work (a network outage fails thousands of mirrors at
    once, the first round learns every mirror's Last-Modified)."""
    if not rows:
        return
    pk = connection.ops.quote_name(Mirror._meta.pk.column)
    limit = connection.features.max_query_params
    size = min(BATCH, (limit - len(params)) // 3) if limit else BATCH
    with connection.cursor() as cursor:
        for start in range(0, len(rows), size):
            batch = rows[start : start + size]
            values = [row for row in batch if row[1] is not None]
            sql = head
            if values:
                sql += f", {case} = CASE {pk} " + "WHEN %s THEN %s " * len(values)
                sql += f"ELSE {case} END"
            cursor.execute(
                sql + f" WHERE {pk} IN (" + ", ".join(["%s"] * len(batch)) + ")",
                [*params, *(value for row in values for value in row), *(r[0] for r in batch)],
            )


def _transitions_record(
    *, mirrors: dict[int, ProbedMirror], down: list[int], back: list[int], synced: list[int],
    now: dt.datetime, report: HealthReport,
) -> None:  # fmt: skip
    """Down: status, an email, the failing probes as checks, the lists after commit. Back: a
    content check queued after commit, with the good probes as checks. Synced: a content
    check queued after commit."""
    checks = [
        Check(mirror_id=pk, mirror_url_id=url_id, url=result.url[:1000], kind=CheckKind.HEALTH,
              checked_at=dt.datetime.fromtimestamp(result.started, tz=dt.UTC),
              http_status=result.status, latency_ms=result.latency_ms, bytes=result.nbytes,
              error=result.error or "", detail=result.detail[:200])
        for pk in down + back
        for url_id, result in mirrors[pk].results
        if pk in back or not answered(result)
    ]  # fmt: skip
    Check.objects.bulk_create(checks, batch_size=BATCH // 4)
    for start in range(0, len(down), BATCH):
        Mirror.objects.filter(pk__in=down[start : start + BATCH]).update(
            status=MirrorStatus.DOWN, status_since=now, consecutive_successes=0
        )
    # One good content check then brings one back up: the health probes were the earlier
    # ones. The synced are up already: only the time of their re-check is written.
    counted = F("consecutive_successes")
    earlier = Greatest(counted, Value(max(0, settings.MIRROR_CHECK_UP_AFTER - 1)))
    rechecked, returning = back + synced, set(back)
    for start in range(0, len(rechecked), BATCH):
        batch = rechecked[start : start + BATCH]
        ours = [pk for pk in batch if pk in returning]
        successes = (
            counted if not ours
            else earlier if len(ours) == len(batch)
            else Case(When(pk__in=ours, then=earlier), default=counted)
        )  # fmt: skip
        Mirror.objects.filter(pk__in=batch).update(
            recheck_requested_at=now, consecutive_successes=successes
        )
    taken_down = [mirrors[pk].name for pk in down]
    synced_names = [mirrors[pk].name for pk in synced]
    report.taken_down += taken_down
    report.synced += synced_names
    report.rechecks_queued += [mirrors[pk].name for pk in back] + synced_names
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
        changes_publish(f"health: {len(down)} mirrors down ({', '.join(taken_down[:5])})")
    if back or synced:
        if back:
            queueing.recheck_queue(back, reason=BACK_REASON)
        if synced:
            queueing.recheck_queue(synced, reason=SYNC_REASON)
