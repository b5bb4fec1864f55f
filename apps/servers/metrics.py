"""The servers' figures on /metrics: each server's health and status, and counts by health.

Service states (the per-service checks of a server) join here as one more source, e.g.:

    @metrics_source("servers.services")
    def service_states():
        family = GaugeMetricFamily(
            "portal_service_state", "1 for each service's current state.",
            labels=["server", "service", "state"],
        )
        for hostname, service, state in service_state_rows():  # a selector
            family.add_metric([hostname, service, state], 1)
        yield family
"""

from __future__ import annotations

from collections import Counter

from prometheus_client.core import GaugeMetricFamily

from apps.core.metrics import metrics_source

from .choices import ServerHealth
from .selectors import server_states


@metrics_source("servers.health")
def server_health():
    rows = server_states()
    per_server = GaugeMetricFamily(
        "portal_server_health",
        "1 for each server in service and its health (ok, warning, critical, unknown).",
        labels=["server", "health"],
    )
    status = GaugeMetricFamily(
        "portal_server_status",
        "1 for each server in service and its status (active, maintenance, offline).",
        labels=["server", "status"],
    )
    for hostname, state, health in rows:
        per_server.add_metric([hostname, health], 1)
        status.add_metric([hostname, state], 1)
    yield per_server
    yield status
    counts = Counter(health for _h, _s, health in rows)
    by_health = GaugeMetricFamily(
        "portal_servers", "Servers in service by health.", labels=["health"]
    )
    for health in ServerHealth.values:
        by_health.add_metric([health], counts.get(health, 0))
    yield by_health
