"""Traffic a mirror's people report (through the API): a period's totals, or interface
counters read by the servers' rules (apps.core.traffic: wraps, reboots, gaps and
impossible rates); both add to the mirror's daily totals, which its sponsor's page shows."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from apps.core.audit import records_by
from apps.core.traffic.counters import Delta, Reading, counter_delta, split_by_day
from apps.core.traffic.services import (
    CLOCK_SKEW,
    Recorded,
    period_overlap_refuse,
    period_validate,
    traffic_days_add,
)

from ..models import Mirror, MirrorCounter, MirrorTraffic, MirrorTrafficPeriod
from .quota import mirror_quota_check


@records_by
@transaction.atomic
def mirror_traffic_period_report(
    *, mirror: Mirror, start: dt.datetime, end: dt.datetime, bytes_out: int, bytes_in: int, by
) -> Recorded:
    """Count a period's totals; one that overlaps a period already counted is refused
    (TrafficConflict)."""
    period_validate(start=start, end=end, bytes_out=bytes_out, bytes_in=bytes_in)
    Mirror.objects.select_for_update().filter(pk=mirror.pk).first()
    period_overlap_refuse(mirror.traffic_periods.all(), owner=mirror, start=start, end=end)
    delta = Delta(start=start, end=end, bytes_in=bytes_in, bytes_out=bytes_out)
    _count(mirror=mirror, delta=delta, by=by)
    return Recorded(None, delta)


@records_by
@transaction.atomic
def mirror_traffic_counters_report(
    *, mirror: Mirror, interface: str, reading: Reading, by
) -> Recorded:
    """Keep the interface's reading and count the bytes since the previous one."""
    if reading.at > timezone.now() + CLOCK_SKEW:
        raise ValidationError({"at": "The reading is in the future."})
    Mirror.objects.select_for_update().filter(pk=mirror.pk).first()
    last = MirrorCounter.objects.filter(mirror=mirror, interface=interface).first()
    prev = None
    if last is not None:
        if reading.at <= last.taken_at:
            raise ValidationError({"at": "The reading is not later than the previous one."})
        prev = last.reading()
    delta = counter_delta(prev, reading, max_mbps=mirror.bandwidth_mbps or None)
    MirrorCounter.objects.update_or_create(
        mirror=mirror,
        interface=interface,
        defaults={
            "taken_at": reading.at,
            "in_octets": reading.in_octets,
            "out_octets": reading.out_octets,
            "uptime_ticks": reading.uptime_ticks,
        },
    )
    if delta is not None and delta.counted:
        _count(mirror=mirror, delta=delta, by=by)
    return Recorded(None, delta)


def _count(*, mirror: Mirror, delta: Delta, by) -> None:
    MirrorTrafficPeriod.objects.create(
        mirror=mirror,
        start=delta.start,
        end=delta.end,
        bytes_out=delta.bytes_out,
        bytes_in=delta.bytes_in,
        reported_by=by if getattr(by, "is_authenticated", False) else None,
    )
    days = split_by_day(delta.start, delta.end, delta.bytes_in, delta.bytes_out)
    traffic_days_add(MirrorTraffic, days=days, mirror=mirror)
    mirror_quota_check(mirror=mirror)
