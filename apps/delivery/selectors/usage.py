"""Reads of the usage statistics for other apps' pages, composed by the portal (a sponsor's
page shows the answers given to the countries its mirrors are in)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db.models import Sum
from django.utils import timezone

from ..choices import UsageKind
from ..models import DailyUsage


def usage_from_countries(
    *, countries: Iterable[str], days: int = 30, today: dt.date | None = None
) -> dict:
    """The answers (mirror lists, metalinks, ISO redirects, ...) given to clients in
    `countries` over the last `days` days, in total and by kind. The portal does not record
    which mirror a client then used: these are requests from those countries, not
    downloads from one mirror."""
    countries = sorted(set(countries))
    today = today or timezone.now().date()
    since = today - dt.timedelta(days=days - 1)
    if not countries:
        return {"total": 0, "kinds": [], "since": since, "until": today, "days": days}
    per_kind = dict(
        DailyUsage.objects.filter(day__gte=since, day__lte=today, country__in=countries)
        .values_list("kind")
        .annotate(total=Sum("count"))
        .order_by("kind")
    )
    labels = dict(UsageKind.choices)
    kinds = sorted(
        ({"key": k, "label": labels.get(k, k), "total": v} for k, v in per_kind.items() if v),
        key=lambda row: -row["total"],
    )
    return {
        "total": sum(row["total"] for row in kinds),
        "kinds": kinds,
        "since": since,
        "until": today,
        "days": days,
    }


def answers_on_version(
    *, version: str, peers: Iterable[str], since: dt.date, until: dt.date | None = None
) -> list[dict]:
    """Day by day from `since`, the answers (mirror lists, metalinks, ISO redirects, ...)
    that named `version`, out of those that named it or one of its `peers` (the other
    releases of its major): [{"day", "on", "total", "share" (0-100)}], days without any
    answer left out. The front counts answers by the version it resolved (5 → 5.1), so a
    client asking for "5" counts for the newest public release of 5. One query."""
    until = until or timezone.now().date()
    versions = {version, *peers}
    rows = (
        DailyUsage.objects.filter(day__gte=since, day__lte=until, release__in=sorted(versions))
        .values_list("day", "release")
        .annotate(total=Sum("count"))
        .order_by("day", "release")
    )
    days: dict[dt.date, list[int]] = {}
    for day, release, total in rows:
        counts = days.setdefault(day, [0, 0])
        counts[1] += total
        if release == version:
            counts[0] += total
    return [
        {"day": day, "on": on, "total": total, "share": round(100 * on / total)}
        for day, (on, total) in sorted(days.items())
        if total
    ]


def usage_totals(*, days: int = 30, today: dt.date | None = None) -> dict:
    """Per-day totals, and the top countries, releases and files, for the last `days` days."""
    today = today or timezone.now().date()
    since = today - dt.timedelta(days=days - 1)
    rows = DailyUsage.objects.filter(day__gte=since)
    per_day = dict(rows.values_list("day").annotate(total=Sum("count")).order_by("day"))
    per_kind = dict(rows.values_list("kind").annotate(total=Sum("count")).order_by("kind"))

    def top(field: str, limit: int = 15) -> list[dict]:
        q = rows.exclude(**{field: ""}).values(field).annotate(total=Sum("count"))
        return [{"key": r[field], "total": r["total"]} for r in q.order_by("-total", field)[:limit]]

    return {
        "since": since,
        "until": today,
        "days": [
            {"day": since + dt.timedelta(days=i), "total": per_day.get(since + dt.timedelta(i), 0)}
            for i in range(days)
        ],
        "kinds": [{"key": k, "total": v} for k, v in per_kind.items()],
        "countries": top("country"),
        "releases": top("release"),
        "files": top("file"),
        "repos": top("repo"),
    }


def images_without_torrent() -> list[int]:
    from apps.releases.models import Image

    return list(Image.objects.filter(torrent__isnull=True).values_list("id", flat=True))
