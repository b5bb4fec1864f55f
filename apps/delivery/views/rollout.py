"""The release-day view (/mirrors/rollout/<version>/): the share of the mirrors holding a
release over time (the mirrors app's samples) and the share of the answers naming it, day
by day (delivery's usage counts). It is delivery's view because mirrors never imports
delivery; it keeps its place among the mirrors' URLs (portal/urls.py)."""

from __future__ import annotations

import datetime as dt

from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from apps.mirrors.selectors.staging import rollout_chart, staging_progress
from apps.releases.models import Release

from ..selectors import answers_on_version

# The days drawn: from the day before the first sample (or the opening) on.
ANSWER_DAYS = 60
WIDTH, HEIGHT, LEFT, BOTTOM, TOP, RIGHT = 640, 200, 40, 30, 10, 10


def answers_chart(days: list[dict]) -> dict:
    """The daily shares as one SVG polyline, with a dot per day (one day: a dot alone)."""
    if not days:
        return {"days": []}
    first, span = days[0]["day"], max((days[-1]["day"] - days[0]["day"]).days, 1)

    def x(day: dt.date) -> float:
        return round(LEFT + (WIDTH - LEFT - RIGHT) * (day - first).days / span, 1)

    def y(pct: int) -> float:
        return round(TOP + (HEIGHT - TOP - BOTTOM) * (1 - pct / 100), 1)

    points = [{**d, "x": x(d["day"]), "y": y(d["share"])} for d in days]
    return {
        "days": points,
        "points": " ".join(f"{p['x']},{p['y']}" for p in points),
        "width": WIDTH,
        "height": HEIGHT,
        "grid": [{"y": y(p), "label": f"{p} %"} for p in (0, 25, 50, 75, 100)],
        "last": days[-1]["share"],
    }


def release_rollout(request, version: str):
    """The share of the mirrors holding a release over time, by continent, with the
    master's; and the share of the answers naming it among those naming its major."""
    release = get_object_or_404(Release, version=version)
    chart = rollout_chart(release)
    today = timezone.now().date()
    started = [d.date() for d in (chart["samples"][0].at if chart["samples"] else None,
                                  chart["opened"]) if d]  # fmt: skip
    since = min(started, default=today) - dt.timedelta(days=1)
    peers = Release.objects.filter(major=release.major).exclude(pk=release.pk)
    answers = answers_on_version(
        version=release.version, peers=peers.values_list("version", flat=True),
        since=since, until=min(today, since + dt.timedelta(days=ANSWER_DAYS - 1)),
    )  # fmt: skip
    context = {
        "release": release,
        "chart": chart,
        "progress": staging_progress(release),
        "answers": answers_chart(answers),
    }
    return render(request, "mirrors/rollout.html", context)
