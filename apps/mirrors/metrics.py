"""The mirrors' figures on /metrics: the last sweep and the health loop's last round (the
mirrors by state come from the delivery snapshot: apps.delivery.front_metrics)."""

from __future__ import annotations

from prometheus_client.core import GaugeMetricFamily

from apps.core.metrics import metrics_source

from .selectors.metrics import health_round_last, sweep_last_finished


@metrics_source("mirrors.sweep")
def sweep_figures():
    sweep = sweep_last_finished()
    if sweep is None:
        return
    yield GaugeMetricFamily(
        "portal_sweep_last_duration_seconds",
        "How long the last finished sweep took, from its start to its last chunk.",
        value=(sweep.finished_at - sweep.started_at).total_seconds(),
    )
    yield GaugeMetricFamily(
        "portal_sweep_last_finished_timestamp_seconds",
        "When the last finished sweep ended (Unix time).",
        value=sweep.finished_at.timestamp(),
    )
    mirrors = GaugeMetricFamily(
        "portal_sweep_last_mirrors",
        "Mirrors the last finished sweep checked, and of them those it could not reach.",
        labels=["result"],
    )
    mirrors.add_metric(["checked"], sweep.mirrors_checked)
    mirrors.add_metric(["unreachable"], sweep.mirrors_failed)
    yield mirrors
    yield GaugeMetricFamily(
        "portal_sweep_last_checks", "Checks the last finished sweep recorded.",
        value=sweep.checks_count,
    )  # fmt: skip


@metrics_source("mirrors.health")
def health_figures():
    last = health_round_last()
    if not last:
        return
    yield GaugeMetricFamily(
        "portal_health_round_last_duration_seconds",
        "How long the health loop's last round took.",
        value=last["seconds"],
    )
    yield GaugeMetricFamily(
        "portal_health_round_last_finished_timestamp_seconds",
        "When the health loop's last round ended (Unix time).",
        value=last["finished"],
    )
    mirrors = GaugeMetricFamily(
        "portal_health_round_last_mirrors",
        "Mirrors the last health round probed, and of them those none of whose URLs answered.",
        labels=["result"],
    )
    mirrors.add_metric(["probed"], last["mirrors"])
    mirrors.add_metric(["failed"], last["failed"])
    yield mirrors
