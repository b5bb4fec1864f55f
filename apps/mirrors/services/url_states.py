"""The state of each mirror URL over each address family (MirrorURLState): what the sweeps'
timestamp probes and the health loop's HEADs found, with the hysteresis of a mirror's
status. The rows of a dual-stack host decide which clients the mirror is listed to (the
delivery snapshot reads them); the others only tell the mirror's page."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.db import connection

from apps.core.http import FetchResult

from ..checks.engine import MirrorOutcome
from ..choices import CheckKind, MirrorStatus
from ..models import MirrorURLState
from .master import BATCH
from .rows import rows_insert  # the same multi-row upsert as the checks


@dataclass(slots=True)
class URLResult:
    """One probe of a URL's timestamp file over one family ("" when the name failed)."""

    url_id: int
    family: str
    ok: bool
    error: str
    detail: str
    dual: bool
    timestamp: int | None = None
    behind: bool | None = None  # None: unknown (a HEAD), the row keeps what it had


def outcome_url_results(outcome: MirrorOutcome) -> list[URLResult]:
    """The timestamp probes of a sweep's outcome; a side whose timestamp file is older than
    the newest the mirror served anywhere is behind."""
    probes = [p for p in outcome.probes if p.target.kind == CheckKind.TIMESTAMP]
    families: dict[int, set[str]] = defaultdict(set)
    for probe in probes:
        families[probe.url_id].add(probe.result.family)
    newest = max((p.timestamp or 0 for p in probes if p.result.ok), default=0)
    return [
        URLResult(
            url_id=p.url_id, family=p.result.family, ok=p.result.ok, error=p.result.error or "",
            detail=p.result.detail[:200], dual=len(families[p.url_id] - {""}) > 1,
            timestamp=p.timestamp,
            behind=(p.timestamp or 0) < newest if p.result.ok else None,  # failed: as it was
        )
        for p in probes
    ]  # fmt: skip


def health_url_results(results: Iterable[tuple[int, FetchResult, bool]]) -> list[URLResult]:
    """The health loop's HEADs: (url id, result, whether it counts as answered)."""
    results = list(results)
    families: dict[int, set[str]] = defaultdict(set)
    for url_id, result, _answered in results:
        families[url_id].add(result.family)
    return [
        URLResult(url_id=url_id, family=result.family, ok=answered,
                  error="" if answered else result.error or "", detail=result.detail[:200],
                  dual=len(families[url_id] - {""}) > 1)
        for url_id, result, answered in results
    ]  # fmt: skip


STATE_COLUMNS = [
    "mirror_url", "family", "dual", "status", "status_since", "consecutive_failures",
    "consecutive_successes", "timestamp", "behind", "error", "detail", "checked_at",
]  # fmt: skip


def url_states_record(
    *, results: Sequence[URLResult], now: dt.datetime, health: bool = False
) -> tuple[set[int], set[int]]:
    """Apply the results to the URLs' rows (created as needed), in bulk; return the URL ids
    whose dual-stack listing changed (a side now down or behind, or serving again) and, for
    the health loop, those with a side down that answered enough rounds to be re-checked.

    A sweep's results are the whole truth about a URL's families: the rows of families it no
    longer has are deleted. The health loop never brings a side back up: like a mirror, it
    returns after a content check (a re-check), which also tells whether it is current.
    """
    down_after = settings.MIRROR_HEALTH_DOWN_AFTER if health else settings.MIRROR_CHECK_DOWN_AFTER
    up_after = settings.MIRROR_HEALTH_UP_AFTER if health else settings.MIRROR_CHECK_UP_AFTER
    url_ids = sorted({r.url_id for r in results})
    known: dict[tuple[int, str], list] = {}
    for start in range(0, len(url_ids), BATCH):
        for pk, url_id, family, *values in MirrorURLState.objects.filter(
            mirror_url_id__in=url_ids[start : start + BATCH]
        ).values_list("pk", *STATE_COLUMNS[:2], *STATE_COLUMNS[2:]):
            known[(url_id, family)] = [pk, *values]
    adapt = connection.ops.adapt_datetimefield_value
    rows, changed, back = [], set(), set()
    for r in results:
        before = known.get((r.url_id, r.family))
        dual, status, since, fails, wins, stamp, behind, *_rest = (
            before[1:] if before else (False, MirrorStatus.UNKNOWN, None, 0, 0, None, False)
        )
        out_before = dual and not (status == MirrorStatus.UP and not behind)
        fails, wins = (0, wins + 1) if r.ok else (fails + 1, 0)
        new_status = status
        first = status == MirrorStatus.UNKNOWN
        if r.ok and (first or (status == MirrorStatus.DOWN and wins >= up_after)):
            if health and status == MirrorStatus.DOWN:
                back.add(r.url_id)  # a re-check brings it back
            else:
                new_status = MirrorStatus.UP
        elif not r.ok and (first or (status == MirrorStatus.UP and fails >= down_after)):
            new_status = MirrorStatus.DOWN
        if new_status != status:
            since = now
        if r.behind is not None:
            behind = r.behind
        if r.ok and r.timestamp is not None:
            stamp = r.timestamp
        if out_before != (r.dual and not (new_status == MirrorStatus.UP and not behind)):
            changed.add(r.url_id)
        rows.append((r.url_id, r.family, r.dual, new_status, adapt(since) if since else None,
                     fails, wins, stamp, behind, r.error, r.detail, adapt(now)))  # fmt: skip
    rows_insert(
        MirrorURLState, STATE_COLUMNS, rows, unique=["mirror_url", "family"],
        update=STATE_COLUMNS[2:],
    )  # fmt: skip
    if not health:
        probed = {(r.url_id, r.family) for r in results}
        gone = [pk for key, (pk, *_v) in known.items() if key not in probed]
        for start in range(0, len(gone), BATCH):
            MirrorURLState.objects.filter(pk__in=gone[start : start + BATCH]).delete()
        changed |= {
            key[0]
            for key, (_pk, dual, status, _since, _f, _w, _t, behind, *_r) in known.items()
            if key not in probed and dual and (status != MirrorStatus.UP or behind)
        }
    return changed, back
