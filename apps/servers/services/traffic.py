"""Writes of bandwidth: a counter reading (polled over SNMP or pushed) turned into a
period of traffic by apps.core.traffic.counters, a pushed period total, and the daily
totals (ServerTraffic) both add to; pruning old samples and periods. The rules the mirrors
share are apps.core.traffic's. Every write to TrafficSample, TrafficPeriod and
ServerTraffic goes through here or traffic_import.py."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from apps.core.traffic.counters import Delta, Reading, counter_delta, split_by_day
from apps.core.traffic.services import (
    CLOCK_SKEW,
    Recorded,
    period_overlap_refuse,
    period_validate,
)
from apps.core.traffic.services import traffic_days_add as days_add

from ..choices import TrafficSource
from ..models import Server, ServerTraffic, TrafficPeriod, TrafficSample


def traffic_reading_record(
    *,
    server: Server,
    interface: str,
    at: dt.datetime,
    in_octets: int,
    out_octets: int,
    uptime_ticks: int | None,
    source: str = TrafficSource.SNMP,
    max_mbps: int | None = None,
) -> Recorded:
    """Keep one counter reading and count the bytes since the interface's previous one
    (see counters.counter_delta for wraps, reboots and what is discarded)."""
    reading = Reading(at=at, in_octets=in_octets, out_octets=out_octets, uptime_ticks=uptime_ticks)
    return traffic_readings_record(
        server=server, interface=interface, readings=[reading], source=source, max_mbps=max_mbps
    )[0]


@transaction.atomic
def traffic_readings_record(
    *,
    server: Server,
    interface: str,
    readings: list[Reading],
    source: str = TrafficSource.SNMP,
    max_mbps: int | None = None,
) -> list[Recorded]:
    """Keep a series of one interface's readings (a poll, or a backlog a server pushes)
    and count each delta; written in bulk, one transaction."""
    readings = sorted(readings, key=lambda r: r.at)
    now = timezone.now()
    for reading in readings:
        for name in ("in_octets", "out_octets"):
            if not 0 <= getattr(reading, name) < 2**64:
                raise ValidationError({name: "A 64-bit counter is between 0 and 2**64 - 1."})
        if reading.at > now + CLOCK_SKEW:
            raise ValidationError({"at": "The reading is in the future."})
    if len({r.at for r in readings}) < len(readings):
        raise ValidationError({"at": "Two readings have the same time."})
    Server.objects.select_for_update().filter(pk=server.pk).first()  # one writer at a time
    interface = interface[:64]
    last = (
        TrafficSample.objects.filter(
            server=server, interface=interface, taken_at__lte=readings[0].at
        )
        .order_by("-taken_at")
        .first()
    )
    if last is not None and last.taken_at == readings[0].at:
        raise ValidationError({"at": "This interface already has a reading at that time."})
    prev = None if last is None else last.reading()
    limit = max_mbps or server.bandwidth_mbps
    recorded, samples, periods = [], [], []
    days: dict[dt.date, tuple[int, int]] = {}
    for reading in readings:
        delta = counter_delta(prev, reading, max_mbps=limit)
        note = Recorded(None, delta).note[:200]
        samples.append(
            TrafficSample(
                server=server, interface=interface, taken_at=reading.at,
                in_octets=reading.in_octets, out_octets=reading.out_octets,
                uptime_ticks=reading.uptime_ticks, source=source, note=note,
            )
        )  # fmt: skip
        if delta is not None and delta.counted:
            periods.append(_period(server, delta, source, interface))
            for day, (b_in, b_out) in split_by_day(
                delta.start, delta.end, delta.bytes_in, delta.bytes_out
            ).items():
                old_in, old_out = days.get(day, (0, 0))
                days[day] = (old_in + b_in, old_out + b_out)
        recorded.append(delta)
        prev = reading
    samples = TrafficSample.objects.bulk_create(samples, batch_size=2000)
    TrafficPeriod.objects.bulk_create(periods, batch_size=2000)
    if days:
        traffic_days_add(server=server, days=days)
    return [Recorded(s, d) for s, d in zip(samples, recorded, strict=True)]


@transaction.atomic
def traffic_period_record(
    *,
    server: Server,
    start: dt.datetime,
    end: dt.datetime,
    bytes_out: int,
    bytes_in: int,
    source: str = TrafficSource.PUSH,
) -> Recorded:
    """Count a total a server pushed for [start, end). A period that overlaps one already
    counted for the server is refused (TrafficConflict): a push sent twice counts once."""
    period_validate(start=start, end=end, bytes_out=bytes_out, bytes_in=bytes_in)
    Server.objects.select_for_update().filter(pk=server.pk).first()
    period_overlap_refuse(server.traffic_periods.all(), owner=server, start=start, end=end)
    delta = Delta(start=start, end=end, bytes_in=bytes_in, bytes_out=bytes_out)
    _period_add(server=server, delta=delta, source=source, interface="")
    return Recorded(None, delta)


def _period(server: Server, delta: Delta, source: str, interface: str) -> TrafficPeriod:
    return TrafficPeriod(
        server=server,
        start=delta.start,
        end=delta.end,
        bytes_out=delta.bytes_out,
        bytes_in=delta.bytes_in,
        source=source,
        interface=interface[:64],
    )


def _period_add(*, server: Server, delta: Delta, source: str, interface: str) -> None:
    _period(server, delta, source, interface).save()
    traffic_days_add(
        server=server, days=split_by_day(delta.start, delta.end, delta.bytes_in, delta.bytes_out)
    )


def traffic_days_add(*, server: Server, days: dict[dt.date, tuple[int, int]]) -> None:
    """Add (bytes in, bytes out) to the server's daily totals; a day without one gets it."""
    days_add(ServerTraffic, days=days, server=server)


@transaction.atomic
def traffic_prune(*, now: dt.datetime | None = None, days: int | None = None) -> int:
    """Drop samples and periods older than TRAFFIC_SAMPLE_RETENTION_DAYS (the daily totals
    stay), but keep each interface's newest sample so the next reading has a delta."""
    days = settings.TRAFFIC_SAMPLE_RETENTION_DAYS if days is None else days
    cutoff = (now or timezone.now()) - dt.timedelta(days=days)
    old = TrafficSample.objects.filter(taken_at__lt=cutoff)
    keep = [
        TrafficSample.objects.filter(**row).order_by("-taken_at").values_list("pk", flat=True)[0]
        for row in old.values("server", "interface").distinct().order_by()
    ]
    removed, _ = old.exclude(pk__in=keep).delete()
    periods, _ = TrafficPeriod.objects.filter(end__lt=cutoff).delete()
    return removed + periods
