"""Reads of the servers' condition: the services as nagios' status view lists them, their counts
by state, and one server's services and history (the strip of results over time)."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from django.db.models import Case, Count, Value, When
from django.utils import timezone

from ..choices import ServerCondition
from ..models import Server, ServerService, ServiceCheckResult

STATE_ORDER = [
    ServerCondition.CRITICAL,
    ServerCondition.WARNING,
    ServerCondition.UNKNOWN,
    ServerCondition.OK,
]
STATE_LABELS = {**dict(ServerCondition.choices), "pending": "Pending"}


def service_list():
    """Enabled services of the servers in service, with their server."""
    services = ServerService.objects.filter(
        enabled=True, server__in=Server.objects.in_service()
    ).select_related("server")
    return services.order_by("server__hostname", "name")


def services_worst_first(services):
    """Problems first, as nagios' problem views put them: critical, warning, unknown, then
    ok; by server and service within a state."""
    severity = Case(
        *(When(state=state, then=Value(rank)) for rank, state in enumerate(STATE_ORDER)),
        default=Value(len(STATE_ORDER)),
    )
    return services.order_by(severity, "server__hostname", "name")


def service_state_counts(services) -> dict[str, int]:
    """How many of these services are in each state (every state named, 0 or not)."""
    found = Counter(
        dict(
            services.order_by()
            .values_list("state")
            .annotate(n=Count("pk"))
            .values_list("state", "n")
        )
    )
    return {state: found.get(state, 0) for state in STATE_ORDER}


def service_history(*, server: Server, hours: int = 24, now: dt.datetime | None = None):
    """The server's services, each with its results of the last `hours` as a strip: one
    segment per result, placed by time (share of the window from the left, in %)."""
    now = now or timezone.now()
    since = now - dt.timedelta(hours=hours)
    services = list(ServerService.objects.filter(server=server).order_by("name"))
    results = ServiceCheckResult.objects.filter(service__server=server, checked_at__gte=since)
    by_service: dict[int, list] = {s.pk: [] for s in services}
    for row in results.order_by("checked_at", "pk").only(
        "service_id", "checked_at", "state", "state_type", "attempt", "output"
    ):
        by_service[row.service_id].append(row)
    window = (now - since).total_seconds()
    for service in services:
        rows = by_service[service.pk]
        strip = []
        for index, row in enumerate(rows):
            end = rows[index + 1].checked_at if index + 1 < len(rows) else now
            left = (row.checked_at - since).total_seconds() / window * 100
            width = max((end - row.checked_at).total_seconds() / window * 100, 0.3)
            strip.append({"result": row, "left": round(left, 2), "width": round(width, 2)})
        service.strip = strip
    return services


def server_results(*, server: Server, limit: int = 50):
    """The server's most recent results, newest first, with their service."""
    return (
        ServiceCheckResult.objects.filter(service__server=server)
        .select_related("service")
        .order_by("-checked_at", "-pk")[:limit]
    )


def services_by_server(services) -> list[dict]:
    """The services grouped by server, servers by host name: each group with its worst state
    (nagios' host summary) and how many services are in each state, for a folded line."""
    groups: dict[str, dict] = {}
    for service in services:
        group = groups.setdefault(
            service.server.hostname, {"server": service.server, "services": [], "states": {}}
        )
        group["services"].append(service)
        state = "pending" if service.pending else service.state
        group["states"][state] = group["states"].get(state, 0) + 1
    order = [*STATE_ORDER, "pending"]
    for group in groups.values():
        found = group["states"]
        group["worst"] = min(found, key=order.index)
        group["worst_label"] = STATE_LABELS[group["worst"]]
        group["states"] = [
            (s, STATE_LABELS[s] if s == "ok" else STATE_LABELS[s].lower(), found[s])
            for s in order
            if s in found
        ]
    return [groups[hostname] for hostname in sorted(groups)]
