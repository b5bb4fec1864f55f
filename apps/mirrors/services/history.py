"""The history of the checks: raw rows for MIRROR_CHECK_RETENTION_DAYS, then one
CheckDaily row per mirror and day."""

from __future__ import annotations

import datetime as dt
import logging
import math
from collections import defaultdict

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from ..models import (
    Check,
    CheckDaily,
)
from .master import BATCH

logger = logging.getLogger(__name__)


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
