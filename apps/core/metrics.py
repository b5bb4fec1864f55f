"""The portal's /metrics: the sources any app adds with one function, and who may read them.

An app adds figures by writing, in its own `metrics.py` (found like admin.py is):

    @metrics_source("servers.health")
    def server_conditions():
        family = GaugeMetricFamily("portal_servers", "...", labels=["health"])
        ...
        yield family

A source may read the database: it runs at most once per METRICS_CACHE_SECONDS (scrapes in
between get its last figures), and a failing one (the database is down) costs only its own
figures, with `portal_metrics_source_up{source=...} 0`, never the scrape.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4
from prometheus_client.registry import Collector

from .client_ip import TrustedProxies

log = logging.getLogger(__name__)

Source = Callable[[], Iterable[Metric]]
_sources: dict[str, Source] = {}
_discovered = False


def metrics_source(name: str) -> Callable[[Source], Source]:
    """Register a function that yields metric families (prometheus_client.core's) under
    `name` ("<app>.<what>"); registering a name again replaces the function."""

    def register(func: Source) -> Source:
        _sources[name] = func
        return func

    return register


def sources_discover() -> dict[str, Source]:
    """Import every installed app's `metrics` module once; the registered sources."""
    global _discovered
    if not _discovered:
        from django.utils.module_loading import autodiscover_modules

        autodiscover_modules("metrics")
        _discovered = True
    return dict(_sources)


class SourcesCollector(Collector):
    """Every registered source, each cached for `cache_seconds`."""

    def __init__(self, *, cache_seconds: float = 15.0):
        self.cache_seconds = cache_seconds
        self._cache: dict[str, tuple[float, list[Metric], bool]] = {}
        self._lock = threading.Lock()  # two scrapes at once query the database once

    def collect(self):
        with self._lock:
            now = time.monotonic()
            ran = False
            up = GaugeMetricFamily(
                "portal_metrics_source_up",
                "1 when the source's figures are fresh, 0 when it failed (database down).",
                labels=["source"],
            )
            for name, func in sorted(sources_discover().items()):
                cached = self._cache.get(name)
                if cached is None or now - cached[0] >= self.cache_seconds:
                    ran = True
                    try:
                        cached = (now, list(func()), True)
                    except Exception as exc:  # noqa: BLE001  (one source must not fail a scrape)
                        log.warning("metrics source %s failed: %s", name, exc)
                        cached = (now, [], False)
                    self._cache[name] = cached
                up.add_metric([name], 1 if cached[2] else 0)
                yield from cached[1]
            yield up
            if ran:
                _close_database_connection()


def registry_build(*collectors: Collector) -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=False)
    for collector in collectors:
        registry.register(collector)
    return registry


def exposition(registry: CollectorRegistry) -> tuple[bytes, str]:
    """(the registry in the Prometheus text format 0.0.4, its content type)."""
    return generate_latest(registry), CONTENT_TYPE_PLAIN_0_0_4


class MetricsReaders:
    """METRICS_ALLOWED_NETWORKS: `address in readers` says whether a client may scrape."""

    def __init__(self, networks: Iterable[str]):
        self._networks = TrustedProxies(networks)

    def __contains__(self, address: str) -> bool:
        return address in self._networks


def _close_database_connection() -> None:
    """A scrape answered outside Django's request cycle: close what the sources opened, so
    a server thread holds no connection (nor a broken one) until the next scrape."""
    from django.db import connection

    if not connection.in_atomic_block:  # never a caller's transaction (a test's)
        connection.close()
