"""Reads of the sponsors app: what each sponsor gives, for its promotion page."""

from django.db.models import Count, Q, Sum

from .models import Sponsor


def sponsor_list(*, active_only: bool = True):
    qs = Sponsor.objects.all()
    if active_only:
        qs = qs.active()
    return qs.annotate(
        server_count=Count("servers", distinct=True),
        mirror_count=Count("mirrors", distinct=True),
    )


def sponsor_contribution(sponsor: Sponsor) -> dict:
    """The servers and mirrors a sponsor gives, and the bandwidth they add up to."""
    servers = sponsor.servers.in_service().prefetch_related("roles").order_by("hostname")
    mirrors = sponsor.mirrors.active().prefetch_related("urls").order_by("name")
    totals = sponsor.servers.in_service().aggregate(
        bandwidth=Sum("bandwidth_mbps"),
    )
    mirror_bandwidth = sponsor.mirrors.active().aggregate(
        bandwidth=Sum("bandwidth_mbps"), up=Count("id", filter=Q(status="up"))
    )
    return {
        "servers": servers,
        "mirrors": mirrors,
        "server_bandwidth_mbps": totals["bandwidth"] or 0,
        "mirror_bandwidth_mbps": mirror_bandwidth["bandwidth"] or 0,
        "mirrors_up": mirror_bandwidth["up"] or 0,
    }
