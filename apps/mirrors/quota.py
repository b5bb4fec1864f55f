"""Monthly transfer quotas: how much of its quota a mirror has sent this month (from the
traffic its people report) and the weight that leaves it in the draw. Full weight until the
last MIRROR_QUOTA_NEAR_SHARE of the quota, then less in proportion to what is left; none
(out of the lists) once it is spent, until the month turns (UTC)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models import Sum
from django.utils import timezone

GB = 10**9


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def month_key(day: dt.date) -> str:
    return f"{day:%Y-%m}"


def quota_weight(
    *, bandwidth_mbps: int, quota_gb: int | None, sent_bytes: int, near_share: float
) -> int | None:
    """The draw weight of a mirror: its bandwidth, scaled down over the last `near_share`
    of its quota, at least 1 while anything is left; None once the quota is spent."""
    weight = max(1, bandwidth_mbps or 1)
    if not quota_gb:
        return weight
    quota = quota_gb * GB
    left = quota - sent_bytes
    if left <= 0:
        return None
    near = near_share * quota
    if near <= 0 or left >= near:
        return weight
    return max(1, round(weight * left / near))


def quota_headroom_mbps(*, bandwidth_mbps: int, quota_gb: int | None, sent_bytes: int) -> float:
    """What the mirror can give on one day at most: its bandwidth, or less if what is left
    of its quota, sent over the day, is less (Mbit/s)."""
    bandwidth = float(bandwidth_mbps or 0)
    if not quota_gb:
        return bandwidth
    left = max(0, quota_gb * GB - sent_bytes)
    return min(bandwidth, left * 8 / 86400 / 1e6)


def month_bytes_out(*, mirror_ids=None, today: dt.date | None = None) -> dict[int, int]:
    """Bytes each mirror (with a quota) reported sending this month, by mirror id; one
    query."""
    from .models import MirrorTraffic

    today = today or timezone.now().date()
    rows = MirrorTraffic.objects.filter(
        day__gte=month_start(today), day__lte=today, mirror__transfer_quota_gb__isnull=False
    )
    if mirror_ids is not None:
        rows = rows.filter(mirror_id__in=mirror_ids)
    return dict(rows.values_list("mirror_id").annotate(Sum("bytes_out")).order_by())


def draw_weights(rows, *, today: dt.date | None = None) -> dict[int, int | None]:
    """The draw weight of each (id, bandwidth_mbps, quota_gb) row: None for a mirror over
    its quota this month. One query, for the mirrors that have a quota."""
    sent = month_bytes_out(mirror_ids=[r[0] for r in rows if r[2]], today=today)
    return {
        mirror_id: quota_weight(
            bandwidth_mbps=bandwidth,
            quota_gb=quota_gb,
            sent_bytes=sent.get(mirror_id, 0),
            near_share=settings.MIRROR_QUOTA_NEAR_SHARE,
        )  # fmt: skip
        for mirror_id, bandwidth, quota_gb in rows
    }
