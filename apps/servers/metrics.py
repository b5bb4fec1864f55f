"""The servers' figures on /metrics: each server's condition and status, and counts by
condition (published as `portal_server_health{health}` and `portal_servers{health}` from the
"servers.health" source: the names dashboards and alerts already use), and each service
check's state (nagios' services: ok, warning, critical, unknown; soft or hard) with counts
by state.
"""

from __future__ import annotations

from collections import Counter

from prometheus_client.core import GaugeMetricFamily

from apps.core.metrics import metrics_source

from .choices import ServerCondition
from .selectors import server_states, service_states


@metrics_source("servers.health")
def server_conditions():
    rows = server_states()
    per_server = GaugeMetricFamily(
        "portal_server_health",
        "1 for each server in service and its condition (ok, warning, critical, unknown).",
        labels=["server", "health"],
    )
    status = GaugeMetricFamily(
        "portal_server_status",
        "1 for each server in service and its status (active, maintenance, offline).",
        labels=["server", "status"],
    )
    for hostname, state, condition in rows:
        per_server.add_metric([hostname, condition], 1)
        status.add_metric([hostname, state], 1)
    yield per_server
    yield status
    counts = Counter(condition for _h, _s, condition in rows)
    by_condition = GaugeMetricFamily(
        "portal_servers", "Servers in service by condition.", labels=["health"]
    )
    for condition in ServerCondition.values:
        by_condition.add_metric([condition], counts.get(condition, 0))
    yield by_condition


@metrics_source("servers.services")
def service_checks():
    rows = service_states()
    per_service = GaugeMetricFamily(
        "portal_service_state",
        "1 for each service check of a server in service: its state and state type.",
        labels=["server", "service", "state", "state_type"],
    )
    for hostname, service, state, state_type in rows:
        per_service.add_metric([hostname, service, state, state_type], 1)
    yield per_service
    counts = Counter((state, state_type) for _h, _s, state, state_type in rows)
    by_state = GaugeMetricFamily(
        "portal_services",
        "Service checks by state and state type.",
        labels=["state", "state_type"],
    )
    for (state, state_type), count in sorted(counts.items()):
        by_state.add_metric([state, state_type], count)
    yield by_state
