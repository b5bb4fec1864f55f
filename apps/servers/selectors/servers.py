"""Reads of the servers app."""

import datetime as dt

from django.db.models import Prefetch, Sum
from django.utils import timezone

from ..models import Server, ServerTraffic


def server_list(*, traffic_days: int = 30, retired: bool = False):
    """Servers in service (`retired`: all of them) with their total traffic and, for the
    sparkline, the last days'."""
    since = timezone.now().date() - dt.timedelta(days=traffic_days)
    recent = ServerTraffic.objects.filter(day__gt=since).order_by("day")
    servers = Server.objects.all() if retired else Server.objects.in_service()
    return (
        servers.select_related("sponsor")
        .prefetch_related("roles", Prefetch("traffic", queryset=recent, to_attr="recent_traffic"))
        .annotate(bytes_out_total=Sum("traffic__bytes_out"))
        .order_by("hostname")  # Meta.ordering does not apply to an aggregating query
    )


def traffic_sparkline(server: Server) -> list[dict]:
    """The server's recent days as bars scaled to its busiest day."""
    days = getattr(server, "recent_traffic", [])
    peak = max((t.bytes_out for t in days), default=0) or 1
    return [
        {"day": t.day, "bytes_out": t.bytes_out, "share": round(100 * t.bytes_out / peak)}
        for t in days
    ]


def server_in_service_count() -> int:
    return Server.objects.in_service().count()


def server_states() -> list[tuple[str, str, str]]:
    """(hostname, status, condition) of every server in service, by hostname (/metrics)."""
    return list(
        Server.objects.in_service()
        .order_by("hostname")
        .values_list("hostname", "status", "condition")
    )


def service_states() -> list[tuple[str, str, str, str]]:
    """(hostname, service, state, soft/hard) of every enabled service check of the servers
    in service (/metrics)."""
    from ..models import ServerService

    return list(
        ServerService.objects.filter(enabled=True, server__in=Server.objects.in_service())
        .order_by("server__hostname", "name")
        .values_list("server__hostname", "name", "state", "state_type")
    )
