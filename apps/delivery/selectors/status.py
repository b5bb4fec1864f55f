"""The "status" part of a snapshot: every URL of the public mirrors with its last check, its
share of successful checks and its latency over the last day, and each mirror's worst lag.
Read once per build, in the build's transaction, with a fixed number of queries whatever
the number of mirrors; status_json.py renders it as archweb's mirror status JSON."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models import Avg, Count, F, FloatField, Max, OuterRef, Q, Subquery
from django.db.models.functions import Cast

from apps.mirrors.choices import MirrorTier
from apps.mirrors.models import Check, MirrorRepositoryState, MirrorURL, approved_q

CUTOFF_SECONDS = 24 * 3600  # the window of completion_pct and the durations


def _last_check(field: str) -> Subquery:
    checks = Check.objects.filter(mirror_url=OuterRef("pk"))
    return Subquery(checks.order_by("-checked_at", "-id").values(field)[:1])


def _deviation(mean: float | None, squares: float | None) -> float | None:
    if mean is None or squares is None:
        return None
    return max(0.0, squares - mean * mean) ** 0.5


def status_collect(*, now: dt.datetime) -> dict:
    """{"cutoff", "check_frequency", "last_check", "num_checks", "urls": [...],
    "lags": {mirror id: [max lag seconds, newest repomd timestamp]}}. Three queries: the URLs
    with their last check, the day's checks per URL, and the repository states per mirror."""
    since = now - dt.timedelta(seconds=CUTOFF_SECONDS)
    public = approved_q("mirror__") & Q(mirror__private=False) & ~Q(mirror__tier=MirrorTier.MASTER)
    urls = []
    for row in (
        MirrorURL.objects.filter(public)
        .annotate(
            last_at=_last_check("checked_at"),
            last_error=_last_check("error"),
            last_detail=_last_check("detail"),
        )
        .order_by("mirror__name", "protocol", "url")
        .values_list("id", "mirror_id", "mirror__name", "mirror__country", "mirror__tier",
                     "url", "protocol", "ipv4", "ipv6", "last_at", "last_error", "last_detail")
    ):  # fmt: skip
        url_id, mirror_id, name, cc, tier, url, protocol, ipv4, ipv6, at, error, detail = row
        urls.append(
            {
                "id": url_id,
                "mirror": mirror_id,
                "name": name,
                "cc": cc,
                "tier": tier,
                "url": url,
                "protocol": protocol,
                "ipv4": bool(ipv4),
                "ipv6": bool(ipv6),
                "last_check": at.timestamp() if at else None,
                "error": error or "",
                "detail": detail or "",
            }
        )
    # The deviation from the mean of the squares (SQLite's STDDEV fails on a group of NULLs).
    latency = Cast(F("latency_ms"), FloatField())
    day = {
        url_id: [total, ok, avg, _deviation(avg, squares)]
        for url_id, total, ok, avg, squares in Check.objects.filter(
            checked_at__gte=since, mirror_url__isnull=False
        )
        .values("mirror_url_id")
        .annotate(
            total=Count("id"),
            ok=Count("id", filter=Q(error="")),
            avg=Avg("latency_ms"),
            squares=Avg(latency * latency),
        )
        .order_by("mirror_url_id")
        .values_list("mirror_url_id", "total", "ok", "avg", "squares")
    }
    for entry in urls:
        entry["day"] = day.get(entry["id"])  # [checks, successful, latency avg, stddev] or None
    lags = {
        str(mirror_id): [lag, newest]
        for mirror_id, lag, newest in MirrorRepositoryState.objects.values("mirror_id")
        .annotate(lag=Max("lag_seconds"), newest=Max("timestamp"))
        .order_by("mirror_id")
        .values_list("mirror_id", "lag", "newest")
    }
    last = max((u["last_check"] for u in urls if u["last_check"] is not None), default=None)
    return {
        "cutoff": CUTOFF_SECONDS,
        "check_frequency": settings.MIRROR_CHECK_INTERVAL_MINUTES * 60,
        "last_check": last,
        "num_checks": sum(total for total, *_rest in day.values()),
        "urls": urls,
        "lags": lags,
    }
