"""Reads of the capacity page: the answers counted per release and day, the traffic they
came with, and the listed mirrors' capacity, turned by apps.delivery.forecast into the
demand of the next release day per country and continent, and the shortfall."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.conf import settings
from django.db.models import Sum
from django_countries import countries as country_table

from apps.core.geo import continent_of
from apps.mirrors.choices import Continent, MirrorTier
from apps.mirrors.models import Mirror, MirrorTraffic
from apps.mirrors.quota import month_bytes_out, quota_headroom_mbps
from apps.servers.models import ServerTraffic

from .. import forecast
from ..models import DailyUsage


def _major(release: str) -> int | None:
    head = release.split(".", 1)[0]
    return int(head) if head.isdigit() else None


def _bytes_per_answer(answers_per_day: dict[dt.date, int]) -> float:
    """Bytes the servers and mirrors sent per answer counted, over the days that have
    both; CAPACITY_BYTES_PER_ANSWER without any such day."""
    traffic: dict[dt.date, int] = defaultdict(int)
    days = list(answers_per_day)
    for model in (ServerTraffic, MirrorTraffic):
        rows = model.objects.filter(day__in=days).values_list("day").annotate(Sum("bytes_out"))
        for day, total in rows.order_by():
            traffic[day] += total or 0
    both = [day for day in days if traffic.get(day) and answers_per_day[day]]
    answers = sum(answers_per_day[day] for day in both)
    if not answers:
        return float(settings.CAPACITY_BYTES_PER_ANSWER)
    return sum(traffic[day] for day in both) / answers


def _capacity(today: dt.date) -> tuple[dict[str, float], dict[str, int]]:
    """Mbit/s the listed public mirrors of each country can give on one day (bandwidth,
    capped by what is left of a quota), and how many there are. Only mirrors up count."""
    rows = list(
        Mirror.objects.serving().public().exclude(tier=MirrorTier.MASTER)
        .values_list("id", "country", "bandwidth_mbps", "transfer_quota_gb")
    )  # fmt: skip
    sent = month_bytes_out(mirror_ids=[r[0] for r in rows if r[3]], today=today)
    capacity: dict[str, float] = defaultdict(float)
    count: dict[str, int] = defaultdict(int)
    for mirror_id, country, bandwidth, quota_gb in rows:
        capacity[country] += quota_headroom_mbps(
            bandwidth_mbps=bandwidth, quota_gb=quota_gb, sent_bytes=sent.get(mirror_id, 0)
        )
        count[country] += 1
    return dict(capacity), dict(count)


def capacity_forecast(*, today: dt.date) -> dict:
    """Everything the capacity page shows, in a fixed handful of queries."""
    per_release_day = (
        DailyUsage.objects.values_list("release", "day").annotate(Sum("count")).order_by()
    )
    by_major: dict[tuple[int, dt.date], int] = defaultdict(int)
    per_day: dict[dt.date, int] = defaultdict(int)
    releases_of: dict[int, set[str]] = defaultdict(set)
    for release, day, count in per_release_day:
        per_day[day] += count
        major = _major(release)
        if major is not None:
            by_major[major, day] += count
            releases_of[major].add(release)
    weeks = forecast.busiest_weeks(by_major)
    fit = forecast.growth_fit([(major, total) for major, (_, total) in weeks.items()])
    result: dict = {"weeks": weeks, "fit": fit, "countries": [], "continents": []}
    if not weeks:
        return result
    latest = max(weeks)
    monday, _ = weeks[latest]
    latest_daily = {day: n for (major, day), n in by_major.items() if major == latest}
    next_major = latest + 1
    week_answers = fit.predict(next_major) if fit else weeks[latest][1]
    day_share = forecast.peak_day_share(latest_daily, monday)
    bytes_per_answer = _bytes_per_answer(per_day)
    demand_mbps = forecast.mbps_of_bytes_per_day(week_answers * day_share * bytes_per_answer)
    where = (
        DailyUsage.objects.filter(day__gte=monday, day__lt=monday + dt.timedelta(days=7),
                                  release__in=sorted(releases_of[latest]))
        .values_list("country").annotate(Sum("count")).order_by()
    )  # fmt: skip
    share = forecast.shares(dict(where))
    capacity, mirrors = _capacity(today)
    names = {code: str(name) for code, name in country_table}
    countries = forecast.places(demand_mbps=demand_mbps, share=share, capacity=capacity,
                                mirrors=mirrors, names=names)  # fmt: skip
    continents = forecast.by_continent(countries, continent_of, dict(Continent.choices))
    result.update(
        latest=latest, next_major=next_major, week_answers=week_answers, day_share=day_share,
        release_day_answers=week_answers * day_share, bytes_per_answer=bytes_per_answer,
        demand_mbps=demand_mbps, countries=countries, continents=continents,
        capacity_mbps=sum(capacity.values()),
        shortfall_mbps=sum(p.shortfall_mbps for p in countries),
    )  # fmt: skip
    return result


def shortfall_chart(rows: list[forecast.Place], limit: int = 12) -> list[dict]:
    """The places most short of capacity as bars scaled to the largest shortfall."""
    short = [row for row in rows if row.shortfall_mbps > 0][:limit]
    peak = max((row.shortfall_mbps for row in short), default=0) or 1
    # At most three quarters of the row: the figure beside the longest bar fits a phone.
    return [{"place": row, "share": round(75 * row.shortfall_mbps / peak)} for row in short]
