"""Totals from a year of counter samples: daily and weekly totals add up exactly, a counter
wrap and a reboot in the year count right, the busiest week carries its release; samples
are pruned and the totals stay. The bandwidth pages show the busiest-week label and dated
charts, in a bounded number of queries."""

import datetime as dt
import re

import pytest
from django.db.models import Q, Sum

from apps.core.traffic.counters import Reading
from apps.releases.models import Release
from apps.servers.models import ServerTraffic, TrafficPeriod, TrafficSample
from apps.servers.selectors.traffic import busiest_week, traffic_daily, traffic_weekly
from apps.servers.services.traffic import (
    traffic_prune,
    traffic_reading_record,
    traffic_readings_record,
)

from .factories import ServerFactory

HOUR = dt.timedelta(hours=1)
START = dt.datetime(2006, 1, 2, tzinfo=dt.UTC)  # a Monday, ISO week 1 of 2006
DAY_BYTES = 24 * 10**9  # 1 GB an hour
RELEASE_WEEK = dt.date(2006, 8, 28)


@pytest.mark.django_db
def test_a_year_of_samples_gives_exact_totals_and_the_busiest_week():
    Release.objects.create(version="3.8", major=3, minor=8, released_on=dt.date(2006, 8, 25))
    Release.objects.create(version="4.4", major=4, minor=4, released_on=dt.date(2006, 8, 30))
    server = ServerFactory(hostname="mirror1.example.org", bandwidth_mbps=10_000)
    octets_out, octets_in, uptime = 2**64 - 5 * 10**9, 0, 50 * 86400 * 100
    expected_days: dict[dt.date, int] = {}
    at, readings = START, []
    for hour in range(364 * 24 + 1):  # hourly readings, 52 weeks
        if hour:
            day = (at - HOUR).date()
            sent = 3 * 10**9 if RELEASE_WEEK <= day < RELEASE_WEEK + dt.timedelta(7) else 10**9
            expected_days[day] = expected_days.get(day, 0) + sent
            octets_out = (octets_out + sent) % 2**64  # wraps in the first hours
            octets_in += sent // 50
            uptime += 3600 * 100
        if at == dt.datetime(2006, 6, 1, 12, tzinfo=dt.UTC):  # a reboot: up for 10 minutes
            octets_out, octets_in, uptime = 10**9, 10**9 // 50, 600 * 100
        readings.append(Reading(at, octets_in, octets_out, uptime % 2**32))
        at += HOUR
    # The first day one reading at a time (as the poller does), then the rest in one batch.
    for reading in readings[:24]:
        traffic_reading_record(
            server=server, interface="eth0", at=reading.at, in_octets=reading.in_octets,
            out_octets=reading.out_octets, uptime_ticks=reading.uptime_ticks,
        )  # fmt: skip
    traffic_readings_record(server=server, interface="eth0", readings=readings[24:])
    notes = set(TrafficSample.objects.values_list("note", flat=True))
    assert {"counter wrap", "reboot", ""} <= notes
    wrap = TrafficSample.objects.get(note="counter wrap")
    assert wrap.out_octets < 2**32 and wrap.taken_at < START + 6 * HOUR

    per_day = traffic_daily(servers=Q(server=server))
    assert per_day == expected_days
    assert len(per_day) == 364 and sum(per_day.values()) == 24 * 10**9 * 357 + 72 * 10**9 * 7
    per_week = traffic_weekly(servers=Q(server=server))
    assert len(per_week) == 52 and set(per_week.values()) == {7 * DAY_BYTES, 21 * DAY_BYTES}
    busiest = busiest_week(per_week)
    assert busiest["monday"] == RELEASE_WEEK and busiest["bytes_out"] == 504 * 10**9
    assert busiest["label"] == "CentOS 4.4 release week: 504 GB"

    # Pruning keeps the totals and the newest sample (the next reading's reference).
    removed = traffic_prune(now=at, days=35)
    assert removed > 0
    assert TrafficSample.objects.filter(taken_at__lt=at - dt.timedelta(days=35)).count() == 0
    assert TrafficPeriod.objects.count() < 40 * 24
    assert ServerTraffic.objects.aggregate(t=Sum("bytes_out"))["t"] == sum(per_day.values())


def test_the_bandwidth_page_shows_the_busiest_week_and_dated_charts(
    client, demo, django_assert_max_num_queries
):
    with django_assert_max_num_queries(12):
        page = client.get("/servers/bandwidth/?year=2006")
    html = page.content.decode()
    assert page.status_code == 200
    assert "CentOS 4.4 release week: 20.74 TB" in html
    weekly = html[html.index('id="weekly-title"') : html.index("</svg>")]
    assert re.search(r'<text class="marker"[^>]*>CentOS 4.4 release week: 20.74 TB</text>', weekly)
    assert '<rect class="col marked"' in weekly and "Mon 28 Aug 2006: 20.74 TB" in weekly
    assert re.findall(r'class="date"[^>]*>([^<]+)<', weekly) == [
        "Mar 2006", "Jun 2006", "Sep 2006", "Dec 2006",
    ]  # fmt: skip
    assert re.search(r'class="scale"[^>]*>\d+(\.\d)? TB</text>', weekly)
    assert 'viewBox="0 0 640 300"' in html
    # The daily chart of the last 30 days, and the sponsors' table.
    assert "Bytes sent per day by all the servers" in html
    assert "By sponsor" in html and "CentOS 4.4 release week: " in html.split("By sponsor")[1]

    recent = client.get("/servers/bandwidth/?days=90").content.decode()
    assert "CentOS 4.4 release week: 20.74 TB" in recent  # the card, whatever the year shown
    assert "the last 90 days" in recent
    assert client.get("/servers/bandwidth/?year=nope").status_code == 404


def test_a_servers_bandwidth_page(client, demo, django_assert_max_num_queries):
    with django_assert_max_num_queries(8):
        page = client.get("/servers/mirror-us1.example.org/bandwidth/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "busiest week" in html and "CentOS 4.4 release week: " in html
    assert "Bytes sent per day by " in html and "Per week, the last 52 weeks" in html
    assert "community" not in html.lower()
