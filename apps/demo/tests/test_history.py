"""The demo's check history: believable, deterministic, idempotent."""

import pytest

from apps.demo.history import demo_history_write
from apps.mirrors.choices import ContentState, ImageState, MirrorStatus, SweepState
from apps.mirrors.models import (
    Check,
    CheckDaily,
    Mirror,
    MirrorImageState,
    MirrorRepositoryState,
    Sweep,
)

pytestmark = pytest.mark.django_db


def snapshot():
    return {
        "mirrors": sorted(Mirror.objects.values_list(
            "name", "status", "status_since", "consecutive_failures", "last_success_at")),
        "repos": sorted(MirrorRepositoryState.objects.values_list(
            "mirror__name", "release__version", "repository__name", "architecture__name",
            "state", "sha256", "lag_seconds", "checked_at")),
        "images": sorted(MirrorImageState.objects.values_list(
            "mirror__name", "image__name", "state")),
        "checks": sorted(Check.objects.values_list(
            "mirror__name", "url", "kind", "checked_at", "http_status", "latency_ms", "error")),
        "sweeps": sorted(Sweep.objects.values_list("started_at", "mirrors_failed", "checks_count")),
        "days": sorted(CheckDaily.objects.values_list("mirror__name", "day", "checks", "failures")),
    }  # fmt: skip


def test_the_demo_history_looks_alive_and_is_written_the_same_twice(demo):
    first = snapshot()  # demo_load calls demo_history_write at its end

    mirrors = Mirror.objects.approved()
    up, down = (
        mirrors.filter(status=MirrorStatus.UP).count(),
        mirrors.filter(status=MirrorStatus.DOWN).count(),
    )
    assert up > 0.85 * mirrors.count() and 3 <= down <= 0.1 * mirrors.count()
    behind = MirrorRepositoryState.objects.filter(state=ContentState.BEHIND)
    assert behind.values("mirror").distinct().count() >= 5
    assert all(3600 <= lag <= 3 * 86400 for lag in behind.values_list("lag_seconds", flat=True))
    missing = MirrorImageState.objects.filter(state=ImageState.MISSING)
    assert 2 <= missing.values("mirror").distinct().count() <= 15
    latest = Sweep.objects.latest()
    assert latest.state == SweepState.FINISHED and latest.started_at == demo.now
    assert (
        Check.objects.filter(sweep=latest).count()
        > Check.objects.filter(sweep__isnull=False).count() / 24
    )
    assert CheckDaily.objects.exists()

    demo_history_write(now=demo.now)
    assert snapshot() == first
