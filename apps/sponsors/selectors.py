"""Reads of the sponsors app: what each sponsor gives, for its promotion page."""

import datetime as dt

from django.db.models import Count, Q, Sum
from django.utils import timezone

from apps.servers.models import ServerTraffic

from .models import Sponsor


def sponsor_list(*, active_only: bool = True):
    qs = Sponsor.objects.all()
    if active_only:
        qs = qs.active()
    return qs.annotate(
        server_count=Count("servers", distinct=True),
        mirror_count=Count("mirrors", distinct=True),
    )


def sponsor_contribution(sponsor: Sponsor, *, days: int = 30) -> dict:
    """The servers and mirrors a sponsor gives, the bandwidth they add up to, and the
    traffic its servers carried day by day."""
    servers = sponsor.servers.in_service().prefetch_related("roles").order_by("hostname")
    mirrors = sponsor.mirrors.active().order_by("name")
    server_bandwidth = sponsor.servers.in_service().aggregate(total=Sum("bandwidth_mbps"))
    # A mirror on a donated server uses that server's uplink: count it once.
    mirror_totals = sponsor.mirrors.active().aggregate(
        own_bandwidth=Sum("bandwidth_mbps", filter=Q(server__isnull=True)),
        up=Count("id", filter=Q(status="up")),
    )
    since = timezone.now().date() - dt.timedelta(days=days)
    traffic = list(
        ServerTraffic.objects.filter(server__sponsor=sponsor, day__gt=since)
        .values("day")
        .annotate(bytes_out=Sum("bytes_out"))
        .order_by("day")
    )
    peak = max((row["bytes_out"] for row in traffic), default=0) or 1
    for row in traffic:
        row["share"] = round(100 * row["bytes_out"] / peak)
    return {
        "servers": servers,
        "mirrors": mirrors,
        "bandwidth_mbps": (server_bandwidth["total"] or 0) + (mirror_totals["own_bandwidth"] or 0),
        "mirrors_up": mirror_totals["up"] or 0,
        "traffic": traffic,
        "traffic_days": days,
        "traffic_total": sum(row["bytes_out"] for row in traffic),
    }


def sponsor_active_count() -> int:
    return Sponsor.objects.active().count()
