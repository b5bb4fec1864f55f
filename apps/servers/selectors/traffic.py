"""Reads of bandwidth: daily and weekly totals (ISO weeks, Monday to Sunday) of one server,
a sponsor's servers or the whole infrastructure, the busiest week with the release it
followed ("4.4 week: 20.74 TB"), and the charts of the bandwidth pages."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, Sum
from django.db.models.functions import TruncWeek
from django.utils import timezone

from apps.core.charts import bar_chart, bytes_label
from apps.releases.models import Release

from ..models import Server, ServerTraffic, SnmpTarget

WEEK = dt.timedelta(days=7)


def monday_of(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def _days_of(*, servers: Q | None, first, last):
    """The daily rows of the servers `servers` selects (all by default), between two days."""
    qs = ServerTraffic.objects.all()
    if servers is not None:
        qs = qs.filter(servers)
    if first is not None:
        qs = qs.filter(day__gte=first)
    if last is not None:
        qs = qs.filter(day__lte=last)
    return qs


def traffic_daily(*, servers: Q | None = None, first=None, last=None) -> dict[dt.date, int]:
    """Bytes sent per day by the servers `servers` selects (all of them by default)."""
    qs = _days_of(servers=servers, first=first, last=last)
    return dict(qs.values_list("day").annotate(total=Sum("bytes_out")).order_by("day"))


def traffic_weekly(*, servers: Q | None = None, first=None, last=None) -> dict[dt.date, int]:
    """Bytes sent per ISO week (keyed by its Monday), summed in the database."""
    qs = _days_of(servers=servers, first=first, last=last)
    rows = qs.annotate(week=TruncWeek("day")).values_list("week").annotate(Sum("bytes_out"))
    return {_as_date(week): total for week, total in rows.order_by("week")}


def weeks_from_days(per_day: dict[dt.date, int]) -> dict[dt.date, int]:
    """Daily totals folded into ISO weeks (keyed by their Monday)."""
    weeks: dict[dt.date, int] = {}
    for day, total in per_day.items():
        weeks[monday_of(day)] = weeks.get(monday_of(day), 0) + total
    return dict(sorted(weeks.items()))


def _as_date(value) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


def release_of_week(monday: dt.date) -> Release | None:
    """The release published in that week, or the last one before it."""
    sunday = monday + dt.timedelta(days=6)
    return (
        Release.objects.filter(released_on__lte=sunday)
        .order_by("-released_on", "-major", "-minor")
        .first()
    )


def _week_label(monday: dt.date, release: Release | None, figure: str) -> str:
    """ "CentOS 4.4 release week: 20.74 TB" when a release came out that week (its name and
    what the week was), else the week's own dates."""
    on = getattr(release, "released_on", None)
    if release is not None and on is not None and monday <= on <= monday + dt.timedelta(days=6):
        return f"CentOS {release} release week: {figure}"
    return f"Week of {monday:%-d %b %Y}: {figure}"


def busiest_week(per_week: dict[dt.date, int]) -> dict | None:
    """The week that sent the most (the earliest of equals), with its release and label."""
    if not per_week or not max(per_week.values()):
        return None
    monday, total = max(per_week.items(), key=lambda item: (item[1], -item[0].toordinal()))
    release = release_of_week(monday)
    figure = bytes_label(total, digits=2)
    return {
        "monday": monday,
        "sunday": monday + dt.timedelta(days=6),
        "bytes_out": total,
        "release": release,
        "figure": figure,
        "label": _week_label(monday, release, figure),
    }


def weeks_window(*, year: int | None = None, today: dt.date | None = None) -> list[dt.date]:
    """The Mondays of ISO year `year`, or of the 52 weeks up to `today`'s."""
    if year is not None:
        weeks = dt.date(year, 12, 28).isocalendar().week
        return [dt.date.fromisocalendar(year, w, 1) for w in range(1, weeks + 1)]
    this_week = monday_of(today or timezone.now().date())
    return [this_week - WEEK * n for n in range(51, -1, -1)]


def weekly_chart(per_week: dict[dt.date, int], mondays: list[dt.date], busiest: dict | None):
    """Weekly bars over `mondays`, the busiest week marked with its release if shown."""
    mark = busiest["monday"] if busiest else None
    return bar_chart(
        [(monday, per_week.get(monday, 0)) for monday in mondays],
        label_every=13,
        date_format="M Y",
        mark=mark if mark in mondays else None,
        mark_label=busiest["label"] if busiest else "",
    )


def daily_chart(per_day: dict[dt.date, int], *, today: dt.date, days: int):
    first = today - dt.timedelta(days=days - 1)
    values = [
        (first + dt.timedelta(days=i), per_day.get(first + dt.timedelta(days=i), 0))
        for i in range(days)
    ]
    return bar_chart(values, label_every=7 if days <= 31 else 14)


def traffic_years() -> list[int]:
    """The years that have traffic, newest first (for the page's year links)."""
    return [d.year for d in ServerTraffic.objects.dates("day", "year", order="DESC")]


def sponsor_traffic_rows(*, today: dt.date) -> list[dict]:
    """Per sponsor: its servers' bytes sent in the last 7 and 30 days, in 365 days, and its
    busiest week ever (two queries, whatever the number of sponsors)."""
    year_ago = today - dt.timedelta(days=364)
    recent = (
        ServerTraffic.objects.filter(server__sponsor__isnull=False, day__gte=year_ago)
        .values("server__sponsor")
        .annotate(
            week=Sum("bytes_out", filter=Q(day__gt=today - WEEK)),
            month=Sum("bytes_out", filter=Q(day__gt=today - dt.timedelta(days=30))),
            year=Sum("bytes_out"),
        )
        .order_by()
    )
    weekly = (
        ServerTraffic.objects.filter(server__sponsor__isnull=False)
        .annotate(week_of=TruncWeek("day"))
        .values_list("server__sponsor", "week_of")
        .annotate(total=Sum("bytes_out"))
        .order_by()
    )
    weeks_by_sponsor: dict[int, dict[dt.date, int]] = {}
    for sponsor_id, week, total in weekly:
        weeks_by_sponsor.setdefault(sponsor_id, {})[_as_date(week)] = total
    sponsors = {
        s.pk: s
        for s in Server._meta.get_field("sponsor").related_model.objects.filter(
            pk__in=list(weeks_by_sponsor)
        )
    }
    totals = {row["server__sponsor"]: row for row in recent}
    releases = list(Release.objects.exclude(released_on=None).order_by("-released_on"))
    rows = []
    for sponsor_id, weeks in weeks_by_sponsor.items():
        monday, top = max(weeks.items(), key=lambda item: (item[1], -item[0].toordinal()))
        row = totals.get(sponsor_id, {})
        release = next((r for r in releases if r.released_on <= monday + dt.timedelta(6)), None)
        rows.append(
            {
                "sponsor": sponsors[sponsor_id],
                "week": bytes_label(row.get("week") or 0),
                "month": bytes_label(row.get("month") or 0),
                "year": bytes_label(row.get("year") or 0),
                "year_bytes": row.get("year") or 0,
                "busiest_monday": monday,
                "busiest": _week_label(monday, release, "")[:-1],  # "...: " then the figure
                "busiest_figure": bytes_label(top, digits=2),
            }
        )
    return sorted(rows, key=lambda r: (-r["year_bytes"], r["sponsor"].name))


def bandwidth_overview(*, year: int | None = None, days: int = 30, today=None) -> dict:
    """The bandwidth page: the infrastructure's weekly chart over a year (ISO `year`, or the
    52 weeks to this one) with the busiest week ever marked, the last `days` days, the
    sponsors' table and the years there is traffic for."""
    today = today or timezone.now().date()
    per_week = traffic_weekly()
    busiest = busiest_week(per_week)
    mondays = weeks_window(year=year, today=today)
    shown = {m: per_week.get(m, 0) for m in mondays}
    first = today - dt.timedelta(days=days - 1)
    per_day = traffic_daily(first=first, last=today)
    return {
        "year": year,
        "years": traffic_years(),
        "days": days,
        "busiest": busiest,
        "weekly_chart": weekly_chart(per_week, mondays, busiest),
        "weeks_total": bytes_label(sum(shown.values()), digits=2),
        "weeks_first": mondays[0],
        "weeks_last": mondays[-1] + dt.timedelta(days=6),
        "daily_chart": daily_chart(per_day, today=today, days=days),
        "days_total": bytes_label(sum(per_day.values()), digits=2),
        "sponsors": sponsor_traffic_rows(today=today),
    }


def server_bandwidth(server: Server, *, days: int = 30, today=None) -> dict:
    """A server's bandwidth section: its last `days` days, its 52 weeks, its busiest week
    and when it was last read over SNMP (never the target's community)."""
    today = today or timezone.now().date()
    only = Q(server=server)
    per_week = traffic_weekly(servers=only)
    busiest = busiest_week(per_week)
    per_day = traffic_daily(servers=only, first=today - dt.timedelta(days=days - 1), last=today)
    snmp = SnmpTarget.objects.filter(server=server).first()
    return {
        "server": server,
        "days": days,
        "busiest": busiest,
        "daily_chart": daily_chart(per_day, today=today, days=days),
        "days_total": bytes_label(sum(per_day.values()), digits=2),
        "weekly_chart": weekly_chart(per_week, weeks_window(today=today), busiest),
        "polled_at": snmp.last_polled_at if snmp else None,
        "poll_failing": bool(snmp and snmp.last_error),
    }
