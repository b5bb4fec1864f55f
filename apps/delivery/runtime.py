"""The process's delivery state, shared by the lean front and the Django views: one
snapshot store (with its poller), one GeoIP locator, one usage counter, the front's request
tallies and the /metrics registry."""

from __future__ import annotations

import threading

from django.conf import settings

from .client import ClientLocator
from .health import HealthState
from .store import SnapshotStore
from .tallies import FrontTallies
from .usage import UsageCounter

_lock = threading.Lock()
_state: dict = {}


def usage() -> UsageCounter:
    with _lock:
        if "usage" not in _state:
            from .services import usage_record

            _state["usage"] = UsageCounter(
                settings.DELIVERY_USAGE_FLUSH_SECONDS, writer=usage_record
            )
        return _state["usage"]


def tallies() -> FrontTallies | None:
    """The front's request tallies, None when METRICS_ENABLED is off."""
    with _lock:
        if "tallies" not in _state:
            _state["tallies"] = FrontTallies() if settings.METRICS_ENABLED else None
        return _state["tallies"]


def health() -> HealthState:
    """What /healthz reports besides the snapshot, refreshed by the poller's tick."""
    with _lock:
        return _state.setdefault("health", HealthState())


def store() -> SnapshotStore:
    from .health_probe import refresh_if_due
    from .services import usage_flush_if_due

    counter, requests, found = usage(), tallies(), health()
    folder = settings.METRICS_DIR

    def tick() -> None:
        usage_flush_if_due(counter)
        refresh_if_due(found)
        if requests is not None and folder:  # the other workers' scrapes add these
            requests.dump(folder)

    with _lock:
        if "store" not in _state:
            _state["store"] = SnapshotStore(
                poll_seconds=settings.DELIVERY_POLL_SECONDS,
                cache_path=settings.DELIVERY_SNAPSHOT_CACHE,
                redis_url=settings.DELIVERY_REDIS_URL,
                snapshot_options=snapshot_options(),
                on_tick=tick,
            )
        return _state["store"]


def metrics() -> tuple[bytes, str]:
    """/metrics: delivery's figures from this process (and the other workers' files), then
    every app's sources (apps.core.metrics)."""
    from apps.core.metrics import SourcesCollector, exposition, registry_build

    from .front_metrics import DeliveryCollector

    served = store()
    with _lock:
        if "registry" not in _state:
            _state["registry"] = registry_build(
                DeliveryCollector(served, _state.get("tallies"), settings.METRICS_DIR),
                SourcesCollector(cache_seconds=settings.METRICS_CACHE_SECONDS),
            )
        registry = _state["registry"]
    return exposition(registry)


def snapshot_options() -> dict:
    return {"nearby_km": settings.DELIVERY_NEARBY_KM, "groups": settings.DELIVERY_COUNTRY_GROUPS}


def locator() -> ClientLocator:
    with _lock:
        if "locator" not in _state:
            _state["locator"] = ClientLocator(
                trusted_proxies=settings.TRUSTED_PROXIES,
                geoip_path=settings.GEOIP_PATH,
                asn_path=settings.GEOIP_ASN_PATH,
                city_path=settings.GEOIP_CITY_PATH,
                ip_override_networks=settings.DELIVERY_IP_OVERRIDE_NETWORKS,
            )
        return _state["locator"]


def front_build(app):
    """The front as portal/wsgi.py mounts it, sharing the process's store with Django views."""
    from apps.core.metrics import MetricsReaders

    from .front import DeliveryFront
    from .replies import hsts_configure

    hsts_configure(
        settings.SECURE_HSTS_SECONDS,
        subdomains=settings.SECURE_HSTS_INCLUDE_SUBDOMAINS,
        preload=settings.SECURE_HSTS_PRELOAD,
    )

    return DeliveryFront(
        app,
        store=store(),
        locator=locator(),
        usage=usage(),
        mirrorlist_count=settings.DELIVERY_MIRRORLIST_COUNT,
        metalink_count=settings.DELIVERY_METALINK_COUNT,
        link_count=settings.DELIVERY_LINK_HEADERS,
        mirrorlist_grace=settings.DELIVERY_MIRRORLIST_GRACE,
        grace_hours=settings.DELIVERY_GRACE_SECONDS / 3600,
        tallies=tallies(),
        metrics=metrics if settings.METRICS_ENABLED else None,
        metrics_readers=MetricsReaders(settings.METRICS_ALLOWED_NETWORKS),
        health=health(),
        health_stale_after=2 * settings.MIRROR_CHECK_INTERVAL_MINUTES * 60,
    )


def reset() -> None:
    """Forget the process's state (tests, after changing settings)."""
    with _lock:
        old = _state.pop("store", None)
        _state.clear()
    if old is not None:
        old.stop()
