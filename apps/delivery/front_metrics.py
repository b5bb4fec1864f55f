"""What /metrics says about delivery, from this process alone and without the database: the
front's requests and latencies (tallies.py), the loaded snapshot's version and age, and the
mirrors by state as the snapshot records them. A prometheus-client Collector, read at scrape
time; pure Python and prometheus-client, like the rest of the request path."""

from __future__ import annotations

import time
from collections import Counter
from typing import TYPE_CHECKING

from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
)
from prometheus_client.registry import Collector

from .tallies import BOUNDS, ENDPOINTS, FrontTallies, latency_of, requests_by_endpoint

if TYPE_CHECKING:
    from .snapshot import LoadedSnapshot
    from .store import SnapshotStore

# A mirror's content state is its worst repository's: the first of these it has.
CONTENT_ORDER = ("missing", "behind", "unknown")


class DeliveryCollector(Collector):
    """The front's tallies (this worker's, plus the other workers' files in `folder`) and
    the store's snapshot."""

    def __init__(self, store: SnapshotStore, tallies: FrontTallies | None, folder=None):
        self.store = store
        self.tallies = tallies
        self.folder = folder

    def collect(self):
        if self.tallies is not None:
            yield from self._requests()
        yield from snapshot_families(self.store.snapshot)

    def _requests(self):
        totals, processes = self.tallies.merged(self.folder)
        requests = CounterMetricFamily(
            "portal_delivery_requests",
            "Requests the delivery front answered, by endpoint and status class.",
            labels=["endpoint", "status"],
        )
        for (endpoint, status), n in requests_by_endpoint(totals).items():
            if n or status in ("2xx", "4xx"):  # the usual series always, the rest once seen
                requests.add_metric([endpoint, status], n)
        yield requests
        latency = HistogramMetricFamily(
            "portal_delivery_request_duration_seconds",
            "Time from the request to the answer (its first byte), by endpoint.",
            labels=["endpoint"],
        )
        for index, endpoint in enumerate(ENDPOINTS):
            counts, sum_ns = latency_of(totals, index)
            cumulative, running = [], 0
            for bound, n in zip((*(repr(b) for b in BOUNDS), "+Inf"), counts, strict=True):
                running += n
                cumulative.append((bound, running))
            latency.add_metric([endpoint], cumulative, sum_value=sum_ns / 1e9)
        yield latency
        yield GaugeMetricFamily(
            "portal_delivery_processes",
            "Worker processes whose counts this scrape adds up (this one and the files of "
            "the others).",
            value=processes,
        )


def snapshot_families(snapshot: LoadedSnapshot | None):
    loaded = GaugeMetricFamily(
        "portal_delivery_snapshot_loaded", "1 when this worker has a snapshot to serve from."
    )
    loaded.add_metric([], 1 if snapshot is not None else 0)
    yield loaded
    if snapshot is None:
        return
    yield GaugeMetricFamily(
        "portal_delivery_snapshot_version",
        "Version of the snapshot this worker serves from.",
        value=snapshot.version,
    )
    yield GaugeMetricFamily(
        "portal_delivery_snapshot_age_seconds",
        "Seconds since the served snapshot was built.",
        value=round(time.time() - snapshot.built_at, 3),
    )
    yield GaugeMetricFamily(
        "portal_delivery_snapshot_mirrors",
        "Mirrors the served snapshot can send clients to.",
        value=len(snapshot.mirrors),
    )
    by_state, content = mirror_states(snapshot)
    mirrors = GaugeMetricFamily(
        "portal_mirrors",
        "Mirrors (not the masters) by approval and up/down, as of the served snapshot.",
        labels=["approval", "status"],
    )
    for (approval, status), n in sorted(by_state.items()):
        mirrors.add_metric([approval, status], n)
    yield mirrors
    currency = GaugeMetricFamily(
        "portal_mirrors_content",
        "Approved mirrors by their worst repository: missing, behind, unknown (not "
        "checked yet) or current, as of the served snapshot.",
        labels=["state"],
    )
    for state in ("current", *CONTENT_ORDER):
        currency.add_metric([state], content.get(state, 0))
    yield currency


def mirror_states(snapshot: LoadedSnapshot) -> tuple[Counter, Counter]:
    """({(approval, status): mirrors}, {content state: approved mirrors}) from the
    snapshot's listing, counted once per snapshot."""
    cached = getattr(snapshot, "_metrics_states", None)
    if cached is not None:
        return cached
    by_state: Counter = Counter()
    content: Counter = Counter()
    for entry in snapshot.listing.values():
        approval = entry.get("approval", "approved")
        by_state[approval, entry.get("status", "up")] += 1
        if approval != "approved":
            continue
        states = {state for state, *_lag in entry.get("repos", {}).values()}
        content[next((s for s in CONTENT_ORDER if s in states), "current")] += 1
    snapshot._metrics_states = (by_state, content)  # type: ignore[attr-defined]
    return by_state, content
