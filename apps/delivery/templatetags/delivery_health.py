"""{% snapshot_freshness %}: a notice on the status page when the snapshot the lists are
served from is older than two sweep intervals (the sweeps, or their worker, have stopped).
It reads the process's loaded snapshot; only a process that has none asks the database."""

import time

from django import template
from django.conf import settings

register = template.Library()


def _built_at() -> float | None:
    from apps.delivery import runtime
    from apps.delivery.models import Snapshot

    loaded = runtime.store().snapshot
    if loaded is not None:
        return loaded.built_at
    newest = Snapshot.objects.order_by("-version").values_list("built_at", flat=True).first()
    return newest.timestamp() if newest is not None else None


@register.inclusion_tag("delivery/includes/snapshot_freshness.html")
def snapshot_freshness() -> dict:
    limit = 2 * settings.MIRROR_CHECK_INTERVAL_MINUTES * 60
    built_at = _built_at()
    age = time.time() - built_at if built_at is not None else None
    return {
        "stale": age is None or age > limit,
        "never": age is None,
        "age_minutes": round(age / 60) if age is not None else None,
        "limit_minutes": round(limit / 60),
    }
