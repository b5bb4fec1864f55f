"""The process's delivery state, shared by the lean front and the Django views: one
snapshot store (with its poller), one GeoIP locator, one usage counter."""

from __future__ import annotations

import threading

from django.conf import settings

from .client import ClientLocator
from .store import SnapshotStore
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


def store() -> SnapshotStore:
    counter = usage()
    with _lock:
        if "store" not in _state:
            from .services import usage_flush_if_due

            _state["store"] = SnapshotStore(
                poll_seconds=settings.DELIVERY_POLL_SECONDS,
                cache_path=settings.DELIVERY_SNAPSHOT_CACHE,
                redis_url=settings.DELIVERY_REDIS_URL,
                snapshot_options=snapshot_options(),
                on_tick=lambda: usage_flush_if_due(counter),
            )
        return _state["store"]


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
            )
        return _state["locator"]


def front_build(app):
    """The front as portal/wsgi.py mounts it, sharing the process's store with Django views."""
    from .front import DeliveryFront

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
    )


def reset() -> None:
    """Forget the process's state (tests, after changing settings)."""
    with _lock:
        old = _state.pop("store", None)
        _state.clear()
    if old is not None:
        old.stop()
