"""Reads for /metrics (apps.mirrors.metrics): the last finished sweep and the health loop's
last round."""

from __future__ import annotations

from django.core.cache import cache

from ..choices import SweepState
from ..models import Sweep

# The health loop's last round ({"seconds", "finished", "mirrors", "failed", "isolated"}),
# written by services.health in the cache every process shares (CACHE_URL).
LAST_ROUND_KEY = "mirrors:health:last-round"


def sweep_last_finished() -> Sweep | None:
    return (
        Sweep.objects.filter(state=SweepState.FINISHED, finished_at__isnull=False)
        .order_by("-finished_at")
        .only("started_at", "finished_at", "mirrors_checked", "mirrors_failed", "checks_count")
        .first()
    )


def health_round_last() -> dict | None:
    return cache.get(LAST_ROUND_KEY)
